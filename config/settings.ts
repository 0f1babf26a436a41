import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { loadClientConfigProfile, toClientOptions, type ConfigDataSource } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { z } from 'zod';
import { durationSchema } from './duration';
import { strategicGoalsSchema } from './goals';
import { routingSchema } from './routing';
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

/** `id:base64key` pairs, separated by commas or new lines. */
export const CODEC_KEYS = /^\s*[A-Za-z0-9._-]+:[A-Za-z0-9+/]{43}=\s*([,\n]\s*[A-Za-z0-9._-]+:[A-Za-z0-9+/]{43}=\s*)*[,\n]?\s*$/;

/** Where `stagegate dev` serves its pages; links in real email must start elsewhere. */
export const DEFAULT_PUBLIC_URL = 'http://localhost:3000';

const port = z.coerce.number().int().min(0).max(65_535);
const flag = z.union([z.boolean(), z.stringbool()]);

const count = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/**
 * The worker's Temporal options (@temporalio/worker's WorkerOptions of the same names; the
 * pollers are `workflowTaskPollerBehavior` and `activityTaskPollerBehavior`, fixed maxima).
 * Defaults from bench/journeys.js (README, Performance).
 */
export const workerTuningSchema = z
  .object({
    /** One V8 context for every workflow: about a third of the memory and CPU per cached workflow. */
    reuseV8Context: flag.default(true),
    /** The sticky cache: journeys kept in memory between tasks. Past it a journey is replayed from history on its next task, so memory stays flat however many ideas are parked. */
    maxCachedWorkflows: count(0, 100_000).default(1_000),
    maxConcurrentWorkflowTaskExecutions: count(2, 1_000).default(40),
    maxConcurrentActivityTaskExecutions: count(1, 10_000).default(100),
    workflowTaskPollers: count(2, 1_000).default(10),
    activityTaskPollers: count(1, 1_000).default(10),
  })
  .strict()
  .refine((tuning) => tuning.workflowTaskPollers <= tuning.maxConcurrentWorkflowTaskExecutions, { path: ['workflowTaskPollers'], message: 'expected no more than maxConcurrentWorkflowTaskExecutions' })
  .refine((tuning) => tuning.activityTaskPollers <= tuning.maxConcurrentActivityTaskExecutions, { path: ['activityTaskPollers'], message: 'expected no more than maxConcurrentActivityTaskExecutions' });

/** A value from the settings file, or the same value as JSON in a variable: `expected` says what the JSON should be. */
function fromJson<Schema extends z.ZodType>(expected: string, schema: Schema) {
  return z.preprocess((value, ctx) => {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: `expected ${expected}` });
      return z.NEVER;
    }
  }, schema);
}

/** A map from the settings file, or the same map as a JSON object in a variable: `expected` says what it should look like. */
function jsonMap<Schema extends z.ZodType>(expected: string, map: Schema) {
  return fromJson(`a JSON object like ${expected}`, map);
}

/** A record whose keys match `key` (a refused key is named with what was expected), its values `value`. */
function namedRecord<Value extends z.ZodType>(key: RegExp, expected: string, value: Value) {
  return z.record(z.string(), value).superRefine((record, ctx) => {
    for (const name of Object.keys(record)) if (!key.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: `expected ${expected}` });
  });
}

/**
 * The embedded Temporal dev server's own options, for `stagegate dev`, the tests and the
 * benchmarks (`temporal server start-dev --sqlite-pragma` and `--dynamic-config-value`); a
 * production Temporal is tuned in its own config. WAL with synchronous=normal: the data folder's
 * temporal.db takes ideas three times as fast as SQLite's own default (a sync to disk at every
 * commit), at the price of the last moments before a power cut, never of a corrupt database
 * (README, Performance). The dynamic config is Temporal's own unless set: one task queue
 * partition instead of four measured no faster.
 */
export const devServerSchema = z
  .object({
    /** SQLite pragmas of the dev server's database file (`stagegate dev`'s temporal.db in the data folder); a dev server in memory (tests, benchmarks) takes none. */
    sqlitePragmas: jsonMap('{"journal_mode":"wal","synchronous":"normal"}', namedRecord(/^[a-z_]+$/, 'a pragma name like journal_mode', z.coerce.string().regex(/^[A-Za-z0-9_-]+$/, 'expected a pragma value like wal or 5000'))).default({ journal_mode: 'wal', synchronous: 'normal' }),
    /** Temporal dynamic config values, each key with its JSON value (https://docs.temporal.io/references/dynamic-configuration). */
    dynamicConfig: jsonMap('{"matching.numTaskqueueReadPartitions":1}', namedRecord(/^[A-Za-z][A-Za-z0-9_.]*$/, 'a dynamic config key like matching.numTaskqueueReadPartitions', z.json())).default({}),
  })
  .strict();

/** Outgoing mail: without `smtp`, messages stay in the local outbox (the embedded default). */
export const mailSettingsSchema = z
  .object({
    from: z.string().min(3).default('stagegate <stagegate@localhost>'),
    smtp: z
      .object({
        host: z.string().min(1),
        port: port.default(587),
        /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
        secure: flag.default(false),
        user: z.string().min(1).optional(),
        pass: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type MailSettings = z.output<typeof mailSettingsSchema>;

/** Working days, holidays and a time zone: when given, gate deadlines and reminders count business days only. */
export const calendarSchema = z
  .object({
    timeZone: z.string().refine((zone) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    }, 'expected an IANA time zone like Europe/Berlin'),
    /** ISO weekdays: 1 is Monday, 7 is Sunday. */
    workingDays: z.array(z.number().int().min(1).max(7)).min(1).default([1, 2, 3, 4, 5]),
    holidays: z.array(z.iso.date()).default([]),
  })
  .strict();
export type Calendar = z.output<typeof calendarSchema>;

const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];
/** One entry of a trusted-proxy list: a name express knows, an address, or a CIDR range. */
function isProxyEntry(entry: string): boolean {
  if (PROXY_NAMES.includes(entry)) return true;
  const [address, prefix, extra] = entry.split('/');
  const family = isIP(address ?? '');
  if (!family || extra !== undefined) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}

/**
 * Which proxies in front of the web server may say who the client is (X-Forwarded-For), in the
 * forms express accepts: `false` (none, the default: the client is the socket's address), a hop
 * count, or a comma-separated list of `loopback`, `linklocal`, `uniquelocal`, addresses and CIDRs.
 */
export const trustProxySchema = z.union([z.boolean(), z.number(), z.string()]).transform((value, ctx): boolean | number | string[] => {
  const text = typeof value === 'string' ? value.trim() : value;
  if (text === true || text === 'true') return true;
  if (text === false || text === 'false') return false;
  if (typeof text === 'number' || /^\d{1,2}$/.test(text)) {
    const hops = Number(text);
    if (Number.isInteger(hops) && hops >= 0 && hops <= 10) return hops;
  } else {
    const entries = text.split(',').map((entry) => entry.trim());
    if (entries.every(isProxyEntry)) return entries;
  }
  ctx.addIssue({ code: 'custom', message: `expected false, a hop count, or a comma-separated list of loopback, linklocal, uniquelocal, IP addresses and CIDR ranges, got "${String(value)}"` });
  return z.NEVER;
});

/** What a subscriber may hear of: the journey's steps a firm's other systems act on. */
export const WEBHOOK_EVENTS = ['idea.submitted', 'gate.decided', 'idea.launched', 'idea.killed', 'pilot.alert'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

/**
 * One system told of the journey's steps by signed POSTs (Standard Webhooks). Its secret is at
 * least 32 characters, given inline or in `secretFile`; `whsec_<base64>` is read as the bytes it
 * encodes (as Standard Webhooks libraries do), any other secret as its UTF-8 bytes.
 */
export const webhookSubscriberSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'expected a short name of lower-case letters, digits, - and _ (it is part of delivery ids)'),
    url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
    events: z.array(z.enum(WEBHOOK_EVENTS)).min(1, 'expected at least one event'),
    secret: z.string().min(32, 'expected at least 32 characters').optional(),
    secretFile: z.string().min(1).optional(),
  })
  .strict()
  .transform((subscriber, ctx) => {
    if ((subscriber.secret === undefined) === (subscriber.secretFile === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['secret'], message: 'expected either secret or secretFile' });
      return z.NEVER;
    }
    let secret = subscriber.secret;
    if (subscriber.secretFile !== undefined) {
      try {
        secret = readFileSync(subscriber.secretFile, 'utf8').trim();
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: ['secretFile'], message: `cannot be read: ${(err as Error).message}` });
        return z.NEVER;
      }
      if (secret.length < 32) {
        ctx.addIssue({ code: 'custom', path: ['secretFile'], message: 'expected a secret of at least 32 characters in the file' });
        return z.NEVER;
      }
    }
    return { name: subscriber.name, url: subscriber.url, events: subscriber.events, secret: secret! };
  });
export type WebhookSubscriber = z.output<typeof webhookSubscriberSchema>;

/** A list from the settings file, or the same list as JSON in a variable: `expected` says what the JSON should look like. */
function jsonList<Schema extends z.ZodType>(expected: string, list: Schema) {
  return fromJson(`a JSON list of ${expected}`, list);
}

/** The subscribers, as a list in the settings file or as JSON in STAGEGATE_WEBHOOKS; names are unique. */
export const webhooksSchema = jsonList('subscribers like [{"name":"crm","url":"https://...","events":["gate.decided"],"secret":"..."}]', z.array(webhookSubscriberSchema))
  .superRefine((subscribers, ctx) => {
    subscribers.forEach((subscriber, index) => {
      if (subscribers.findIndex((other) => other.name === subscriber.name) !== index) ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `"${subscriber.name}" is used twice` });
    });
  });

/** How a webhook is retried: `attempts` tries in all, the waits doubling from `firstDelay` up to `maxDelay` (about 24 hours by default). */
export const webhookRetrySchema = z
  .object({
    attempts: z.coerce.number().int().min(1).max(100).default(14),
    firstDelay: durationSchema.prefault('1m'),
    maxDelay: durationSchema.prefault('4h'),
  })
  .strict();
/** What an API key may do: submit ideas, read them and the reports, record progress, vote for reviewers, hold and resume. */
export const API_SCOPES = ['submit', 'read', 'record', 'decide', 'admin'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/**
 * One key of the HTTP API: its name (recorded as the actor's `key`), the SHA-256 of the key in hex
 * (never the key: keys are 32 random bytes, so a fast hash is enough and a slow one buys nothing),
 * its scopes, and how many requests a minute it may make.
 */
export const apiKeySchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'expected a key name like crm or website (letters, digits, . _ -)'),
    hash: z.string().regex(/^[0-9a-f]{64}$/, 'expected the SHA-256 of the key in lowercase hex (stagegate apikey create prints it), never the key itself'),
    scopes: z.array(z.enum(API_SCOPES)).min(1, 'expected at least one scope'),
    rateLimitPerMinute: z.coerce.number().int().min(1).max(100_000).default(600),
  })
  .strict();
export type ApiKey = z.output<typeof apiKeySchema>;

/** `name:scope,scope:hash` entries separated by spaces, new lines or `;` (STAGEGATE_API_KEYS), or the same list as JSON. */
function readApiKeys(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (text.startsWith('[')) {
    try {
      return JSON.parse(text);
    } catch {
      return value;
    }
  }
  return text.split(/[\s;]+/).filter(Boolean).map((entry) => {
    const [name, scopes, hash, ...rest] = entry.split(':');
    return rest.length || hash === undefined ? entry : { name, scopes: scopes!.split(',').filter(Boolean), hash };
  });
}

export const apiKeysSchema = z.preprocess(
  readApiKeys,
  z
    .array(apiKeySchema, { error: 'expected a list of API keys: name:scopes:hash entries (like crm:submit,read:<sha256 hex>) or a JSON list of { name, hash, scopes }' })
    .refine((keys) => new Set(keys.map((key) => key.name)).size === keys.length, 'expected each API key name once')
    .refine((keys) => new Set(keys.map((key) => key.hash)).size === keys.length, 'expected each API key hash once'),
);

/** A domain name as in an email address after the `@`, lower-cased: `cornerbakery.example`. */
const domainSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'expected a domain name like cornerbakery.example');

/** A list of domains, from YAML or from a variable with commas between them. */
const domainsSchema = z.preprocess(
  (value) => (typeof value === 'string' ? value.split(',').map((entry) => entry.trim()).filter(Boolean) : value),
  z.array(domainSchema).max(100),
);

/** An accepted recipient of the email intake: an address (`ideas@cornerbakery.example`) or a whole domain (`@ideas.cornerbakery.example`). */
const intakeRecipientSchema = z
  .string()
  .trim()
  .toLowerCase()
  .refine((entry) => (entry.startsWith('@') ? domainSchema.safeParse(entry.slice(1)).success : z.email().safeParse(entry).success), 'expected an address like ideas@cornerbakery.example or a domain like @ideas.cornerbakery.example');

/** A mailbox the intake polls over IMAP: `imaps://imap.cornerbakery.example` (993) or `imap://...` (143, STARTTLS when offered). */
export const intakeImapSchema = z
  .object({
    url: z.url({ protocol: /^imaps?$/, error: 'expected an IMAP URL like imaps://imap.cornerbakery.example' }),
    user: z.string().min(1),
    pass: z.string().min(1),
    folder: z.string().min(1).default('INBOX'),
    /** How often the mailbox is looked at for messages not yet seen. */
    pollInterval: durationSchema.prefault('1m'),
  })
  .strict();

/**
 * The email intake (`stagegate intake`): messages to `addresses` become ideas. Its SMTP listener
 * takes nothing for anyone else (no relay), nothing over `maxSize`, and offers STARTTLS when
 * `tlsKey` and `tlsCert` are given; `imap` polls a hosted mailbox instead or as well.
 */
export const intakeSettingsSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: port.default(2525),
    addresses: z.preprocess(
      (value) => (typeof value === 'string' ? value.split(',').map((entry) => entry.trim()).filter(Boolean) : value),
      z.array(intakeRecipientSchema).max(100),
    ).default([]),
    /** The largest message taken, in bytes: announced as SMTP SIZE, and a hard limit on what is read. */
    maxSize: z.coerce.number().int().min(1_024).max(100 * 1_048_576).default(10 * 1_048_576),
    /** SMTP connections open at once; more are turned away. */
    maxConnections: z.coerce.number().int().min(1).max(10_000).default(20),
    /** Keep attachments in the data folder; by default they are only listed (name and size) in the idea's description. */
    storeAttachments: flag.default(false),
    /** PEM files of the listener's key and certificate: with both, STARTTLS is offered. */
    tlsKey: z.string().min(1).optional(),
    tlsCert: z.string().min(1).optional(),
    imap: intakeImapSchema.optional(),
  })
  .strict()
  .refine((intake) => (intake.tlsKey === undefined) === (intake.tlsCert === undefined), { path: ['tlsCert'], message: 'expected tlsKey and tlsCert together' });
export type IntakeSettings = z.output<typeof intakeSettingsSchema>;

export const settingsSchema = z
  .object({
    taskQueue: z.string().min(1).default('stagegate'),
    /** Local state: the embedded Temporal database, the outbox and the events store. */
    dataDir: z.string().min(1).default('.stagegate'),
    /** The events store and outbox in PostgreSQL (`postgres://user:pass@host:5432/db`) instead of SQLite in the data folder. */
    databaseUrl: z.url({ protocol: /^postgres(ql)?$/, error: 'expected a PostgreSQL URL like postgres://user:pass@host:5432/db' }).optional(),
    processesDir: z.string().min(1).default(SHIPPED_PROCESSES_DIR),
    peopleFile: z.string().min(1).default(SHIPPED_PEOPLE_FILE),
    /** An innovation network's file (config/network.ts): its members, each a settings file and a Temporal namespace of its own. None: one firm, as before. */
    network: z.string().min(1).optional(),
    /** How long a caller waits for a worker to accept or reject a vote or command before saying nothing was confirmed. */
    updateTimeout: durationSchema.prefault('15s'),
    /** A journey continues as new once a run's history passes this many events, so a long-lived idea's history stays small. */
    journeyHistoryLimit: z.coerce.number().int().min(100).max(40_000).default(5_000),
    /** Where people reach the web server; links in messages start with it. */
    publicUrl: z.url().default(DEFAULT_PUBLIC_URL),
    webHost: z.string().min(1).default('127.0.0.1'),
    webPort: port.default(3000),
    /** The proxies the web server believes about the client's address; none unless set (see trustProxySchema). */
    trustProxy: trustProxySchema.default(false),
    /** Where the web server serves its own /metrics, apart from the public pages; 0 turns it off. */
    webMetricsPort: port.default(9466),
    /** The address every metrics listener (worker and web) binds; loopback unless set (0.0.0.0 in containers). */
    metricsHost: z.string().min(1).default('127.0.0.1'),
    /** The key that signs reviewers' links; at least 32 characters. Generated into the data folder by `stagegate dev`. */
    linkSecret: z.string().min(32, 'expected at least 32 characters').optional(),
    /** The key that opens the dashboard (HTTP basic auth, user `admin`); at least 24 characters. Generated by `stagegate dev`. */
    adminKey: z.string().min(24, 'expected at least 24 characters').optional(),
    /** How long a link in a message stays valid; every reminder carries a fresh one. */
    linkTtl: durationSchema.prefault('14d'),
    mail: mailSettingsSchema.prefault({}),
    /** How long the outbox keeps a message; older ones are deleted. Delivered messages lose their links at once. */
    outboxRetention: durationSchema.prefault('30d'),
    /** Where a worker serves /metrics for Prometheus (its own counters and the Temporal SDK's); 0 turns it off. */
    metricsPort: port.default(9464),
    worker: workerTuningSchema.prefault({}),
    devServer: devServerSchema.prefault({}),
    calendar: calendarSchema.optional(),
    /**
     * The payload codec's master keys, `id:base64key,...` (each key 32 bytes): the first encrypts,
     * all decrypt, so a new key goes first and old ones stay listed while anything uses them.
     * Without keys (here or in `codecKeyFile`) payloads and the events store stay plaintext.
     */
    codecKeys: z.string().regex(CODEC_KEYS, 'expected id:base64key,... (ids of letters, digits, . _ -; keys of 32 bytes in base64)').optional(),
    /** A file holding the master keys in the same form (commas or new lines between them). Generated by `stagegate dev`. */
    codecKeyFile: z.string().min(1).optional(),
    /** The origin of the Temporal Web UI allowed to call the codec endpoint (CORS). */
    codecCorsOrigin: z.url().default('http://localhost:8233'),
    /** How the firm writes numbers (BCP 47, `en-GB`, `de-DE`, `fr-FR`): KPI readings and amounts are read with its decimal separator. */
    locale: z
      .string()
      .refine((locale) => {
        try {
          return Intl.NumberFormat.supportedLocalesOf([locale]).length === 1;
        } catch {
          return false;
        }
      }, 'expected a locale this Node knows, like en-GB, de-DE or fr-FR')
      .default('en-GB'),
    /** Systems told of submissions, decisions, launches, kills and pilot alerts by signed POSTs; none unless set. */
    webhooks: webhooksSchema.default([]),
    webhookRetry: webhookRetrySchema.prefault({}),
    /** How long one delivery waits for the receiver's answer before it counts as failed (and is tried again). */
    webhookTimeout: durationSchema.prefault('10s'),
    /** Keys of the HTTP API (`/api/v1`), stored as hashes; none by default, so the API refuses everyone. */
    apiKeys: apiKeysSchema.default([]),
    /** The firm's own email domains: people writing from them are staff (source `employee`) and need no confirmation to submit. */
    staffDomains: domainsSchema.default([]),
    /** Partner firms' email domains: ideas from them carry the source `partner`. */
    partnerDomains: domainsSchema.default([]),
    /** The firm's strategic goals; when set, the goals an idea claims must be among them (and active). */
    goals: jsonList('goals like [{"id":"less-waste","name":"Waste less","from":"2027-01-01"}]', strategicGoalsSchema).default([]),
    /** Which process (and champion) an idea the caller names no process for goes to: first match wins, the last rule is the default. Without rules, smb-lite. */
    routing: jsonList('rules like [{"id":"small","when":{"estimatedCost":{"atMost":500}},"process":"express"},{"id":"default","process":"smb-lite"}]', routingSchema).default([]),
    /** Ideas by email: the SMTP listener and IMAP poller of `stagegate intake`. */
    intake: intakeSettingsSchema.prefault({}),
    /** Ideas one client address may send through the submission portal in an hour; more get a "too many" page. */
    portalSubmissionsPerHour: count(1, 10_000).default(10),
  })
  .strict()
  .superRefine((settings, ctx) => {
    if (settings.goals.length === 0) return;
    const goals = settings.goals.map((goal) => goal.id);
    settings.routing.forEach((rule, index) =>
      (rule.when.strategicGoals ?? []).forEach((goal, at) => {
        if (!goals.includes(goal)) ctx.addIssue({ code: 'custom', path: ['routing', index, 'when', 'strategicGoals', at], message: `"${goal}" is not a strategic goal; the goals are ${goals.join(', ')}` });
      }),
    );
  });
export type Settings = z.output<typeof settingsSchema> & {
  /** Set when no file, variable or override gave `publicUrl`, so links start with the default: fine for `stagegate dev`, broken for real mail. */
  publicUrlDefaulted?: true;
};

/** Environment variables that override the settings file, each naming one setting. */
export const ENVIRONMENT: [variable: string, path: string[]][] = [
  ['STAGEGATE_TASK_QUEUE', ['taskQueue']],
  ['STAGEGATE_DATA_DIR', ['dataDir']],
  ['DATABASE_URL', ['databaseUrl']],
  ['STAGEGATE_PROCESSES_DIR', ['processesDir']],
  ['STAGEGATE_PEOPLE_FILE', ['peopleFile']],
  ['STAGEGATE_NETWORK', ['network']],
  ['STAGEGATE_UPDATE_TIMEOUT', ['updateTimeout']],
  ['STAGEGATE_JOURNEY_HISTORY_LIMIT', ['journeyHistoryLimit']],
  ['STAGEGATE_PUBLIC_URL', ['publicUrl']],
  ['STAGEGATE_WEB_HOST', ['webHost']],
  ['STAGEGATE_WEB_PORT', ['webPort']],
  ['STAGEGATE_TRUST_PROXY', ['trustProxy']],
  ['STAGEGATE_WEB_METRICS_PORT', ['webMetricsPort']],
  ['STAGEGATE_METRICS_HOST', ['metricsHost']],
  ['STAGEGATE_OUTBOX_RETENTION', ['outboxRetention']],
  ['STAGEGATE_LINK_SECRET', ['linkSecret']],
  ['STAGEGATE_LINK_TTL', ['linkTtl']],
  ['STAGEGATE_ADMIN_KEY', ['adminKey']],
  ['STAGEGATE_METRICS_PORT', ['metricsPort']],
  ['STAGEGATE_WORKER_REUSE_V8_CONTEXT', ['worker', 'reuseV8Context']],
  ['STAGEGATE_WORKER_MAX_CACHED_WORKFLOWS', ['worker', 'maxCachedWorkflows']],
  ['STAGEGATE_WORKER_MAX_CONCURRENT_WORKFLOW_TASK_EXECUTIONS', ['worker', 'maxConcurrentWorkflowTaskExecutions']],
  ['STAGEGATE_WORKER_MAX_CONCURRENT_ACTIVITY_TASK_EXECUTIONS', ['worker', 'maxConcurrentActivityTaskExecutions']],
  ['STAGEGATE_WORKER_WORKFLOW_TASK_POLLERS', ['worker', 'workflowTaskPollers']],
  ['STAGEGATE_WORKER_ACTIVITY_TASK_POLLERS', ['worker', 'activityTaskPollers']],
  ['STAGEGATE_DEV_SERVER_SQLITE_PRAGMAS', ['devServer', 'sqlitePragmas']],
  ['STAGEGATE_DEV_SERVER_DYNAMIC_CONFIG', ['devServer', 'dynamicConfig']],
  ['STAGEGATE_CODEC_KEYS', ['codecKeys']],
  ['STAGEGATE_CODEC_KEY_FILE', ['codecKeyFile']],
  ['STAGEGATE_CODEC_CORS_ORIGIN', ['codecCorsOrigin']],
  ['STAGEGATE_STAFF_DOMAINS', ['staffDomains']],
  ['STAGEGATE_PARTNER_DOMAINS', ['partnerDomains']],
  ['STAGEGATE_GOALS', ['goals']],
  ['STAGEGATE_ROUTING', ['routing']],
  ['STAGEGATE_INTAKE_HOST', ['intake', 'host']],
  ['STAGEGATE_INTAKE_PORT', ['intake', 'port']],
  ['STAGEGATE_INTAKE_ADDRESSES', ['intake', 'addresses']],
  ['STAGEGATE_INTAKE_MAX_SIZE', ['intake', 'maxSize']],
  ['STAGEGATE_INTAKE_MAX_CONNECTIONS', ['intake', 'maxConnections']],
  ['STAGEGATE_INTAKE_STORE_ATTACHMENTS', ['intake', 'storeAttachments']],
  ['STAGEGATE_INTAKE_TLS_KEY', ['intake', 'tlsKey']],
  ['STAGEGATE_INTAKE_TLS_CERT', ['intake', 'tlsCert']],
  ['STAGEGATE_INTAKE_IMAP_URL', ['intake', 'imap', 'url']],
  ['STAGEGATE_INTAKE_IMAP_USER', ['intake', 'imap', 'user']],
  ['STAGEGATE_INTAKE_IMAP_PASS', ['intake', 'imap', 'pass']],
  ['STAGEGATE_INTAKE_IMAP_FOLDER', ['intake', 'imap', 'folder']],
  ['STAGEGATE_INTAKE_IMAP_POLL_INTERVAL', ['intake', 'imap', 'pollInterval']],
  ['STAGEGATE_PORTAL_SUBMISSIONS_PER_HOUR', ['portalSubmissionsPerHour']],
  ['STAGEGATE_LOCALE', ['locale']],
  ['STAGEGATE_WEBHOOKS', ['webhooks']],
  ['STAGEGATE_WEBHOOK_ATTEMPTS', ['webhookRetry', 'attempts']],
  ['STAGEGATE_WEBHOOK_FIRST_DELAY', ['webhookRetry', 'firstDelay']],
  ['STAGEGATE_WEBHOOK_MAX_DELAY', ['webhookRetry', 'maxDelay']],
  ['STAGEGATE_WEBHOOK_TIMEOUT', ['webhookTimeout']],
  ['STAGEGATE_API_KEYS', ['apiKeys']],
  ['STAGEGATE_MAIL_FROM', ['mail', 'from']],
  ['STAGEGATE_SMTP_HOST', ['mail', 'smtp', 'host']],
  ['STAGEGATE_SMTP_PORT', ['mail', 'smtp', 'port']],
  ['STAGEGATE_SMTP_SECURE', ['mail', 'smtp', 'secure']],
  ['STAGEGATE_SMTP_USER', ['mail', 'smtp', 'user']],
  ['STAGEGATE_SMTP_PASS', ['mail', 'smtp', 'pass']],
];

type Tree = Record<string, unknown>;
const isTree = (value: unknown): value is Tree => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Lays `top` over `base`, section by section. */
function overlay(base: Tree, top: Tree): Tree {
  const merged: Tree = { ...base };
  for (const [key, value] of Object.entries(top)) {
    if (value === undefined) continue;
    merged[key] = isTree(value) && isTree(merged[key]) ? overlay(merged[key] as Tree, value) : value;
  }
  return merged;
}

function setPath(tree: Tree, path: string[], value: unknown): void {
  const [head, ...rest] = path;
  if (rest.length === 0) tree[head!] = value;
  else setPath((tree[head!] = isTree(tree[head!]) ? tree[head!] : {}) as Tree, rest, value);
}

export interface LoadSettingsOptions {
  /** A settings file; defaults to $STAGEGATE_CONFIG, then ./stagegate.yaml when it exists. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Values that win over the file and the environment (SDK callers, tests). */
  overrides?: { [Key in keyof z.input<typeof settingsSchema>]?: z.input<typeof settingsSchema>[Key] };
}

/**
 * Settings from defaults, then the settings file, then STAGEGATE_* variables, then overrides.
 * Relative paths are resolved against the working directory.
 */
export function loadSettings(options: LoadSettingsOptions = {}): Settings {
  const env = options.env ?? process.env;
  const file = options.file ?? env.STAGEGATE_CONFIG ?? (existsSync('stagegate.yaml') ? 'stagegate.yaml' : undefined);
  // The file is checked on its own first, so its errors name the file and the field.
  let raw: Tree = {};
  if (file) {
    const value = readYamlValue(file) ?? {};
    parseWith(file, settingsSchema, value);
    raw = value as Tree;
  }
  const fromEnvironment: Tree = {};
  const variables: string[] = [];
  for (const [variable, path] of ENVIRONMENT) {
    const value = env[variable];
    if (value === undefined || value === '') continue;
    setPath(fromEnvironment, path, value);
    variables.push(variable);
  }
  raw = overlay(overlay(raw, fromEnvironment), (options.overrides ?? {}) as Tree);
  const source = [file, ...variables].filter(Boolean).join(' + ') || 'settings';
  const settings = parseWith(source, settingsSchema, raw);
  // The embedded default's key, kept by `stagegate dev`: every command run beside it reads payloads with it.
  const keptKeyFile = join(resolve(settings.dataDir), 'codec-keys');
  const codecKeyFile = settings.codecKeyFile ?? (!settings.codecKeys && existsSync(keptKeyFile) ? keptKeyFile : undefined);
  return {
    ...settings,
    ...(raw.publicUrl === undefined ? { publicUrlDefaulted: true as const } : {}),
    dataDir: resolve(settings.dataDir),
    processesDir: resolve(settings.processesDir),
    peopleFile: resolve(settings.peopleFile),
    ...(settings.network ? { network: resolve(settings.network) } : {}),
    ...(codecKeyFile ? { codecKeyFile: resolve(codecKeyFile) } : {}),
  };
}

export interface TemporalConnection {
  connectionOptions: NativeConnectionOptions;
  namespace: string;
  /** Where the TLS files and the API key came from (a path, or the variable holding the data), for error messages. */
  sources: { serverCa?: string; clientCert?: string; clientKey?: string; apiKey?: string };
}

/**
 * Where Temporal is, following Temporal's own conventions: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
 * TEMPORAL_API_KEY, TEMPORAL_TLS_*, and the profiles of TEMPORAL_CONFIG_FILE / TEMPORAL_PROFILE.
 */
export function loadTemporalConnection(env: NodeJS.ProcessEnv = process.env): TemporalConnection {
  const profile = temporalConfig(() => loadClientConfigProfile({ overrideEnvVars: env as Record<string, string> }));
  // Temporal's loader drops a certificate without its key (or a key without its certificate) without a word.
  if (Boolean(profile.tls?.clientCert) !== Boolean(profile.tls?.clientKey)) {
    const [given, missing] = profile.tls?.clientCert ? ['TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CLIENT_KEY_PATH'] : ['TEMPORAL_TLS_CLIENT_KEY_PATH', 'TEMPORAL_TLS_CLIENT_CERT_PATH'];
    throw new ConfigError(`Temporal connection settings: ${given} (or its _DATA or profile form) is set without ${missing}; a client certificate needs both its certificate and its key.`);
  }
  const loaded = temporalConfig(() => toClientOptions(profile));
  const { connectionOptions } = loaded;
  const source = (data: ConfigDataSource | undefined, variable: string) => (data ? ('path' in data ? data.path : variable) : undefined);
  return {
    connectionOptions: { ...connectionOptions, address: connectionOptions.address ?? 'localhost:7233' },
    namespace: loaded.namespace ?? 'default',
    sources: {
      serverCa: source(profile.tls?.serverCACert, 'TEMPORAL_TLS_SERVER_CA_CERT_DATA'),
      clientCert: source(profile.tls?.clientCert, 'TEMPORAL_TLS_CLIENT_CERT_DATA'),
      clientKey: source(profile.tls?.clientKey, 'TEMPORAL_TLS_CLIENT_KEY_DATA'),
      apiKey: profile.apiKey === undefined ? undefined : env.TEMPORAL_API_KEY ? 'TEMPORAL_API_KEY' : 'the profile file',
    },
  };
}

/** Temporal's loader's failures (a profile that is not there, a file that cannot be read), as configuration errors. */
function temporalConfig<T>(load: () => T): T {
  try {
    return load();
  } catch (err) {
    throw new ConfigError(`Temporal connection settings: ${(err as Error).message}`);
  }
}

/**
 * The embedded default's secrets, the link-signing key and the dashboard's admin key: generated
 * once and kept in the data folder, so links in the local outbox keep working across restarts.
 * Elsewhere STAGEGATE_LINK_SECRET (and STAGEGATE_ADMIN_KEY for the dashboard) are required.
 */
export function withEmbeddedSecrets(settings: Settings): Settings {
  const kept = (name: string) => {
    const file = join(settings.dataDir, name);
    if (!existsSync(file)) {
      mkdirSync(settings.dataDir, { recursive: true });
      writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
    }
    return readFileSync(file, 'utf8').trim();
  };
  const codec = settings.codecKeys || settings.codecKeyFile ? {} : { codecKeyFile: keptCodecKey(settings.dataDir) };
  const devKey = keptDevApiKey(settings.dataDir);
  const apiKeys = settings.apiKeys.some((key) => key.name === DEV_API_KEY_NAME) ? settings.apiKeys : [...settings.apiKeys, { name: DEV_API_KEY_NAME, hash: apiKeyHash(devKey), scopes: [...API_SCOPES], rateLimitPerMinute: 600 }];
  return { ...settings, linkSecret: settings.linkSecret ?? kept('link-secret'), adminKey: settings.adminKey ?? kept('admin-key'), apiKeys, ...codec };
}

/** The name of the development API key `stagegate dev` keeps in its data folder, with every scope. */
export const DEV_API_KEY_NAME = 'dev';

/** A new API key: `sgk_` and 32 random bytes, so secret scanners can spot one and nobody can guess one. */
export function newApiKey(): string {
  return `sgk_${randomBytes(32).toString('base64url')}`;
}

/** What the settings keep of an API key. */
export function apiKeyHash(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The embedded default's API key with every scope, in the data folder's `api-key` file. */
export function keptDevApiKey(dataDir: string): string {
  const file = join(dataDir, 'api-key');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, newApiKey(), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}

/** The embedded default's payload codec key, `dev-<date>:<base64>` in the data folder's `codec-keys` file. */
function keptCodecKey(dataDir: string): string {
  const file = join(dataDir, 'codec-keys');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, `dev-${new Date().toISOString().slice(0, 10)}:${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  }
  return file;
}

/**
 * What a sender's address says of where an idea comes from: `employee` for the firm's own
 * domains, `partner` for a partner firm's, nothing for anyone else (the caller knows whether that
 * is a customer or someone else). Subdomains count as their domain.
 */
export function sourceOfAddress(settings: Pick<Settings, 'staffDomains' | 'partnerDomains'>, email: string): 'employee' | 'partner' | undefined {
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
  const within = (listed: string) => domain === listed || domain.endsWith(`.${listed}`);
  if (settings.staffDomains.some(within)) return 'employee';
  if (settings.partnerDomains.some(within)) return 'partner';
  return undefined;
}
