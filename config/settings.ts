import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { z } from 'zod';
import { durationSchema } from './duration';
import { ConfigError, parseWith, readYamlValue } from './yaml';

/** The folder holding stagegate's package.json, from source (ts) or compiled (dist) code alike. */
export const PACKAGE_ROOT = findPackageRoot(__dirname);

function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'config', 'processes'))) return dir;
    if (dirname(dir) === dir) throw new Error(`cannot find the stagegate package root above ${start}`);
  }
}

export const SHIPPED_PROCESSES_DIR = join(PACKAGE_ROOT, 'config', 'processes');
export const SHIPPED_PEOPLE_FILE = join(PACKAGE_ROOT, 'config', 'people.yaml');

export const settingsSchema = z
  .object({
    taskQueue: z.string().min(1).default('stagegate'),
    /** Local state: the embedded Temporal database, the outbox and the events store. */
    dataDir: z.string().min(1).default('.stagegate'),
    processesDir: z.string().min(1).default(SHIPPED_PROCESSES_DIR),
    peopleFile: z.string().min(1).default(SHIPPED_PEOPLE_FILE),
    /** How long a caller waits for a worker to accept or reject a vote or command before saying nothing was confirmed. */
    updateTimeout: durationSchema.prefault('15s'),
  })
  .strict();
export type Settings = z.output<typeof settingsSchema>;
const settingsFileSchema = z.object(settingsSchema.shape).partial().strict().nullable();

/** Environment variables that override the settings file, one per setting. */
const ENVIRONMENT: Record<keyof Settings, string> = {
  taskQueue: 'STAGEGATE_TASK_QUEUE',
  dataDir: 'STAGEGATE_DATA_DIR',
  processesDir: 'STAGEGATE_PROCESSES_DIR',
  peopleFile: 'STAGEGATE_PEOPLE_FILE',
  updateTimeout: 'STAGEGATE_UPDATE_TIMEOUT',
};

export interface LoadSettingsOptions {
  /** A settings file; defaults to $STAGEGATE_CONFIG, then ./stagegate.yaml when it exists. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Values that win over the file and the environment (SDK callers, tests). */
  overrides?: Partial<z.input<typeof settingsSchema>>;
}

/**
 * Settings from defaults, then the settings file, then STAGEGATE_* variables, then overrides.
 * Relative paths are resolved against the working directory.
 */
export function loadSettings(options: LoadSettingsOptions = {}): Settings {
  const env = options.env ?? process.env;
  const file = options.file ?? env.STAGEGATE_CONFIG ?? (existsSync('stagegate.yaml') ? 'stagegate.yaml' : undefined);
  // The file is checked on its own first, so its errors name the file and the field.
  const raw: Record<string, unknown> = {};
  if (file) {
    const value = readYamlValue(file);
    parseWith(file, settingsFileSchema, value);
    Object.assign(raw, value);
  }
  const fromEnvironment: string[] = [];
  for (const [key, variable] of Object.entries(ENVIRONMENT)) {
    const value = env[variable];
    if (value === undefined || value === '') continue;
    raw[key] = value;
    fromEnvironment.push(variable);
  }
  Object.assign(raw, options.overrides);
  const source = [file, ...fromEnvironment].filter(Boolean).join(' + ') || 'settings';
  const settings = parseWith(source, settingsSchema, raw);
  return {
    ...settings,
    dataDir: resolve(settings.dataDir),
    processesDir: resolve(settings.processesDir),
    peopleFile: resolve(settings.peopleFile),
  };
}

export interface TemporalConnection {
  connectionOptions: NativeConnectionOptions;
  namespace: string;
}

/**
 * Where Temporal is, following Temporal's own conventions: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
 * TEMPORAL_API_KEY, TEMPORAL_TLS_*, and the profiles of TEMPORAL_CONFIG_FILE / TEMPORAL_PROFILE.
 */
export function loadTemporalConnection(env: NodeJS.ProcessEnv = process.env): TemporalConnection {
  let loaded;
  try {
    loaded = loadClientConnectConfig({ overrideEnvVars: env as Record<string, string> });
  } catch (err) {
    throw new ConfigError(`Temporal connection settings: ${(err as Error).message}`);
  }
  const { connectionOptions } = loaded;
  return {
    connectionOptions: { ...connectionOptions, address: connectionOptions.address ?? 'localhost:7233' },
    namespace: loaded.namespace ?? 'default',
  };
}
