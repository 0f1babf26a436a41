import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { executable } from '../worker/dev-server';

/**
 * A throwaway PostgreSQL cluster for one test run: initdb into a temporary folder, postgres on a
 * free loopback port, stopped and deleted by the global teardown. Set STAGEGATE_TEST_DATABASE_URL
 * to use a server of your own instead (the tests create a database per test in it).
 */

const run = promisify(execFile);

export interface TestPostgres {
  /** The database the tests start from: `postgres://postgres@127.0.0.1:<port>/stagegate_test`. */
  url: string;
  stop(): Promise<void>;
}

/** The folder of initdb, pg_ctl and postgres: on PATH, else Debian's newest /usr/lib/postgresql/<version>/bin. */
export function findPostgresBin(): string | undefined {
  const onPath = (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((folder) => join(folder, 'pg_ctl')).find(executable);
  if (onPath) return dirname(realpathSync(onPath));
  const debian = '/usr/lib/postgresql';
  let versions: string[] = [];
  try {
    versions = readdirSync(debian).filter((version) => executable(join(debian, version, 'bin', 'pg_ctl')));
  } catch {
    return undefined;
  }
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  return newest && join(debian, newest, 'bin');
}

const NOT_AVAILABLE =
  "no PostgreSQL for the tests: scripts/ensure-test-tools installs Debian's postgresql when run as root (apt-get install postgresql); " +
  'otherwise install it, or set STAGEGATE_TEST_DATABASE_URL to a PostgreSQL where the tests may create databases';

export async function startTestPostgres(log: (line: string) => void): Promise<TestPostgres> {
  const started = Date.now();
  const bin = findPostgresBin();
  if (!bin) throw new Error(NOT_AVAILABLE);
  // PostgreSQL refuses to run as root: then the cluster belongs to the postgres user.
  const asRoot = process.getuid?.() === 0;
  const owned = (tool: string, args: string[]): [string, string[]] => (asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]] : [join(bin, tool), args]);
  const dir = mkdtempSync(join(tmpdir(), 'stagegate-pg-'));
  const data = join(dir, 'data');
  const logFile = join(dir, 'postgres.log');
  const pgCtl = (...args: string[]) => run(...owned('pg_ctl', ['-D', data, ...args]), { timeout: 60_000 });
  let running = false;
  const stop = async () => {
    try {
      if (running) await pgCtl('-m', 'fast', '-w', 'stop');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    if (asRoot) await run('chown', ['postgres:', dir]);
    await run(...owned('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-locale', '--no-sync']), { timeout: 120_000 });
    const port = await freePort();
    // A throwaway cluster: durability is not worth waiting for.
    const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    running = true;
    await pgCtl('-l', logFile, '-o', options, '-w', '-t', '60', 'start').catch((err: Error) => {
      throw new Error(`${err.message}\n${readLog(logFile)}`);
    });
    const admin = `postgres://postgres@127.0.0.1:${port}/postgres`;
    await withDatabase(admin, (client) => client.query('CREATE DATABASE stagegate_test'));
    const { stdout } = await run(join(bin, 'postgres'), ['--version']);
    log(`${stdout.trim()} for the tests on 127.0.0.1:${port}, ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return { url: `postgres://postgres@127.0.0.1:${port}/stagegate_test`, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw new Error(`the test PostgreSQL did not start: ${(err as Error).message}`, { cause: err });
  }
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-20).join('\n');
  } catch {
    return '';
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== 'object' || !address) throw new Error('no free port');
  return address.port;
}

/** Runs `work` on a plain connection to the database, closed afterwards. */
export async function withDatabase<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The test run's PostgreSQL; fails (never skips) with what to do when there is none. */
export function testDatabaseUrl(): string {
  const url = process.env.STAGEGATE_TEST_DATABASE_URL;
  if (!url) throw new Error(process.env.STAGEGATE_TEST_POSTGRES_PROBLEM ?? `${NOT_AVAILABLE} (and run the tests through jest: npm test)`);
  return url;
}

/** A new, empty database of the test run's PostgreSQL, so each test starts from nothing. */
export async function freshDatabaseUrl(): Promise<string> {
  const base = testDatabaseUrl();
  const name = `t_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  await withDatabase(base, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}
