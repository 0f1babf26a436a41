/** Reading a KPI from the firm's own system: GET a URL, take the number at a JSON path. */

/** `$.totals.sales`, `data[0].value` or `count` into the steps to walk. */
export function parseJsonPath(path: string): (string | number)[] {
  const steps: (string | number)[] = [];
  for (const part of path.replace(/^\$\.?/, '').split('.').filter(Boolean)) {
    const [name, ...indexes] = part.split('[');
    if (name) steps.push(name);
    for (const index of indexes) steps.push(Number(index.replace(']', '')));
  }
  return steps;
}

export function valueAt(document: unknown, path: string): number {
  let value: unknown = document;
  for (const step of parseJsonPath(path)) {
    if (value === null || typeof value !== 'object') throw new Error(`nothing at ${path}: the answer stops before "${step}"`);
    value = (value as Record<string | number, unknown>)[step];
  }
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number)) throw new Error(`expected a number at ${path}, found ${JSON.stringify(value)}`);
  return number;
}

export async function pullKpiReading(source: { url: string; jsonPath: string }, timeoutMs = 10_000): Promise<number> {
  const response = await fetch(source.url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`${source.url} answered ${response.status} ${response.statusText}`);
  return valueAt(await response.json(), source.jsonPath);
}
