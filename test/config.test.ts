import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { durationSchema } from '../config/duration';
import { loadPeopleDirectory, peopleDirectorySchema } from '../config/people';
import { loadProcesses, loadProcessFile, processSchema, resolveProcess } from '../config/process';
import { loadSettings, loadTemporalConnection, SHIPPED_PEOPLE_FILE, SHIPPED_PROCESSES_DIR } from '../config/settings';
import { ConfigError } from '../config/yaml';

const OWNER = 'olivia@cornerbakery.example';
const HEAD_BAKER = 'hamid@cornerbakery.example';
const SHOP_MANAGER = 'sofia@cornerbakery.example';
const CUSTOMER = 'regular@customer.example';

const scratch = mkdtempSync(join(tmpdir(), 'stagegate-config-'));
let files = 0;

/** Writes a YAML file (text as is, or a value stringified) into this run's scratch folder. */
function writeYaml(content: unknown): string {
  const file = join(scratch, `file-${++files}.yaml`);
  writeFileSync(file, typeof content === 'string' ? content : stringify(content));
  return file;
}

/** What loading throws, so a test can check it is a ConfigError and read its message. */
function failure(load: () => unknown): Error {
  try {
    load();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the load to fail, but it succeeded');
}

function expectConfigError(load: () => unknown, ...parts: string[]): void {
  const err = failure(load);
  expect(err).toBeInstanceOf(ConfigError);
  for (const part of parts) expect(err.message).toContain(part);
}

type Gate = Record<string, unknown>;

function gate(overrides: Gate = {}): Gate {
  return {
    id: 'screen',
    name: 'Screen',
    reviewers: { roles: ['innovation-team'] },
    criteria: [{ id: 'impact', label: 'Impact', weight: 1 }],
    passScore: 3,
    quorum: 'any',
    deadline: '5d',
    reminderEvery: '2d',
    escalateTo: { roles: ['owner'] },
    onNoDecision: 'hold',
    ...overrides,
  };
}

/** A valid process of one or more gated stages, each stage taking its gate from the list. */
function processWith(...gates: Gate[]): Record<string, unknown> {
  return {
    id: 'test-process',
    version: 1,
    name: 'Test process',
    stages: gates.map((stageGate, index) => ({ id: `stage-${index}`, name: `Stage ${index}`, duration: '1w', gate: stageGate })),
  };
}

const people = loadPeopleDirectory(SHIPPED_PEOPLE_FILE);

describe('shipped process templates', () => {
  const processes = loadProcesses(SHIPPED_PROCESSES_DIR);
  const gateCount = (id: string) => processes.get(id)!.stages.filter((stage) => stage.gate).length;

  test('all load: smb-lite with 3 gates, stage-gate-full with 5, express with 1, discovery with 2 in its own words', () => {
    expect([...processes.keys()].sort()).toEqual(['discovery', 'express', 'smb-lite', 'stage-gate-full']);
    expect(gateCount('discovery')).toBe(2);
    expect(processes.get('discovery')!.decisionLabels).toEqual({ go: 'Persevere', recycle: 'Pivot', kill: 'Stop' });
    expect(gateCount('smb-lite')).toBe(3);
    expect(gateCount('stage-gate-full')).toBe(5);
    expect(gateCount('express')).toBe(1);
  });

  test.each(['smb-lite', 'stage-gate-full', 'express', 'discovery'])('%s resolves against the shipped people for an idea from outside the firm', (id) => {
    const resolved = resolveProcess(processes.get(id)!, people, { submitter: CUSTOMER, champion: CUSTOMER });
    for (const stage of resolved.stages) {
      if (!stage.gate) continue;
      expect(stage.gate.reviewers.length).toBeGreaterThan(0);
      expect(stage.gate.escalateTo.map((person) => person.email)).toEqual([OWNER]);
    }
  });

  test('roles resolve to people in directory order', () => {
    const resolved = resolveProcess(processes.get('smb-lite')!, people, { submitter: CUSTOMER, champion: CUSTOMER });
    expect(resolved.stages.flatMap((stage) => (stage.gate ? [stage.gate.reviewers.map((person) => person.email)] : []))).toEqual([
      [HEAD_BAKER, SHOP_MANAGER], // innovation-team
      [OWNER, HEAD_BAKER], // owner, head-baker
      [OWNER, HEAD_BAKER, SHOP_MANAGER], // owner, innovation-team
    ]);
  });
});

describe('invalid process files', () => {
  test('a file that parses is accepted, with defaults filled in', () => {
    const loaded = loadProcessFile(writeYaml(processWith(gate())));
    expect(loaded.stages[0]!.gate).toMatchObject({ deadline: 5 * 24 * 3600_000, revisitAfter: 30 * 24 * 3600_000, allowSelfReview: false });
  });

  test('a bad quorum names the file and stages[0].gate.quorum', () => {
    const file = writeYaml(processWith(gate({ quorum: 'most' })));
    expectConfigError(() => loadProcessFile(file), file, 'stages[0].gate.quorum');
  });

  test('a quorum of atLeast 0 is rejected', () => {
    const file = writeYaml(processWith(gate({ quorum: { atLeast: 0 } })));
    expectConfigError(() => loadProcessFile(file), file, 'stages[0].gate.quorum.atLeast');
  });

  test('a deadline of "soon" names stages[0].gate.deadline and the value', () => {
    const file = writeYaml(processWith(gate({ deadline: 'soon' })));
    expectConfigError(() => loadProcessFile(file), file, 'stages[0].gate.deadline', '"soon"');
  });

  test('a gate id used twice names stages[1].gate.id', () => {
    const file = writeYaml(processWith(gate({ id: 'screen' }), gate({ id: 'screen' })));
    expectConfigError(() => loadProcessFile(file), file, 'stages[1].gate.id', 'gate id "screen" is used twice');
  });

  test('a missing onNoDecision is rejected', () => {
    const noRule = gate();
    delete noRule.onNoDecision;
    const file = writeYaml(processWith(noRule));
    expectConfigError(() => loadProcessFile(file), file, 'stages[0].gate.onNoDecision');
  });

  test('onNoDecision: go is rejected: a missed deadline is never an implicit go', () => {
    const file = writeYaml(processWith(gate({ onNoDecision: 'go' })));
    expectConfigError(() => loadProcessFile(file), file, 'stages[0].gate.onNoDecision', 'expected one of "hold"|"kill"|"recycle"|"escalate"');
  });

  test('a criterion minimum of 7, off the 1–5 scale, is rejected', () => {
    const file = writeYaml(processWith(gate({ criteria: [{ id: 'impact', label: 'Impact', weight: 1, minimum: 7 }] })));
    expectConfigError(() => loadProcessFile(file), file, 'stages[0].gate.criteria[0].minimum');
  });

  test('an unknown key in a gate is rejected', () => {
    const file = writeYaml(processWith(gate({ quorom: 'any' })));
    expectConfigError(() => loadProcessFile(file), file, 'stages[0].gate', 'quorom');
  });

  test('a process without any gate is rejected', () => {
    const file = writeYaml({ id: 'no-gates', version: 1, name: 'No gates', stages: [{ id: 'only', name: 'Only', duration: '1w' }] });
    expectConfigError(() => loadProcessFile(file), file, 'stages: a process needs at least one gate');
  });

  test('a file that is not YAML is rejected', () => {
    const file = writeYaml('id: [unclosed');
    expectConfigError(() => loadProcessFile(file), file, 'is not valid YAML');
  });

  test('a bad template in a folder fails the whole folder, naming the file', () => {
    const folder = mkdtempSync(join(scratch, 'processes-'));
    writeFileSync(join(folder, 'good.yaml'), stringify(processWith(gate())));
    writeFileSync(join(folder, 'bad.yaml'), stringify(processWith(gate({ deadline: 'soon' }))));
    expectConfigError(() => loadProcesses(folder), join(folder, 'bad.yaml'), 'stages[0].gate.deadline');
  });
});

describe('durations', () => {
  test.each([
    ['3d', 3 * 24 * 3600_000],
    ['12h', 12 * 3600_000],
    ['30s', 30_000],
    ['1500ms', 1500],
    ['2w', 14 * 24 * 3600_000],
    ['90m', 90 * 60_000],
    ['1.5h', 5_400_000],
  ])('%s is %d ms', (text, millis) => {
    expect(durationSchema.parse(text)).toBe(millis);
  });

  test.each(['3 days', '3days', '1 week', '2y', '3000', 'soon', '', '0s', '-1d'])('"%s" is rejected', (text) => {
    const result = durationSchema.safeParse(text);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe(`expected a duration like 3d, 12h, 30s, got "${text}"`);
  });

  test('a bare number is not a duration', () => {
    expect(durationSchema.safeParse(3).success).toBe(false);
  });
});

describe('resolveProcess', () => {
  const parse = (...gates: Gate[]) => processSchema.parse(processWith(...gates));
  const reviewersOf = (resolved: ReturnType<typeof resolveProcess>) => resolved.stages[0]!.gate!.reviewers.map((person) => person.email);

  test('the submitter does not review their own idea', () => {
    const resolved = resolveProcess(parse(gate()), people, { submitter: HEAD_BAKER, champion: HEAD_BAKER });
    expect(reviewersOf(resolved)).toEqual([SHOP_MANAGER]);
  });

  test('nor does the champion', () => {
    const resolved = resolveProcess(parse(gate()), people, { submitter: CUSTOMER, champion: SHOP_MANAGER });
    expect(reviewersOf(resolved)).toEqual([HEAD_BAKER]);
  });

  test('allowSelfReview: true keeps them', () => {
    const resolved = resolveProcess(parse(gate({ allowSelfReview: true })), people, { submitter: HEAD_BAKER, champion: SHOP_MANAGER });
    expect(reviewersOf(resolved)).toEqual([HEAD_BAKER, SHOP_MANAGER]);
  });

  test('people named by email resolve as well as roles, each once', () => {
    const resolved = resolveProcess(parse(gate({ reviewers: { people: ['Olivia@CornerBakery.example'], roles: ['owner', 'head-baker'] } })), people, {
      submitter: CUSTOMER,
      champion: CUSTOMER,
    });
    expect(reviewersOf(resolved)).toEqual([OWNER, HEAD_BAKER]);
  });

  test('nobody left to review: a ConfigError naming the gate', () => {
    const definition = parse(gate(), gate({ id: 'final', reviewers: { people: [OWNER] } }));
    expectConfigError(
      () => resolveProcess(definition, people, { submitter: OWNER, champion: OWNER }),
      'process "test-process" stages[1].gate (final)',
      'no reviewer is left',
    );
  });

  test('a quorum of atLeast N above the eligible reviewers: a ConfigError naming the gate', () => {
    // innovation-team is Hamid and Sofia; Hamid submitted, so only Sofia can review
    const definition = parse(gate({ quorum: { atLeast: 2 } }));
    expect(() => resolveProcess(definition, people, { submitter: CUSTOMER, champion: CUSTOMER })).not.toThrow();
    expectConfigError(
      () => resolveProcess(definition, people, { submitter: HEAD_BAKER, champion: HEAD_BAKER }),
      'process "test-process" stages[0].gate (screen)',
      'quorum needs 2 reviewers but only 1 can review this idea',
    );
  });

  test('escalation to nobody in the directory: a ConfigError naming the gate', () => {
    const definition = parse(gate({ escalateTo: { roles: ['board'] } }));
    expectConfigError(() => resolveProcess(definition, people, { submitter: CUSTOMER, champion: CUSTOMER }), 'stages[0].gate (screen)', 'escalateTo');
  });
});

describe('people directory', () => {
  test('the shipped directory loads', () => {
    expect(people.organisation).toBe('Corner Bakery');
    expect(people.people.map((person) => person.email)).toContain(OWNER);
  });

  test('emails are lower-cased', () => {
    const directory = peopleDirectorySchema.parse({ organisation: 'Bakery', people: [{ email: 'Olivia@CornerBakery.Example', name: 'Olivia' }] });
    expect(directory.people).toEqual([{ email: 'olivia@cornerbakery.example', name: 'Olivia', roles: [], active: true, absences: [] }]);
  });

  test('an email listed twice, in any case, is rejected naming people[1].email', () => {
    const file = writeYaml({
      organisation: 'Bakery',
      people: [
        { email: OWNER, name: 'Olivia' },
        { email: 'OLIVIA@cornerbakery.example', name: 'Olivia again' },
      ],
    });
    expectConfigError(() => loadPeopleDirectory(file), file, 'people[1].email', `"${OWNER}" is listed twice`);
  });

  test('a missing file is a ConfigError naming it', () => {
    const file = join(scratch, 'no-such-people.yaml');
    expectConfigError(() => loadPeopleDirectory(file), file, 'cannot be read');
  });
});

describe('loadSettings', () => {
  const emptyFile = writeYaml('');

  test('defaults', () => {
    const settings = loadSettings({ env: {}, file: emptyFile });
    expect(settings).toEqual({
      taskQueue: 'stagegate',
      updateTimeout: 15_000,
      journeyHistoryLimit: 5_000,
      dataDir: resolve('.stagegate'),
      processesDir: SHIPPED_PROCESSES_DIR,
      peopleFile: SHIPPED_PEOPLE_FILE,
      publicUrl: 'http://localhost:3000',
      webHost: '127.0.0.1',
      webPort: 3000,
      trustProxy: false,
      webMetricsPort: 9466,
      metricsHost: '127.0.0.1',
      linkTtl: 14 * 24 * 3600 * 1000,
      mail: { from: 'stagegate <stagegate@localhost>' },
      outboxRetention: 30 * 24 * 3600 * 1000,
      metricsPort: 9464,
      codecCorsOrigin: 'http://localhost:8233',
      locale: 'en-GB',
      apiKeys: [],
      publicUrlDefaulted: true,
      webhooks: [],
      webhookRetry: { attempts: 14, firstDelay: 60_000, maxDelay: 14_400_000 },
      webhookTimeout: 10_000,
      staffDomains: [],
      partnerDomains: [],
      goals: [],
      routing: [],
      portalSubmissionsPerHour: 10,
      worker: { reuseV8Context: true, maxCachedWorkflows: 1000, maxConcurrentWorkflowTaskExecutions: 40, maxConcurrentActivityTaskExecutions: 100, workflowTaskPollers: 10, activityTaskPollers: 10 },
      devServer: { sqlitePragmas: { journal_mode: 'wal', synchronous: 'normal' }, dynamicConfig: {} },
      intake: { host: '127.0.0.1', port: 2525, addresses: [], maxSize: 10 * 1_048_576, maxConnections: 20, storeAttachments: false },
    });
    expect(isAbsolute(settings.dataDir)).toBe(true);
  });

  test('the email intake from STAGEGATE_INTAKE_* variables: addresses and domains lower-cased, a mailbox with its defaults', () => {
    const { intake } = loadSettings({
      env: { STAGEGATE_INTAKE_ADDRESSES: 'Ideas@CornerBakery.example, @ideas.cornerbakery.example', STAGEGATE_INTAKE_PORT: '25', STAGEGATE_INTAKE_STORE_ATTACHMENTS: 'true', STAGEGATE_INTAKE_IMAP_URL: 'imaps://imap.cornerbakery.example', STAGEGATE_INTAKE_IMAP_USER: 'ideas', STAGEGATE_INTAKE_IMAP_PASS: 'secret' },
      file: emptyFile,
    });
    expect(intake).toMatchObject({ port: 25, addresses: ['ideas@cornerbakery.example', '@ideas.cornerbakery.example'], storeAttachments: true, imap: { url: 'imaps://imap.cornerbakery.example', user: 'ideas', pass: 'secret', folder: 'INBOX', pollInterval: 60_000 } });
  });

  test('STAGEGATE_LOCALE says how the firm writes numbers: a locale Node knows, nothing else', () => {
    expect(loadSettings({ env: { STAGEGATE_LOCALE: 'de-DE' }, file: emptyFile }).locale).toBe('de-DE');
    expect(loadSettings({ env: {}, file: writeYaml({ locale: 'fr-FR' }) }).locale).toBe('fr-FR');
    for (const bad of ['xx-YY', 'english', 'de_DE']) {
      expect(() => loadSettings({ env: { STAGEGATE_LOCALE: bad }, file: emptyFile })).toThrow(/STAGEGATE_LOCALE: locale: expected a locale this Node knows, like en-GB, de-DE or fr-FR/);
    }
  });

  test('STAGEGATE_TRUST_PROXY takes what express takes (off, a hop count, loopback and the like, addresses, CIDRs), and nothing else', () => {
    const trust = (value: string) => loadSettings({ env: { STAGEGATE_TRUST_PROXY: value }, file: emptyFile }).trustProxy;
    expect(trust('false')).toBe(false);
    expect(trust('1')).toBe(1);
    expect(trust('loopback')).toEqual(['loopback']);
    expect(trust('loopback, 10.0.0.0/8, fd00::/8, 192.0.2.7')).toEqual(['loopback', '10.0.0.0/8', 'fd00::/8', '192.0.2.7']);
    for (const bad of ['everyone', '10.0.0.0/33', '300.1.1.1', 'loopback,,', '10.0.0.1/8/8']) {
      expect(() => trust(bad)).toThrow(/STAGEGATE_TRUST_PROXY: trustProxy: .*expected false, a hop count, or a comma-separated list/);
    }
    expect(loadSettings({ env: { STAGEGATE_OUTBOX_RETENTION: '7d', STAGEGATE_METRICS_HOST: '0.0.0.0', STAGEGATE_WEB_METRICS_PORT: '0' }, file: emptyFile })).toMatchObject({ outboxRetention: 7 * 86_400_000, metricsHost: '0.0.0.0', webMetricsPort: 0 });
    expect(() => loadSettings({ env: { STAGEGATE_OUTBOX_RETENTION: 'forever' }, file: emptyFile })).toThrow(/STAGEGATE_OUTBOX_RETENTION: outboxRetention: expected a duration/);
  });

  test('mail and calendar settings come from the file and STAGEGATE_SMTP_* variables, each checked', () => {
    const file = writeYaml({ mail: { from: 'Corner Bakery <ideas@cornerbakery.example>', smtp: { host: 'smtp.example', port: 465 } }, calendar: { timeZone: 'Europe/London', holidays: ['2026-12-25'] } });
    const settings = loadSettings({ env: { STAGEGATE_SMTP_SECURE: 'true', STAGEGATE_SMTP_USER: 'bakery', STAGEGATE_SMTP_PORT: '2525' }, file });
    expect(settings.mail).toEqual({ from: 'Corner Bakery <ideas@cornerbakery.example>', smtp: { host: 'smtp.example', port: 2525, secure: true, user: 'bakery' } });
    expect(settings.calendar).toEqual({ timeZone: 'Europe/London', workingDays: [1, 2, 3, 4, 5], holidays: ['2026-12-25'] });
    expect(() => loadSettings({ env: {}, file: writeYaml({ calendar: { timeZone: 'Mars/Olympus' } }) })).toThrow(/calendar\.timeZone: expected an IANA time zone/);
    expect(() => loadSettings({ env: { STAGEGATE_SMTP_PORT: 'twenty' }, file: writeYaml({ mail: { smtp: { host: 'smtp.example' } } }) })).toThrow(/STAGEGATE_SMTP_PORT: mail\.smtp\.port:/);
    expect(() => loadSettings({ env: { STAGEGATE_LINK_SECRET: 'short' } })).toThrow(/linkSecret: expected at least 32 characters/);
  });

  test('the file overrides the defaults', () => {
    const file = writeYaml({ taskQueue: 'from-file', updateTimeout: '30s', dataDir: 'state' });
    expect(loadSettings({ env: {}, file })).toMatchObject({ taskQueue: 'from-file', updateTimeout: 30_000, dataDir: resolve('state') });
  });

  test('STAGEGATE_TASK_QUEUE overrides the file', () => {
    const file = writeYaml({ taskQueue: 'from-file' });
    expect(loadSettings({ env: { STAGEGATE_TASK_QUEUE: 'from-env' }, file }).taskQueue).toBe('from-env');
  });

  test('an empty variable does not override the file', () => {
    const file = writeYaml({ taskQueue: 'from-file' });
    expect(loadSettings({ env: { STAGEGATE_TASK_QUEUE: '' }, file }).taskQueue).toBe('from-file');
  });

  test('STAGEGATE_CONFIG names the file when none is given', () => {
    const file = writeYaml({ taskQueue: 'from-config-variable' });
    expect(loadSettings({ env: { STAGEGATE_CONFIG: file } }).taskQueue).toBe('from-config-variable');
  });

  test('an unknown key names the file and the key', () => {
    const file = writeYaml({ taskQeue: 'typo' });
    expectConfigError(() => loadSettings({ env: {}, file }), file, 'taskQeue');
  });

  test('a bad updateTimeout names the file and the key', () => {
    const file = writeYaml({ updateTimeout: 'a while' });
    expectConfigError(() => loadSettings({ env: {}, file }), `${file}: updateTimeout: expected a duration like 3d, 12h, 30s, got "a while"`);
  });

  test('a bad STAGEGATE_UPDATE_TIMEOUT names the variable', () => {
    expectConfigError(() => loadSettings({ env: { STAGEGATE_UPDATE_TIMEOUT: 'never' }, file: emptyFile }), 'STAGEGATE_UPDATE_TIMEOUT', 'updateTimeout');
  });
});

describe('loadTemporalConnection', () => {
  test('TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE', () => {
    const connection = loadTemporalConnection({ TEMPORAL_ADDRESS: 'example:7233', TEMPORAL_NAMESPACE: 'bakery' });
    expect(connection.connectionOptions.address).toBe('example:7233');
    expect(connection.namespace).toBe('bakery');
  });

  // With no HOME nor XDG_CONFIG_HOME in the given env, the library has no default config file to read.
  test('an empty env: localhost:7233 and the default namespace', () => {
    const connection = loadTemporalConnection({});
    expect(connection.connectionOptions.address).toBe('localhost:7233');
    expect(connection.namespace).toBe('default');
  });

  test('a profile in TEMPORAL_CONFIG_FILE, under the variables', () => {
    const file = join(scratch, 'temporal.toml');
    writeFileSync(file, '[profile.default]\naddress = "file:7233"\nnamespace = "from-file"\n');
    expect(loadTemporalConnection({ TEMPORAL_CONFIG_FILE: file })).toMatchObject({
      connectionOptions: { address: 'file:7233' },
      namespace: 'from-file',
    });
    expect(loadTemporalConnection({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_ADDRESS: 'example:7233' })).toMatchObject({
      connectionOptions: { address: 'example:7233' },
      namespace: 'from-file',
    });
  });

  test('a profile that does not exist is a ConfigError', () => {
    expectConfigError(() => loadTemporalConnection({ TEMPORAL_CONFIG_FILE: join(scratch, 'none.toml'), TEMPORAL_PROFILE: 'prod' }), "Profile 'prod' not found");
  });
});
