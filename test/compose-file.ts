import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PACKAGE_ROOT } from '../config/settings';

/**
 * docker-compose.yml read the way `docker compose` reads it (YAML with merge keys, then `${VAR}`,
 * `${VAR:-default}`, `${VAR:?message}` and `$$` interpolated in every value), for the tests that
 * check it (test/compose.test.ts) and run its topology natively (test/topology.test.ts).
 */

export const COMPOSE_FILE = join(PACKAGE_ROOT, 'docker-compose.yml');
export const DOCKERFILE = join(PACKAGE_ROOT, 'Dockerfile');

export interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string | number | boolean | null>;
  ports?: string[];
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: { test: string[] | string };
  volumes?: string[];
  restart?: string;
  container_name?: string;
}

export interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

/** The values the compose file demands (`${VAR:?...}`), as an operator sets them. */
export const OPERATOR_VARIABLES = {
  STAGEGATE_LINK_SECRET: 'compose-test-link-secret-0123456789abcdef',
  STAGEGATE_ADMIN_KEY: 'compose-test-admin-key-0123456789',
  STAGEGATE_CODEC_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
};

const REFERENCE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** Every variable the file takes from the operator's shell, with how (`:?` required, `:-` defaulted, or plain). */
export function interpolatedVariables(text: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const match of text.matchAll(REFERENCE)) {
    const name = match[1] ?? match[4];
    if (name) found.set(name, match[2] ?? '');
  }
  return found;
}

function interpolate(value: string, variables: Record<string, string | undefined>): string {
  return value.replace(REFERENCE, (whole, braced?: string, operator?: string, argument?: string, bare?: string) => {
    if (whole === '$$') return '$';
    const name = (braced ?? bare)!;
    const set = variables[name];
    const missing = operator?.startsWith(':') ? !set : set === undefined;
    if (operator?.endsWith('?') && missing) throw new Error(`required variable ${name} is missing a value: ${argument}`);
    if (operator?.endsWith('-') && missing) return argument ?? '';
    return set ?? '';
  });
}

function interpolateTree(value: unknown, variables: Record<string, string | undefined>): unknown {
  if (typeof value === 'string') return interpolate(value, variables);
  if (Array.isArray(value)) return value.map((item) => interpolateTree(item, variables));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolateTree(item, variables)]));
  return value;
}

/** The compose file (its text, or the shipped one) as `docker compose config` would see it with these shell variables. */
export function readCompose(variables: Record<string, string | undefined> = OPERATOR_VARIABLES, text = readFileSync(COMPOSE_FILE, 'utf8')): Compose {
  return interpolateTree(parse(text, { merge: true }), variables) as Compose;
}

/** A service's environment as strings, the way the container sees it. */
export function environmentOf(service: Service): Record<string, string> {
  return Object.fromEntries(Object.entries(service.environment ?? {}).map(([name, value]) => [name, value === null ? '' : String(value)]));
}

/** The stagegate services: the ones built from this repository's Dockerfile. */
export function stagegateServices(compose: Compose): [string, Service][] {
  return Object.entries(compose.services).filter(([, service]) => service.build !== undefined);
}

/** `host:container` port mappings (an optional bind address first), as numbers. */
export function publishedPorts(service: Service): { host: number; container: number }[] {
  return (service.ports ?? []).map((mapping) => {
    const parts = String(mapping).split(':');
    return { host: Number(parts.at(-2) ?? parts.at(-1)), container: Number(parts.at(-1)) };
  });
}

/** The healthcheck's command as argv (`CMD` form), or the shell line (`CMD-SHELL` form) as `sh -c`. */
export function healthcheckCommand(service: Service): string[] | undefined {
  const test = service.healthcheck?.test;
  if (!test) return undefined;
  if (typeof test === 'string') return ['sh', '-c', test];
  const [form, ...rest] = test;
  return form === 'CMD-SHELL' ? ['sh', '-c', rest.join(' ')] : rest;
}
