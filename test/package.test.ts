import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { StageGateClient } from '../client/sdk';
import { testSettings } from './helpers';
import { sleep } from './fault-helpers';

jest.setTimeout(360_000);

const REPO = join(__dirname, '..');

interface Packed {
  tarball: string;
  files: string[];
}

/** `npm pack` of the built repository, as a release would make it. */
function pack(into: string): Packed {
  const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', into], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const [result] = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
  return { tarball: join(into, result!.filename), files: result!.files.map((file) => file.path) };
}

/**
 * A fresh project with the tarball installed by npm itself (`npm install stagegate-x.tgz`): npm
 * resolves the dependencies the packed package.json declares, from its cache where it can and from
 * the registry otherwise. Install scripts are skipped, and the one native addon (better-sqlite3,
 * pinned to the repository's version) gets this repository's compiled binary instead: compiling
 * it again would cost minutes and prove nothing about the package.
 */
function installInFreshProject(tarball: string, dir: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'bakery-crm', private: true }, null, 2));
  execFileSync('npm', ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const modules = join(dir, 'node_modules');
  const addon = join('better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
  mkdirSync(dirname(join(modules, addon)), { recursive: true });
  copyFileSync(join(REPO, 'node_modules', addon), join(modules, addon));
  // The integrator's own tools: TypeScript's types for Node.
  mkdirSync(join(modules, '@types'), { recursive: true });
  if (!existsSync(join(modules, '@types', 'node'))) symlinkSync(join(REPO, 'node_modules', '@types', 'node'), join(modules, '@types', 'node'), 'dir');
  return join(modules, 'stagegate');
}

/** The installed `stagegate worker`, started through the package's bin entry; resolves once it polls. */
async function startInstalledWorker(installed: string, env: NodeJS.ProcessEnv, cwd: string) {
  const bin = (JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin.stagegate!;
  const child = spawn(process.execPath, [join(installed, bin), 'worker'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  let running = true;
  void exited.then(() => (running = false));
  const stop = async () => {
    if (running) child.kill('SIGTERM');
    await exited;
  };
  while (!output.includes('stagegate worker polling task queue')) {
    if (!running) throw new Error(`the installed worker did not start:\n${output}`);
    await sleep(100);
  }
  return { stop, output: () => output };
}

describe('the SDK as a package', () => {
  test('npm pack, install into a fresh project, type-check the example against its declarations, and run it against a real worker', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'stagegate-package-'));
    const { tarball, files } = pack(scratch);
    expect(files).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'dist/client/sdk/index.d.ts', 'dist/client/cli/main.js', 'config/processes/express.yaml', 'config/people.yaml', 'examples/integrator.ts', 'README.md']));
    expect(files.filter((file) => /^(dist\/)?(test|bench)\/|\.tsbuildinfo$/.test(file))).toEqual([]);

    const project = join(scratch, 'bakery-crm');
    const installed = installInFreshProject(tarball, project);

    // The exports map: the SDK and package.json resolve, the inside of the package does not.
    const resolveIn = (specifier: string) =>
      execFileSync(process.execPath, ['-e', `try { console.log(require.resolve(${JSON.stringify(specifier)})) } catch (err) { console.log(err.code) }`], { cwd: project, encoding: 'utf8' }).trim();
    expect(resolveIn('stagegate')).toBe(join(installed, 'dist', 'index.js'));
    expect(resolveIn('stagegate/package.json')).toBe(join(installed, 'package.json'));
    expect(resolveIn('stagegate/dist/client/sdk/index.js')).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');

    // The example as shipped, checked strictly against the installed declarations (resolved through `exports`), then compiled.
    copyFileSync(join(installed, 'examples', 'integrator.ts'), join(project, 'integrator.ts'));
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'node16', moduleResolution: 'node16', target: 'ES2022', strict: true, types: ['node'], skipLibCheck: true, outDir: 'out' }, files: ['integrator.ts'] }),
    );
    const tsc = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
    execFileSync(process.execPath, [tsc, '-p', project], { cwd: project, encoding: 'utf8' });
    expect(existsSync(join(project, 'out', 'integrator.js'))).toBe(true);
    // A wrong field in the same call is caught by the package's types, so the check above is a real one.
    writeFileSync(join(project, 'wrong.ts'), "import { StageGateClient } from 'stagegate';\nvoid StageGateClient.connect().then((client) => client.submitIdea({ title: 1 }));\n");
    const wrong = (() => {
      try {
        execFileSync(process.execPath, [tsc, '--noEmit', '--strict', '--module', 'node16', '--moduleResolution', 'node16', '--types', 'node', '--skipLibCheck', 'wrong.ts'], { cwd: project, encoding: 'utf8' });
        return '';
      } catch (err) {
        return String((err as { stdout?: string }).stdout);
      }
    })();
    expect(wrong).toMatch(/wrong\.ts\(2,\d+\): error TS2322: Type 'number' is not assignable to type 'string'/);

    // A worker from the installed package's bin, on the shipped processes and people, and the example beside it.
    const settings = testSettings();
    const env = {
      PATH: process.env.PATH,
      TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS,
      TEMPORAL_NAMESPACE: process.env.TEMPORAL_NAMESPACE,
      STAGEGATE_TASK_QUEUE: settings.taskQueue,
      STAGEGATE_DATA_DIR: settings.dataDir,
      STAGEGATE_LINK_SECRET: 'package-test-link-secret-0123456789abcdef',
      STAGEGATE_METRICS_PORT: '0',
    };
    const worker = await startInstalledWorker(installed, env, project);
    try {
      const ideaId = `crm-${settings.taskQueue}`;
      const run = execFileSync(process.execPath, [join(project, 'out', 'integrator.js'), ideaId], { cwd: project, env, encoding: 'utf8', timeout: 60_000 });
      expect(run).toMatch(new RegExp(`^${ideaId} submitted: in-review at Quick decision, waiting on `));

      const client = await StageGateClient.connect({ settings });
      try {
        expect(await client.getIdea(ideaId)).toMatchObject({ ideaId, status: 'in-review', title: 'Gluten-free bread', process: { id: 'express' }, round: { gate: 'quick-decision' } });
      } finally {
        await client.close();
      }
    } finally {
      await worker.stop();
    }
  });
});
