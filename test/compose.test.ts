import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ENVIRONMENT, PACKAGE_ROOT, loadSettings, loadTemporalConnection } from '../config/settings';
import { checkMailLinks } from '../config/startup';
import { SEARCH_ATTRIBUTES } from '../workflows/messages';
import {
  COMPOSE_FILE,
  DOCKERFILE,
  OPERATOR_VARIABLES,
  environmentOf,
  healthcheckCommand,
  interpolatedVariables,
  publishedPorts,
  readCompose,
  stagegateServices,
  type Compose,
  type Service,
} from './compose-file';

/**
 * docker-compose.yml and the Dockerfile, checked by reading: there is no Docker engine where
 * stagegate is built. Each check is a function of the file's text, so the test of the checks can
 * break a copy on purpose and see each one fail.
 */

const SETTINGS_VARIABLES = new Set(ENVIRONMENT.map(([variable]) => variable));
/** What Temporal's environment conventions read (@temporalio/envconfig), besides stagegate's settings. */
const TEMPORAL_VARIABLE = /^TEMPORAL_(ADDRESS|NAMESPACE|API_KEY|PROFILE|CONFIG_FILE|TLS|TLS_(CLIENT_CERT|CLIENT_KEY|SERVER_CA_CERT)_(PATH|DATA)|TLS_SERVER_NAME|TLS_DISABLE_HOST_VERIFICATION|CODEC_ENDPOINT|CODEC_AUTH|GRPC_META_[A-Z0-9_]+)$/;
/** The variables each third-party image reads, from its documentation. */
const IMAGE_VARIABLES: Record<string, RegExp> = {
  postgres: /^(POSTGRES_(USER|PASSWORD|DB|INITDB_ARGS)|PGDATA|PGPASSWORD|PGUSER|PGHOST)$/,
  'temporalio/server': /^(DB|DB_PORT|POSTGRES_(USER|PWD|SEEDS|DB)|VISIBILITY_DBNAME|DBNAME|BIND_ON_IP|TEMPORAL_BROADCAST_ADDRESS|DYNAMIC_CONFIG_FILE_PATH|LOG_LEVEL|NUM_HISTORY_SHARDS)$/,
  'temporalio/admin-tools': /^(SQL_PASSWORD|TEMPORAL_ADDRESS|TEMPORAL_NAMESPACE)$/,
  'temporalio/ui': /^TEMPORAL_(ADDRESS|CORS_ORIGINS|CODEC_ENDPOINT|CODEC_PASS_ACCESS_TOKEN|CODEC_INCLUDE_CREDENTIALS|UI_PORT|DEFAULT_NAMESPACE)$/,
  'axllent/mailpit': /^MP_[A-Z_]+$/,
};
/** A release tag (`1.30.1`, `v1.30.5`, `16.11-bookworm`) or a digest; never `latest` or a bare major. */
const PINNED_IMAGE = /^[a-z0-9./_-]+:(v?\d+\.\d+(\.\d+)?(-[a-z0-9.-]+)?)(@sha256:[0-9a-f]{64})?$|^[a-z0-9./_-]+@sha256:[0-9a-f]{64}$/;

const repository = (image: string) => image.split(/[:@]/)[0]!;
const serviceOf = (compose: Compose, host: string) => compose.services[host];
const hostPort = (address: string) => {
  const url = new URL(`tcp://${address}`);
  return { host: url.hostname, port: Number(url.port) };
};

function checkVariables(compose: Compose, text: string): string[] {
  const problems: string[] = [];
  for (const [name, service] of Object.entries(compose.services)) {
    const built = service.build !== undefined;
    const known = built ? undefined : IMAGE_VARIABLES[repository(service.image ?? '')];
    for (const variable of Object.keys(service.environment ?? {})) {
      const ok = built ? SETTINGS_VARIABLES.has(variable) || TEMPORAL_VARIABLE.test(variable) || variable === 'NODE_ENV' : known?.test(variable);
      if (!ok) problems.push(`${name}: ${variable} is not a setting in config/settings.ts ENVIRONMENT nor a variable its image reads`);
    }
  }
  for (const [variable] of interpolatedVariables(text)) {
    if (!SETTINGS_VARIABLES.has(variable)) problems.push(`\${${variable}} is not a setting in config/settings.ts ENVIRONMENT`);
  }
  return problems;
}

function checkSettings(compose: Compose): string[] {
  const problems: string[] = [];
  const shared: Record<string, unknown>[] = [];
  for (const [name, service] of stagegateServices(compose)) {
    const env = environmentOf(service);
    try {
      const settings = loadSettings({ env });
      const temporal = loadTemporalConnection(env);
      if (!settings.linkSecret || !settings.adminKey) problems.push(`${name}: STAGEGATE_LINK_SECRET and STAGEGATE_ADMIN_KEY are needed outside stagegate dev`);
      if (!settings.mail.smtp) problems.push(`${name}: no STAGEGATE_SMTP_HOST, so mail would stay in the outbox`);
      if (!settings.databaseUrl) problems.push(`${name}: no DATABASE_URL, so each container would keep its own SQLite events store`);
      if (!settings.codecKeys) problems.push(`${name}: no STAGEGATE_CODEC_KEYS, so payloads would reach Temporal in plaintext`);
      // What `stagegate worker` and `stagegate web` check before they start: real SMTP needs a public URL someone set.
      checkMailLinks(settings);
      shared.push({ linkSecret: settings.linkSecret, codecKeys: settings.codecKeys, databaseUrl: settings.databaseUrl, publicUrl: settings.publicUrl, taskQueue: settings.taskQueue, temporal });
    } catch (err) {
      problems.push(`${name}: ${(err as Error).message}`);
    }
  }
  if (shared.some((settings) => JSON.stringify(settings) !== JSON.stringify(shared[0]))) problems.push('the worker and web differ in the settings they must share (link secret, codec keys, database, public URL, task queue, Temporal)');
  return problems;
}

function checkTopology(compose: Compose): string[] {
  const problems: string[] = [];
  const expectService = (where: string, host: string, image: string, port?: number, containerPort?: number) => {
    const target = serviceOf(compose, host);
    if (!target) return problems.push(`${where}: ${host} is not a service`);
    if (repository(target.image ?? '') !== image) problems.push(`${where}: ${host} runs ${target.image}, not ${image}`);
    if (port !== undefined && containerPort !== undefined && port !== containerPort) problems.push(`${where}: port ${port}, but ${host} listens on ${containerPort}`);
    return undefined;
  };
  for (const [name, service] of Object.entries(compose.services)) {
    const env = environmentOf(service);
    if (env.TEMPORAL_ADDRESS) {
      const { host, port } = hostPort(env.TEMPORAL_ADDRESS);
      expectService(`${name} TEMPORAL_ADDRESS`, host, 'temporalio/server', port, 7233);
    }
    if (env.POSTGRES_SEEDS) expectService(`${name} POSTGRES_SEEDS`, env.POSTGRES_SEEDS, 'postgres');
  }
  const postgres = compose.services.postgresql ? environmentOf(compose.services.postgresql) : {};
  const created = /CREATE DATABASE (\w+)/.exec((compose.services['stagegate-db']?.entrypoint ?? []).join(' '))?.[1];
  for (const [name, service] of stagegateServices(compose)) {
    const env = environmentOf(service);
    if (env.DATABASE_URL) {
      const url = new URL(env.DATABASE_URL);
      expectService(`${name} DATABASE_URL`, url.hostname, 'postgres', Number(url.port || 5432), 5432);
      if (decodeURIComponent(url.username) !== postgres.POSTGRES_USER || decodeURIComponent(url.password) !== postgres.POSTGRES_PASSWORD) problems.push(`${name} DATABASE_URL: not the user and password postgresql is set up with`);
      if (url.pathname.slice(1) !== created) problems.push(`${name} DATABASE_URL: database ${url.pathname.slice(1)}, but stagegate-db creates ${created}`);
    }
    if (env.STAGEGATE_SMTP_HOST) expectService(`${name} STAGEGATE_SMTP_HOST`, env.STAGEGATE_SMTP_HOST, 'axllent/mailpit', Number(env.STAGEGATE_SMTP_PORT || 587), 1025);
    let settings;
    try {
      settings = loadSettings({ env });
    } catch {
      continue; // checkSettings names the bad setting
    }
    const health = healthcheckCommand(service)?.find((arg) => arg.startsWith('http'));
    const isWeb = service.command?.[0] === 'web';
    const healthPort = isWeb ? settings.webPort : settings.metricsPort;
    if (!health || new URL(health).port !== String(healthPort) || new URL(health).pathname !== '/healthz') problems.push(`${name}: the health check asks ${health}, not /healthz on port ${healthPort}`);
    if (!isWeb && !['0.0.0.0', '127.0.0.1'].includes(settings.metricsHost)) problems.push(`${name}: the health check cannot reach a metrics listener on ${settings.metricsHost}`);
    if (!isWeb) continue;
    const ports = publishedPorts(service);
    const web = ports.find((mapping) => mapping.container === settings.webPort);
    if (!web) problems.push(`${name}: STAGEGATE_WEB_PORT ${settings.webPort} is not published`);
    if (settings.webHost !== '0.0.0.0') problems.push(`${name}: STAGEGATE_WEB_HOST ${settings.webHost} cannot be reached from outside the container`);
    const publicUrl = new URL(settings.publicUrl);
    if (web && ['localhost', '127.0.0.1'].includes(publicUrl.hostname) && Number(publicUrl.port || 80) !== web.host) problems.push(`${name}: STAGEGATE_PUBLIC_URL ${settings.publicUrl} is not the published port ${web.host}`);
    if (settings.webMetricsPort && !ports.some((mapping) => mapping.container === settings.webMetricsPort)) problems.push(`${name}: STAGEGATE_WEB_METRICS_PORT ${settings.webMetricsPort} is not published`);
    const ui = Object.values(compose.services).find((other) => repository(other.image ?? '') === 'temporalio/ui');
    if (ui) {
      const uiEnv = environmentOf(ui);
      if (uiEnv.TEMPORAL_CODEC_ENDPOINT !== `${settings.publicUrl.replace(/\/$/, '')}/codec`) problems.push(`the Web UI's TEMPORAL_CODEC_ENDPOINT ${uiEnv.TEMPORAL_CODEC_ENDPOINT} is not ${settings.publicUrl}/codec`);
      const uiPort = publishedPorts(ui).find((mapping) => mapping.container === 8080)?.host;
      if (settings.codecCorsOrigin !== `http://localhost:${uiPort}`) problems.push(`${name}: STAGEGATE_CODEC_CORS_ORIGIN ${settings.codecCorsOrigin} is not the Web UI's origin http://localhost:${uiPort}`);
    }
  }
  return problems;
}

function checkSearchAttributes(compose: Compose): string[] {
  const script = (compose.services['temporal-namespace']?.entrypoint ?? []).join('\n');
  const registered = /for attribute in ([^;]+);/.exec(script)?.[1]?.trim().split(/\s+/) ?? [];
  // The CLI's spelling of a type: KEYWORD is Keyword, KEYWORD_LIST is KeywordList.
  const wanted = SEARCH_ATTRIBUTES.map((key) => `${key.name}:${key.type.split('_').map((word) => word[0] + word.slice(1).toLowerCase()).join('')}`);
  return JSON.stringify(registered.sort()) === JSON.stringify(wanted.sort()) ? [] : [`temporal-namespace registers ${registered.join(' ') || 'nothing'}, the code needs ${wanted.join(' ')}`];
}

function checkImagesHealthAndOrder(compose: Compose): string[] {
  const problems: string[] = [];
  const oneShot = (service: Service) => service.restart === 'no';
  for (const [name, service] of Object.entries(compose.services)) {
    if (service.build === undefined && !PINNED_IMAGE.test(service.image ?? '')) problems.push(`${name}: image ${service.image} is not pinned to a release`);
    if (!oneShot(service) && !healthcheckCommand(service)) problems.push(`${name}: a long-running service without a health check`);
    if (Array.isArray(service.depends_on)) problems.push(`${name}: depends_on without conditions`);
    for (const [target, { condition } = {}] of Object.entries(service.depends_on ?? {})) {
      const dependency = compose.services[target];
      if (!dependency) problems.push(`${name}: depends on ${target}, which is not a service`);
      else if (condition !== (oneShot(dependency) ? 'service_completed_successfully' : 'service_healthy')) problems.push(`${name}: depends on ${target} with ${condition}, not ${oneShot(dependency) ? 'service_completed_successfully' : 'service_healthy'}`);
    }
    for (const volume of service.volumes ?? []) {
      const source = volume.split(':')[0]!;
      if (!source.startsWith('.') && !source.startsWith('/') && !(source in (compose.volumes ?? {}))) problems.push(`${name}: volume ${source} is not declared`);
    }
  }
  if (!compose.services.postgresql?.volumes?.some((volume) => volume.endsWith(':/var/lib/postgresql/data') && !volume.startsWith('/'))) problems.push('postgresql: its data is not on a named volume');
  const worker = compose.services.worker;
  if (!worker) problems.push('no worker service');
  else if (worker.container_name || worker.ports?.length) problems.push('worker: a container name or a host port stops `docker compose up --scale worker=3`');
  return problems;
}

function checkDockerfile(text: string, dockerignore: string): string[] {
  const problems: string[] = [];
  const lines = text.split('\n').filter((line) => line.trim() && !line.trim().startsWith('#'));
  const stages = lines.reduce<string[][]>((all, line) => (/^FROM /i.test(line) ? [...all, [line]] : all.length ? [...all.slice(0, -1), [...all.at(-1)!, line]] : all), []);
  if (stages.length < 2) problems.push('Dockerfile: not multi-stage');
  for (const stage of stages) {
    const image = stage[0]!.split(/\s+/)[1]!;
    if (!PINNED_IMAGE.test(image)) problems.push(`Dockerfile: ${image} is not pinned to a release`);
  }
  const runtime = stages.at(-1) ?? [];
  if (!/^FROM node:20\.\d+\.\d+-bookworm-slim\b/.test(runtime[0] ?? '')) problems.push('Dockerfile: the runtime stage is not node:20.x.y-bookworm-slim');
  const user = runtime.filter((line) => /^USER /i.test(line)).at(-1)?.split(/\s+/)[1];
  if (!user || ['root', '0'].includes(user.split(':')[0]!)) problems.push('Dockerfile: the runtime stage runs as root (no USER node)');
  if (!runtime.some((line) => /^HEALTHCHECK /i.test(line))) problems.push('Dockerfile: no HEALTHCHECK in the runtime stage');
  if (runtime.some((line) => /\b(npm (ci|install|rebuild)|apt-get|gcc|g\+\+|make)\b/.test(line))) problems.push('Dockerfile: the runtime stage installs or compiles');
  if (!/\bnpm ci\b/.test(text) || /\bnpm (install|i)\b/.test(text)) problems.push('Dockerfile: installs with something other than npm ci');
  if (!/better-sqlite3/.test(stages[0]?.join('\n') ?? '')) problems.push('Dockerfile: better-sqlite3 is not compiled in the build stage');
  const health = /HEALTHCHECK[\s\S]*?(dist\/\S+\.js)/.exec(text)?.[1];
  if (!health || !existsSync(join(PACKAGE_ROOT, health.replace(/^dist\//, '').replace(/\.js$/, '.ts')))) problems.push(`Dockerfile: the HEALTHCHECK runs ${health}, which the build does not make`);
  const ignored = new Set(dockerignore.split('\n').map((line) => line.trim()));
  for (const entry of ['node_modules', '.tools', '.stagegate', '.test-results', 'dist']) if (!ignored.has(entry)) problems.push(`.dockerignore: ${entry} is not ignored`);
  return problems;
}

/** Every check over the compose file's text and the Dockerfile's: the problems, none when all is well. */
function problemsIn(composeText: string, dockerfile = readFileSync(DOCKERFILE, 'utf8'), dockerignore = readFileSync(join(PACKAGE_ROOT, '.dockerignore'), 'utf8')): string[] {
  const compose = readCompose(OPERATOR_VARIABLES, composeText);
  return [
    ...checkVariables(compose, composeText),
    ...checkSettings(compose),
    ...checkTopology(compose),
    ...checkSearchAttributes(compose),
    ...checkImagesHealthAndOrder(compose),
    ...checkDockerfile(dockerfile, dockerignore),
  ];
}

const COMPOSE = readFileSync(COMPOSE_FILE, 'utf8');

describe('docker-compose.yml and the Dockerfile, checked by reading', () => {
  test('the shipped files pass every check', () => {
    expect(problemsIn(COMPOSE)).toEqual([]);
  });

  test('the secrets are demanded from the operator, with a message naming each', () => {
    expect(() => readCompose({ ...OPERATOR_VARIABLES, STAGEGATE_LINK_SECRET: '' })).toThrow('STAGEGATE_LINK_SECRET');
    const demanded = [...interpolatedVariables(COMPOSE)].filter(([, operator]) => operator === ':?').map(([name]) => name);
    expect(demanded.sort()).toEqual(Object.keys(OPERATOR_VARIABLES).sort());
  });

  const edit = (from: string | RegExp, to: string, text = COMPOSE) => {
    const edited = text.replace(from, to);
    if (edited === text) throw new Error(`the edit ${String(from)} does not apply`);
    return edited;
  };

  test.each<[string, string | RegExp, string]>([
    ['a misspelt setting', 'STAGEGATE_SMTP_PORT: "1025"', 'STAGEGATE_SMPT_PORT: "1025"'],
    ['an unknown STAGEGATE_ variable', 'STAGEGATE_METRICS_PORT: "9464"', 'STAGEGATE_METRICS_PORT: "9464"\n      STAGEGATE_WORKERS: "4"'],
    ['an unknown variable of a third-party image', 'POSTGRES_SEEDS: postgresql', 'POSTGRES_SEEDS: postgresql\n      POSTGRES_SEED: postgresql'],
    ['an invalid setting', 'STAGEGATE_SMTP_PORT: "1025"', 'STAGEGATE_SMTP_PORT: "smtp"'],
    ['a Temporal client certificate that is not there', 'TEMPORAL_ADDRESS: temporal:7233\n      TEMPORAL_NAMESPACE: default\n      DATABASE_URL', 'TEMPORAL_ADDRESS: temporal:7233\n      TEMPORAL_NAMESPACE: default\n      TEMPORAL_TLS_CLIENT_CERT_PATH: /run/secrets/none.pem\n      DATABASE_URL'],
    ['TEMPORAL_ADDRESS naming no service', 'TEMPORAL_ADDRESS: temporal:7233\n      TEMPORAL_NAMESPACE: default\n      DATABASE_URL', 'TEMPORAL_ADDRESS: temporal-server:7233\n      TEMPORAL_NAMESPACE: default\n      DATABASE_URL'],
    ['TEMPORAL_ADDRESS on the wrong port', 'TEMPORAL_ADDRESS: temporal:7233\n      TEMPORAL_NAMESPACE: default\n      DATABASE_URL', 'TEMPORAL_ADDRESS: temporal:7234\n      TEMPORAL_NAMESPACE: default\n      DATABASE_URL'],
    ['DATABASE_URL naming no service', '@postgresql:5432/stagegate', '@postgres:5432/stagegate'],
    ['DATABASE_URL with another password', 'temporal:temporal@postgresql', 'temporal:secret@postgresql'],
    ['DATABASE_URL naming a database nobody creates', '@postgresql:5432/stagegate', '@postgresql:5432/ideas'],
    ['the SMTP host naming no service', 'STAGEGATE_SMTP_HOST: mailpit', 'STAGEGATE_SMTP_HOST: mail'],
    ['the SMTP port not Mailpit\'s', 'STAGEGATE_SMTP_PORT: "1025"', 'STAGEGATE_SMTP_PORT: "25"'],
    ['the web port not published', 'STAGEGATE_WEB_PORT: "3000"', 'STAGEGATE_WEB_PORT: "3001"'],
    ['the public URL on another port', '${STAGEGATE_PUBLIC_URL:-http://localhost:3000}', '${STAGEGATE_PUBLIC_URL:-http://localhost:3003}'],
    ['the web listening on loopback only', 'STAGEGATE_WEB_HOST: 0.0.0.0', 'STAGEGATE_WEB_HOST: 127.0.0.1'],
    ['the worker health check on another port', 'http://127.0.0.1:9464/healthz', 'http://127.0.0.1:9465/healthz'],
    ['the web health check on the metrics path', 'http://127.0.0.1:3000/healthz', 'http://127.0.0.1:3000/metrics'],
    ['the codec endpoint elsewhere', 'TEMPORAL_CODEC_ENDPOINT: http://localhost:3000/codec', 'TEMPORAL_CODEC_ENDPOINT: http://localhost:3001/codec'],
    ['the codec CORS origin not the Web UI', 'STAGEGATE_CODEC_CORS_ORIGIN: http://localhost:8080', 'STAGEGATE_CODEC_CORS_ORIGIN: http://localhost:8233'],
    ['no codec keys', /\n {6}STAGEGATE_CODEC_KEYS: [^\n]+/, ''],
    ['no database for the events store', /\n {6}DATABASE_URL: [^\n]+/, ''],
    ['no public URL beside real SMTP', /\n {6}STAGEGATE_PUBLIC_URL: [^\n]+/, ''],
    ['the worker and web with different link secrets', 'STAGEGATE_WEB_HOST: 0.0.0.0', 'STAGEGATE_WEB_HOST: 0.0.0.0\n      STAGEGATE_LINK_SECRET: another-link-secret-0123456789abcdef'],
    ['a search attribute missing', ' StageGateShared:KeywordList;', ';'],
    ['a search attribute of the wrong type', 'StageGateSource:Keyword', 'StageGateSource:Text'],
    ['an image on latest', 'axllent/mailpit:v1.30.5', 'axllent/mailpit:latest'],
    ['an image on a bare major', 'temporalio/server:1.30.1', 'temporalio/server:1'],
    ['a long-running service without a health check', /\n {4}healthcheck:\n {6}test: \["CMD", "\/mailpit", "readyz"\](\n {6}\w+: \S+)*/, ''],
    ['a dependency without a condition', 'postgresql: { condition: service_healthy }\n    environment:\n      SQL_PASSWORD', 'postgresql: {}\n    environment:\n      SQL_PASSWORD'],
    ['a dependency on a one-shot service that only waits for it to start', 'temporal-schema: { condition: service_completed_successfully }', 'temporal-schema: { condition: service_started }'],
    ['a dependency on a service that is not there', 'mailpit: { condition: service_healthy }', 'smtp: { condition: service_healthy }'],
    ['the worker with a host port (no --scale)', '    healthcheck:\n      test: ["CMD", "node", "dist/worker/healthcheck.js", "http://127.0.0.1:9464/healthz"]', '    ports:\n      - "9464:9464"\n    healthcheck:\n      test: ["CMD", "node", "dist/worker/healthcheck.js", "http://127.0.0.1:9464/healthz"]'],
    ['PostgreSQL without a named volume', '      - postgresql:/var/lib/postgresql/data', '      - /var/lib/postgresql/data'],
    ['a volume that is not declared', '      - postgresql:/var/lib/postgresql/data', '      - pgdata:/var/lib/postgresql/data'],
  ])('a copy with %s fails', (_what, from, to) => {
    expect(problemsIn(edit(from, to))).not.toEqual([]);
  });

  const DOCKERFILE_TEXT = readFileSync(DOCKERFILE, 'utf8');
  test.each<[string, string | RegExp, string]>([
    ['one stage', /^FROM node:20\.\d+\.\d+-bookworm AS build$[\s\S]*?^FROM /m, 'FROM '],
    ['a runtime stage that is not slim', /-bookworm-slim$/m, '-bookworm'],
    ['an unpinned base image', /node:20\.\d+\.\d+-bookworm AS build/, 'node:20-bookworm AS build'],
    ['no USER', /^USER node$/m, ''],
    ['USER root', /^USER node$/m, 'USER root'],
    ['no HEALTHCHECK', /^HEALTHCHECK[^\n]*\\\n[^\n]*\n/m, ''],
    ['npm install instead of npm ci', 'npm ci --ignore-scripts', 'npm install --ignore-scripts'],
    ['an install in the runtime stage', /^USER node$/m, 'RUN npm rebuild better-sqlite3\nUSER node'],
  ])('a Dockerfile with %s fails', (_what, from, to) => {
    const broken = DOCKERFILE_TEXT.replace(from, to);
    expect(broken).not.toBe(DOCKERFILE_TEXT);
    expect(problemsIn(COMPOSE, broken)).not.toEqual([]);
  });

  test('a .dockerignore that lets node_modules into the build fails', () => {
    expect(problemsIn(COMPOSE, DOCKERFILE_TEXT, '.git\ndist\n.tools\n.stagegate\n.test-results\n')).toEqual(['.dockerignore: node_modules is not ignored']);
  });
});

const run = promisify(execFile);

describe('package-lock.json', () => {
  /**
   * What `npm install` on a fresh machine would write, without node_modules or downloads: the
   * lockfile must come back byte for byte, so `npm ci` (the image, CI) installs what was tested.
   * Needs the npm registry's metadata (or npm's cache).
   */
  async function lockfileAfterFreshInstall(lockfile: string): Promise<string> {
    const dir = mkdtempSync(join(tmpdir(), 'stagegate-lock-'));
    try {
      copyFileSync(join(PACKAGE_ROOT, 'package.json'), join(dir, 'package.json'));
      copyFileSync(lockfile, join(dir, 'package-lock.json'));
      await run('npm', ['install', '--package-lock-only', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: dir, timeout: 120_000 });
      return readFileSync(join(dir, 'package-lock.json'), 'utf8');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  test('a fresh install leaves it unchanged, and puts back the other platforms\' optional packages a pruned one lacks', async () => {
    const shipped = join(PACKAGE_ROOT, 'package-lock.json');
    expect(await lockfileAfterFreshInstall(shipped)).toBe(readFileSync(shipped, 'utf8'));

    // npm/cli#4828: a lockfile written beside an installed node_modules lost the other platforms' @swc/core-* entries.
    const pruned = JSON.parse(readFileSync(shipped, 'utf8')) as { packages: Record<string, unknown> };
    delete pruned.packages['node_modules/@swc/core-darwin-arm64'];
    const dir = mkdtempSync(join(tmpdir(), 'stagegate-pruned-'));
    try {
      const prunedFile = join(dir, 'package-lock.json');
      writeFileSync(prunedFile, `${JSON.stringify(pruned, null, 2)}\n`);
      expect(await lockfileAfterFreshInstall(prunedFile)).not.toBe(readFileSync(prunedFile, 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
