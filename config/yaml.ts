import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';

/** A configuration file that failed to load; the message names the file and the path of each bad field. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function formatIssues(source: string, error: z.ZodError): string {
  return error.issues.map((issue) => formatIssue(source, issue)).join('\n');
}

/** One issue as `source: path.to[2].field: message`. */
export function formatIssue(source: string, issue: Pick<z.core.$ZodIssue, 'path' | 'message'>): string {
  const path = issue.path.length ? issue.path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i ? '.' : ''}${String(part)}`)).join('') : '(root)';
  return `${source}: ${path}: ${issue.message}`;
}

export function parseWith<Schema extends z.ZodType>(source: string, schema: Schema, value: unknown): z.output<Schema> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ConfigError(formatIssues(source, result.error));
  return result.data;
}

export function readYamlFile<Schema extends z.ZodType>(file: string, schema: Schema): z.output<Schema> {
  return parseWith(file, schema, readYamlValue(file));
}

/** The parsed YAML of a file, unchecked. */
export function readYamlValue(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${file}: cannot be read (${(err as Error).message})`);
  }
  try {
    return parse(text);
  } catch (err) {
    throw new ConfigError(`${file}: is not valid YAML (${(err as Error).message})`);
  }
}
