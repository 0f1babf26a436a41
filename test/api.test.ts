import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { apiKeyHash, API_SCOPES, keptDevApiKey, loadSettings, newApiKey, PACKAGE_ROOT, SHIPPED_PROCESSES_DIR, withEmbeddedSecrets, type ApiScope } from '../config/settings';
import { cliEnv, DEV_TEST_MS, runCli, startDev } from './cli-process';
import { StageGateClient } from '../client/sdk';
import { startWebServer } from '../client/web/server';
import { PROBLEM_CODES, problem } from '../client/web/api/problems';
import { ADMIN_LOCKOUT } from '../client/web/lockout';
import { openStore } from '../store';
import { COUNTER, HEAD_BAKER, OWNER, SHOP_MANAGER, asked, eventually, idea, inReview, inStage, startWorker, testSettings, waitForIdea, withStack, type Stack } from './helpers';

/** One key per scope, one with every scope, and one allowed three requests a minute. */
const KEYS = {
  all: newApiKey(),
  slow: newApiKey(),
  ...(Object.fromEntries(API_SCOPES.map((scope) => [scope, newApiKey()])) as Record<ApiScope, string>),
};
const apiKeys = [
  { name: 'all', hash: apiKeyHash(KEYS.all), scopes: [...API_SCOPES] },
  { name: 'slow', hash: apiKeyHash(KEYS.slow), scopes: ['read'], rateLimitPerMinute: 3 },
  ...API_SCOPES.map((scope) => ({ name: `only-${scope}`, hash: apiKeyHash(KEYS[scope]), scopes: [scope] })),
];

interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

let stack: Stack;
let base: string;
let closeWeb: () => Promise<void>;
let document: any;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
/** Every answer checked, by route: the walk below must have met each route of the document. */
const checked = new Set<string>();

/** The OpenAPI operation of a request, by matching its path against the document's templates. */
function operationOf(method: string, path: string): { template: string; operation: any } | undefined {
  const bare = path.split('?')[0]!;
  for (const [template, operations] of Object.entries<any>(document.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    if (pattern.test(bare) && operations[method.toLowerCase()]) return { template, operation: operations[method.toLowerCase()] };
  }
  return undefined;
}

/** Checks an answer against what the document says that route answers with that status. */
function expectDocumented(method: string, path: string, answer: Answer): void {
  const contentType = (answer.headers.get('content-type') ?? '').split(';')[0]!;
  const found = operationOf(method, path);
  if (!found) {
    // Outside the document's routes only problems are sent.
    expect(contentType).toBe('application/problem+json');
    const validate = ajv.compile(document.components.schemas.Problem);
    expect({ errors: validate(answer.body) ? null : validate.errors }).toEqual({ errors: null });
    return;
  }
  const response = found.operation.responses[String(answer.status)] ?? found.operation.responses.default;
  const media = response.content[contentType];
  if (!media) throw new Error(`${method} ${found.template} answered ${answer.status} as ${contentType}, which the document does not describe`);
  const schema = media.schema.$ref ? document.components.schemas[media.schema.$ref.split('/').pop()] : media.schema;
  const validate = ajv.compile(schema);
  const valid = validate(answer.body);
  expect({ route: `${method} ${found.template} ${answer.status}`, errors: valid ? null : validate.errors }).toEqual({ route: `${method} ${found.template} ${answer.status}`, errors: null });
  checked.add(`${method.toUpperCase()} ${found.template} ${answer.status}`);
}

async function call(method: string, path: string, options: { key?: string | null; body?: unknown; raw?: string; contentType?: string; headers?: Record<string, string>; url?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  const key = options.key === undefined ? KEYS.all : options.key;
  if (key !== null) headers.authorization = `Bearer ${key}`;
  let body: string | undefined;
  if (options.raw !== undefined) body = options.raw;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const response = await fetch(`${options.url ?? base}/api/v1${path}`, { method, headers, body });
  const text = await response.text();
  const answer = { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
  expectDocumented(method, path, answer);
  return answer;
}

/** What a caller can see of an idea: a refused request must leave all of it as it was. */
async function snapshot(ideaId: string): Promise<string> {
  const status = await stack.client.getIdea(ideaId);
  return JSON.stringify({ status: status.status, stage: status.stage, round: status.round, hold: status.hold, eventCount: status.eventCount, timeline: status.timeline, decisions: status.decisions });
}


const submission = (overrides: Record<string, unknown> = {}) => ({ ...idea(), ...overrides });
const goScores = { feasibility: 4, impact: 5 };

let worker: Awaited<ReturnType<typeof startWorker>>;

beforeAll(async () => {
  const settings = testSettings({ apiKeys });
  worker = await startWorker(settings);
  stack = { settings, client: await StageGateClient.connect({ settings }), store: await openStore(settings) };
  const web = await startWebServer({ client: stack.client, settings, port: 0 });
  base = web.url;
  closeWeb = () => web.close();
  document = (await (await fetch(`${base}/api/v1/openapi.json`)).json()) as unknown;
});

afterAll(async () => {
  await closeWeb();
  worker.worker.shutdown();
  await worker.running;
  await stack.client.close();
  await stack.store.close();
});

describe('HTTP API: the document', () => {
  test('GET /api/v1/openapi.json is OpenAPI 3.1 without a key, and names every route with its scope', async () => {
    const response = await fetch(`${base}/api/v1/openapi.json`);
    expect(response.status).toBe(200);
    expect(document.openapi).toBe('3.1.0');
    const scopes = Object.entries<any>(document.paths).flatMap(([path, operations]) => Object.entries<any>(operations).map(([method, operation]) => `${method} ${path} ${operation['x-scope']}`));
    expect(scopes.sort()).toEqual(
      [
        'get /campaigns read',
        'get /campaigns/{campaignId} read',
        'post /campaigns admin',
        'post /campaigns/{campaignId}/close admin',
        'get /ideas read',
        'get /ideas/{ideaId} read',
        'get /reports/{name} read',
        'post /ideas submit',
        'post /ideas/{ideaId}/hold admin',
        'post /ideas/{ideaId}/kpi-readings record',
        'post /ideas/{ideaId}/ready record',
        'post /ideas/{ideaId}/resume admin',
        'post /ideas/{ideaId}/votes decide',
      ].sort(),
    );
    // Generated by zod: the submission's schema has the SDK's fields and limits, strict.
    const body = document.paths['/ideas'].post.requestBody.content['application/json'].schema;
    expect(body.additionalProperties).toBe(false);
    expect(body.required).toEqual(expect.arrayContaining(['title', 'description', 'source', 'submitter']));
    // The first gate's reviewers set the category of an idea sent without one.
    expect(body.required).not.toContain('category');
    expect(body.properties.submitter.properties.email.format).toBe('email');
    expect(ajv.validateSchema(body)).toBe(true);
  });

  test('every SDK error code and every API refusal is a problem with a status, which the document describes', () => {
    const validate = ajv.compile(document.components.schemas.Problem);
    for (const code of PROBLEM_CODES) {
      const body = problem(code, 'detail');
      expect([code, body.status >= 400 && body.status < 600, validate(body)]).toEqual([code, true, true]);
    }
    expect(problem('unknown-idea', '').status).toBe(404);
    expect(problem('already-voted', '').status).toBe(409);
    expect(problem('stale-package', '').status).toBe(409);
    expect(problem('invalid-input', '').status).toBe(422);
    expect(problem('no-worker', '').status).toBe(503);
    expect(problem('forgotten', '').status).toBe(410);
  });
});

describe('HTTP API: keys and scopes', () => {
  test('no key or an unknown key is 401 with WWW-Authenticate: Bearer; a key lacking the scope is 403 naming it', async () => {
    const missing = await call('GET', '/ideas', { key: null });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(missing.body).toMatchObject({ code: 'unauthorized', status: 401 });
    const wrong = await call('GET', '/ideas', { key: newApiKey() });
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('unauthorized');
    const basic = await call('GET', '/ideas', { key: null, headers: { authorization: 'Basic YWRtaW46YWRtaW4=' } });
    expect(basic.status).toBe(401);
    const lacking = await call('GET', '/ideas', { key: KEYS.submit });
    expect(lacking.status).toBe(403);
    expect(lacking.body).toMatchObject({ code: 'missing-scope', scope: 'read' });
    expect(lacking.body.detail).toContain('"read"');
  });

  test('every route refuses a key without its scope, and the idea is exactly as it was', async () => {
    const { ideaId } = await stack.client.submitIdea(idea());
    await waitForIdea(stack.client, ideaId, asked('screen'));
    const before = await snapshot(ideaId);
    const attempts: [string, string, ApiScope, unknown?][] = [
      ['POST', '/ideas', 'submit', submission({ ideaId: 'refused-for-its-scope' })],
      ['GET', '/ideas', 'read'],
      ['GET', `/ideas/${ideaId}`, 'read'],
      ['POST', `/ideas/${ideaId}/votes`, 'decide', { reviewer: HEAD_BAKER, decision: 'go', scores: goScores }],
      ['POST', `/ideas/${ideaId}/kpi-readings`, 'record', { kpi: 'weekly_sales', value: 500, by: COUNTER }],
      ['POST', `/ideas/${ideaId}/ready`, 'record', { by: COUNTER }],
      ['POST', `/ideas/${ideaId}/hold`, 'admin', { by: OWNER, reason: 'Budget review' }],
      ['POST', `/ideas/${ideaId}/resume`, 'admin', { by: OWNER }],
      ['GET', '/reports/funnel', 'read'],
    ];
    for (const [method, path, scope, body] of attempts) {
      for (const other of API_SCOPES.filter((candidate) => candidate !== scope)) {
        const refused = await call(method, path, { key: KEYS[other], body });
        expect([method, path, other, refused.status, refused.body.code, refused.body.scope]).toEqual([method, path, other, 403, 'missing-scope', scope]);
      }
    }
    expect(await snapshot(ideaId)).toBe(before);
    await expect(stack.client.getIdea('refused-for-its-scope')).rejects.toMatchObject({ code: 'unknown-idea' });
  });

  test('wrong keys from one address are locked out after ten, the right key included', async () => {
    const web = await startWebServer({ client: stack.client, settings: { ...stack.settings, apiKeys: testSettings({ apiKeys }).apiKeys }, port: 0 });
    try {
      for (let i = 0; i < ADMIN_LOCKOUT.failures; i++) expect((await call('GET', '/ideas', { key: newApiKey(), url: web.url })).status).toBe(401);
      const locked = await call('GET', '/ideas', { url: web.url });
      expect(locked.status).toBe(429);
      expect(locked.body.code).toBe('too-many-wrong-keys');
      expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await web.close();
    }
  });

  test('each key has its own rate limit: past it, 429 with problem details and RateLimit headers; other keys go on', async () => {
    for (let i = 0; i < 3; i++) {
      const answer = await call('GET', '/reports/funnel', { key: KEYS.slow });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('ratelimit-policy')).toMatch(/q=3/);
    }
    const limited = await call('GET', '/reports/funnel', { key: KEYS.slow });
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ code: 'rate-limited', status: 429 });
    expect(limited.headers.get('ratelimit')).toMatch(/r=0/);
    expect((await call('GET', '/reports/funnel', { key: KEYS.read })).status).toBe(200);
  });
});

describe('HTTP API: submitting ideas', () => {
  test('POST /ideas submits; the same Idempotency-Key and body returns the same idea; another body with it is refused', async () => {
    const key = `order-${Date.now()}`;
    const first = await call('POST', '/ideas', { key: KEYS.submit, body: submission(), headers: { 'idempotency-key': key } });
    expect(first.status).toBe(201);
    expect(first.body.created).toBe(true);
    expect(first.headers.get('location')).toBe(`/api/v1/ideas/${first.body.ideaId}`);
    const again = await call('POST', '/ideas', { key: KEYS.submit, body: submission(), headers: { 'idempotency-key': key } });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ideaId: first.body.ideaId, created: false });
    const other = await call('POST', '/ideas', { key: KEYS.submit, body: submission({ title: 'Loyalty cards' }), headers: { 'idempotency-key': key } });
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('idempotency-key-reused');
    const submitted = await stack.client.getIdea(first.body.ideaId);
    expect(submitted.title).toBe('Pumpkin spice pastry');
    // The submitted event names the channel and the API key it came through.
    expect(submitted.timeline.find((entry) => entry.type === 'submitted')?.detail).toMatchObject({ via: 'api', key: 'only-submit' });
    // The same key from another API key is another submission.
    const elsewhere = await call('POST', '/ideas', { key: KEYS.all, body: submission(), headers: { 'idempotency-key': key } });
    expect(elsewhere.status).toBe(201);
    expect(elsewhere.body.ideaId).not.toBe(first.body.ideaId);
    // Without a key, each POST is a new idea.
    const a = await call('POST', '/ideas', { body: submission() });
    const b = await call('POST', '/ideas', { body: submission() });
    expect(a.body.ideaId).not.toBe(b.body.ideaId);
  });

  test('two concurrent POSTs with the same Idempotency-Key start one idea', async () => {
    const key = `race-${Date.now()}`;
    const answers = await Promise.all([0, 1, 2, 3].map(() => call('POST', '/ideas', { body: submission({ title: 'Racing pastry' }), headers: { 'idempotency-key': key } })));
    expect(new Set(answers.map((answer) => answer.body.ideaId)).size).toBe(1);
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(1);
    expect(answers.filter((answer) => answer.status === 200 && answer.body.created === false)).toHaveLength(3);
    await waitForIdea(stack.client, answers[0]!.body.ideaId, inReview('screen'));
  });

  test('a bad submission is 422 with the path of each bad field, and starts nothing', async () => {
    const bad = await call('POST', '/ideas', { body: submission({ source: 'rumour', submitter: { email: 'grace at customer', name: 'Grace' }, estimatedCost: -5, colour: 'red' }) });
    expect(bad.status).toBe(422);
    expect(bad.body.code).toBe('invalid-input');
    expect(bad.body.errors.map((error: { path: string }) => error.path)).toEqual(expect.arrayContaining(['source', 'submitter.email', 'estimatedCost', '(root)']));
    const unknownProcess = await call('POST', '/ideas', { body: submission({ ideaId: 'never-started', process: 'no-such-process' }) });
    expect(unknownProcess.status).toBe(422);
    expect(unknownProcess.body).toMatchObject({ code: 'unknown-process', errors: [{ path: 'process' }] });
    const badKey = await call('POST', '/ideas', { body: submission({ ideaId: 'never-started-2' }), headers: { 'idempotency-key': 'two words' } });
    expect(badKey.status).toBe(422);
    expect(badKey.body.errors[0].path).toBe('Idempotency-Key');
    await expect(stack.client.getIdea('never-started')).rejects.toMatchObject({ code: 'unknown-idea' });
    await expect(stack.client.getIdea('never-started-2')).rejects.toMatchObject({ code: 'unknown-idea' });
  });

  test('only JSON is read: a form is 415, broken JSON 400, a huge body 413, and nothing is started', async () => {
    const form = await call('POST', '/ideas', { raw: 'title=Pastry', contentType: 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    expect(form.body.code).toBe('unsupported-media-type');
    const broken = await call('POST', '/ideas', { raw: '{"title": ' });
    expect(broken.status).toBe(400);
    expect(broken.body.code).toBe('unreadable-body');
    const huge = await call('POST', '/ideas', { body: submission({ description: 'x'.repeat(100_000) }) });
    expect(huge.status).toBe(413);
    expect(huge.body.code).toBe('body-too-large');
    const empty = await call('POST', '/ideas', {});
    expect(empty.status).toBe(422);
    expect(empty.body.errors[0].path).toBe('(root)');
  });
});

describe('HTTP API: campaigns', () => {
  test('POST /campaigns opens one, GET lists and shows it, ideas carry it and get its process, POST .../close closes it and submissions are refused', async () => {
    const id = `less-waste-${Date.now()}`;
    const refused = await call('POST', '/campaigns', { key: KEYS.read, body: { id, question: 'How do we waste less bread?', by: OWNER } });
    expect(refused.status).toBe(403);
    const bad = await call('POST', '/campaigns', { body: { id: 'Bad Id', question: '', audience: ['martians'], opensAt: '2027-02-01', closesAt: '2027-01-31', by: OWNER } });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((error: { path: string }) => error.path)).toEqual(expect.arrayContaining(['id', 'question', 'audience.0']));
    const created = await call('POST', '/campaigns', { body: { id, question: 'How do we waste less bread?', audience: ['staff', 'customers'], process: 'long-review', goals: ['less waste'], by: OWNER } });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/api/v1/campaigns/${id}`);
    expect(created.body).toMatchObject({ id, status: 'open', process: 'long-review', audience: ['staff', 'customers'], url: `${stack.settings.publicUrl}/campaigns/${id}` });
    const twice = await call('POST', '/campaigns', { body: { id, question: 'Again', by: OWNER } });
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('campaign-exists');
    const list = await call('GET', '/campaigns');
    expect(list.status).toBe(200);
    expect(list.body.campaigns.map((campaign: { id: string }) => campaign.id)).toContain(id);
    const shown = await call('GET', `/campaigns/${id}`);
    expect(shown.status).toBe(200);
    expect(shown.body.question).toBe('How do we waste less bread?');
    expect((await call('GET', '/campaigns/no-such-campaign')).status).toBe(404);

    // An idea sent to the campaign without a process takes the campaign's.
    const submitted = await call('POST', '/ideas', { body: submission({ campaign: id, process: undefined }) });
    expect(submitted.status).toBe(201);
    expect((await stack.client.getIdea(submitted.body.ideaId)).process.id).toBe('long-review');
    // One that names its process keeps it.
    const named = await call('POST', '/ideas', { body: submission({ campaign: id }) });
    expect((await stack.client.getIdea(named.body.ideaId)).process.id).toBe('two-gates');
    const unknown = await call('POST', '/ideas', { body: submission({ campaign: 'no-such-campaign' }) });
    expect(unknown).toMatchObject({ status: 404, body: { code: 'unknown-campaign', errors: [{ path: 'campaign' }] } });

    const closed = await call('POST', `/campaigns/${id}/close`, { body: { by: OWNER } });
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ status: 'closed', closedBy: OWNER });
    const late = await call('POST', '/ideas', { body: submission({ ideaId: `late-${id}`, campaign: id }) });
    expect(late.status).toBe(410);
    expect(late.body.code).toBe('campaign-closed');
    await expect(stack.client.getIdea(`late-${id}`)).rejects.toMatchObject({ code: 'unknown-idea' });
    const upcoming = await call('POST', '/campaigns', { body: { id: `${id}-next`, question: 'Next year?', opensAt: '2099-01-01', by: OWNER } });
    expect(upcoming.body.status).toBe('upcoming');
    const early = await call('POST', '/ideas', { body: submission({ campaign: `${id}-next` }) });
    expect(early).toMatchObject({ status: 409, body: { code: 'campaign-not-open' } });
  });
});

describe('HTTP API: reading ideas', () => {
  test('GET /ideas/{id} answers the idea; an unknown id is 404, a malformed one 422; unknown paths 404, wrong methods 405', async () => {
    const { ideaId } = await stack.client.submitIdea(idea({ estimatedCost: 300 }));
    const shown = await eventually(async () => {
      const answer = await call('GET', `/ideas/${ideaId}`);
      expect(answer.body.status).toBe('in-review');
      return answer;
    });
    expect(shown.body).toMatchObject({ ideaId, title: 'Pumpkin spice pastry', estimatedCost: 300, round: { gate: 'screen', round: 1 } });
    const unknown = await call('GET', '/ideas/no-such-idea');
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('unknown-idea');
    const malformed = await call('GET', '/ideas/bad%20id!');
    expect(malformed.status).toBe(422);
    expect(malformed.body.errors[0].path).toBe('ideaId');
    const nowhere = await call('GET', '/nowhere');
    expect(nowhere.status).toBe(404);
    expect(nowhere.body.code).toBe('not-found');
    const wrongMethod = await call('DELETE', `/ideas/${ideaId}`);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET');
  });

  test('GET /ideas pages through every idea once, with the CLI filters; a cursor from another filter or a made-up one is 422', async () => {
    const process = 'package-review';
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) ids.add((await stack.client.submitIdea(idea({ title: `Paged pastry ${i}`, process, source: 'partner' }))).ideaId);
    await eventually(async () => expect((await call('GET', `/ideas?process=${process}&source=partner&limit=500`)).body.ideas).toHaveLength(5), 20_000);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await call('GET', `/ideas?process=${process}&source=partner&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.ideas.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.ideas.map((listed: { ideaId: string }) => listed.ideaId));
      cursor = page.body.next;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toHaveLength(5);
    expect(new Set(seen)).toEqual(ids);
    expect(pages).toBeGreaterThanOrEqual(3);

    const first = await call('GET', `/ideas?process=${process}&source=partner&limit=2`);
    const otherFilter = await call('GET', `/ideas?status=in-review&limit=2&cursor=${encodeURIComponent(first.body.next)}`);
    expect(otherFilter.status).toBe(422);
    expect(otherFilter.body.errors[0].path).toBe('cursor');
    // Made up, stretched, or its signature altered: refused before Temporal is asked (whose client
    // retries the UNKNOWN a forged token draws for about 20 s), with the words of that check.
    const [signature, token] = first.body.next.split('.');
    const altered = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}.${token}`;
    for (const forged of [`${signature}.bm9wZQ`, `${first.body.next}A`, `${first.body.next}.${token}`, altered, token]) {
      const refused = await call('GET', `/ideas?process=${process}&source=partner&limit=2&cursor=${encodeURIComponent(forged)}`);
      expect([refused.status, refused.body.errors[0]]).toEqual([422, expect.objectContaining({ path: 'cursor', message: expect.stringContaining('expected the `next` cursor of an earlier page') })]);
    }
    const badFilter = await call('GET', '/ideas?status=pending&limit=0');
    expect(badFilter.status).toBe(422);
    expect(badFilter.body.errors.map((error: { path: string }) => error.path).sort()).toEqual(['limit', 'status']);
    const unknownFilter = await call('GET', '/ideas?colour=red');
    expect(unknownFilter.status).toBe(422);
  });

  test('GET /reports/{name} runs a report of stagegate report; an unknown report or a bad range is 422 naming it', async () => {
    const funnel = await call('GET', '/reports/funnel?from=2026-01-01');
    expect(funnel.status).toBe(200);
    expect(funnel.body).toMatchObject({ report: 'funnel', from: '2026-01-01T00:00:00.000Z' });
    expect(funnel.body.result).toBeDefined();
    const recognition = await call('GET', '/reports/recognition?from=2026-01-01&to=2027-01-01');
    expect(recognition.status).toBe(200);
    expect(recognition.body).toMatchObject({ report: 'recognition', from: '2026-01-01T00:00:00.000Z', to: '2027-01-01T00:00:00.000Z', result: { people: expect.any(Array), sources: expect.any(Array), total: expect.any(Object) } });
    const unknown = await call('GET', '/reports/popularity');
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors[0].path).toBe('name');
    const badRange = await call('GET', '/reports/funnel?from=yesterday');
    expect(badRange.status).toBe(422);
    expect(badRange.body.errors[0].path).toBe('from');
  });
});

describe('HTTP API: acting on ideas', () => {
  test("a vote on behalf of a reviewer is counted once, recorded with the key's name; wrong votes are refused and change nothing", async () => {
    const { ideaId } = await stack.client.submitIdea(idea());
    await waitForIdea(stack.client, ideaId, asked('screen'));
    const before = await snapshot(ideaId);
    const badScores = await call('POST', `/ideas/${ideaId}/votes`, { key: KEYS.decide, body: { reviewer: HEAD_BAKER, decision: 'go', scores: { feasibility: 7, impact: 5 } } });
    expect(badScores.status).toBe(422);
    expect(badScores.body.errors[0].path).toBe('scores.feasibility');
    const asLink = await call('POST', `/ideas/${ideaId}/votes`, { key: KEYS.decide, body: { reviewer: COUNTER, decision: 'go', scores: goScores, via: 'link' } });
    expect(asLink.status).toBe(422);
    const notReviewer = await call('POST', `/ideas/${ideaId}/votes`, { key: KEYS.decide, body: { reviewer: COUNTER, decision: 'go', scores: goScores } });
    expect(notReviewer.status).toBe(403);
    expect(notReviewer.body.code).toBe('not-a-reviewer');
    const missingCriterion = await call('POST', `/ideas/${ideaId}/votes`, { key: KEYS.decide, body: { reviewer: HEAD_BAKER, decision: 'go', scores: { feasibility: 4 } } });
    expect(missingCriterion.status).toBe(422);
    expect(missingCriterion.body.code).toBe('invalid-scores');
    expect(await snapshot(ideaId)).toBe(before);

    const vote = { reviewer: HEAD_BAKER, decision: 'go', scores: goScores, comment: 'Customers ask every autumn' };
    const counted = await call('POST', `/ideas/${ideaId}/votes`, { key: KEYS.decide, body: vote });
    expect(counted.status).toBe(200);
    expect(counted.body).toMatchObject({ ideaId, gate: 'screen', round: 1, reviewer: HEAD_BAKER, votesIn: 1 });
    const again = await call('POST', `/ideas/${ideaId}/votes`, { key: KEYS.decide, body: vote });
    expect(again.body).toEqual(counted.body);
    const changed = await call('POST', `/ideas/${ideaId}/votes`, { key: KEYS.decide, body: { ...vote, decision: 'kill' } });
    expect(changed.status).toBe(409);
    expect(changed.body.code).toBe('already-voted');
    const status = await stack.client.getIdea(ideaId);
    expect(status.round!.votes).toHaveLength(1);
    expect(status.round!.votes[0]).toMatchObject({ reviewer: HEAD_BAKER, via: 'api', key: 'only-decide' });

    await call('POST', `/ideas/${ideaId}/votes`, { key: KEYS.decide, body: { ...vote, reviewer: SHOP_MANAGER } });
    await waitForIdea(stack.client, ideaId, inStage('build'));
    const closed = await call('POST', `/ideas/${ideaId}/votes`, { key: KEYS.decide, body: { ...vote, reviewer: SHOP_MANAGER, round: 1, gate: 'screen', decision: 'kill' } });
    expect(closed.status).toBe(409);
    expect(closed.body.code).toBe('gate-closed');
  });

  test('mark ready opens the gate; a person who is not the champion is refused and nothing changes', async () => {
    const { ideaId } = await stack.client.submitIdea(idea({ process: 'package-review' }));
    await waitForIdea(stack.client, ideaId, inStage('build'));
    const before = await snapshot(ideaId);
    const stranger = await call('POST', `/ideas/${ideaId}/ready`, { key: KEYS.record, body: { by: 'someone@elsewhere.example' } });
    expect(stranger.status).toBe(403);
    expect(stranger.body.code).toBe('not-allowed');
    const badLink = await call('POST', `/ideas/${ideaId}/ready`, { key: KEYS.record, body: { by: COUNTER, links: ['javascript:alert(1)'] } });
    expect(badLink.status).toBe(422);
    expect(badLink.body.errors[0].path).toBe('links.0');
    expect(await snapshot(ideaId)).toBe(before);
    const ready = await call('POST', `/ideas/${ideaId}/ready`, { key: KEYS.record, body: { by: COUNTER, notes: 'Plan done', links: ['https://files.example/plan.pdf'] } });
    expect(ready.status).toBe(200);
    expect(ready.body.stage.ready).toMatchObject({ by: COUNTER, notes: 'Plan done' });
    const timeline = (await stack.client.getIdea(ideaId)).timeline.find((entry) => entry.type === 'ready_for_review');
    expect(timeline?.detail).toMatchObject({ via: 'api', key: 'only-record' });
  });

  test('a KPI reading for a running pilot is judged at once; an unknown KPI or an idea with no pilot is refused', async () => {
    const { ideaId } = await stack.client.submitIdea(idea({ process: 'manual-pilot' }));
    await waitForIdea(stack.client, ideaId, (status) => status.stage.pilot !== undefined);
    const unknownKpi = await call('POST', `/ideas/${ideaId}/kpi-readings`, { key: KEYS.record, body: { kpi: 'footfall', value: 3, by: COUNTER } });
    expect(unknownKpi.status).toBe(422);
    expect(unknownKpi.body.code).toBe('unknown-kpi');
    const badValue = await call('POST', `/ideas/${ideaId}/kpi-readings`, { key: KEYS.record, body: { kpi: 'weekly_sales', value: 'lots', by: COUNTER } });
    expect(badValue.status).toBe(422);
    expect(badValue.body.errors[0].path).toBe('value');
    const reading = await call('POST', `/ideas/${ideaId}/kpi-readings`, { key: KEYS.record, body: { kpi: 'weekly_sales', value: '380', by: COUNTER } });
    expect(reading.status).toBe(200);
    expect(reading.body).toMatchObject({ kpi: 'weekly_sales', value: 380, level: 'alert', met: false });
    const { ideaId: noPilot } = await stack.client.submitIdea(idea());
    await waitForIdea(stack.client, noPilot, inReview('screen'));
    const refused = await call('POST', `/ideas/${noPilot}/kpi-readings`, { key: KEYS.record, body: { kpi: 'weekly_sales', value: 3, by: COUNTER } });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('wrong-status');
  });

  test('hold and resume need an admin of the people directory as well as the admin scope', async () => {
    const { ideaId } = await stack.client.submitIdea(idea());
    await waitForIdea(stack.client, ideaId, inReview('screen'));
    const notAdmin = await call('POST', `/ideas/${ideaId}/hold`, { key: KEYS.admin, body: { by: HEAD_BAKER, reason: 'Budget review' } });
    expect(notAdmin.status).toBe(403);
    expect(notAdmin.body.code).toBe('not-allowed');
    const badRevisit = await call('POST', `/ideas/${ideaId}/hold`, { key: KEYS.admin, body: { by: OWNER, reason: 'Budget review', revisitAfter: 'soon' } });
    expect(badRevisit.status).toBe(422);
    expect(badRevisit.body.errors[0].path).toBe('revisitAfter');
    const held = await call('POST', `/ideas/${ideaId}/hold`, { key: KEYS.admin, body: { by: OWNER, reason: 'Budget review', revisitAfter: '30d' } });
    expect(held.status).toBe(200);
    // A hold at an open round takes effect as the round closes, a moment after the answer.
    await eventually(async () => expect((await call('GET', `/ideas/${ideaId}`)).body).toMatchObject({ status: 'on-hold', hold: { by: OWNER, reason: 'Budget review' } }));
    const heldAgain = await call('POST', `/ideas/${ideaId}/hold`, { key: KEYS.admin, body: { by: OWNER, reason: 'Another review' } });
    expect(heldAgain.status).toBe(409);
    expect(heldAgain.body.code).toBe('wrong-status');
    const resumed = await call('POST', `/ideas/${ideaId}/resume`, { key: KEYS.admin, body: { by: OWNER } });
    expect(resumed.status).toBe(200);
    await eventually(async () => expect((await call('GET', `/ideas/${ideaId}`)).body.status).not.toBe('on-hold'));
    const decision = (await stack.client.getIdea(ideaId)).timeline.find((entry) => entry.type === 'held');
    expect(decision?.detail).toMatchObject({ via: 'api', key: 'only-admin' });
  });

  test('with no worker to answer, a read is 503 with Retry-After and says nothing was recorded', async () => {
    const settings = testSettings({ apiKeys, updateTimeout: '2s' });
    const client = await StageGateClient.connect({ settings });
    const web = await startWebServer({ client, settings, port: 0 });
    try {
      const submitted = await call('POST', '/ideas', { body: submission(), url: web.url });
      expect(submitted.status).toBe(201);
      const unanswered = await call('GET', `/ideas/${submitted.body.ideaId}`, { url: web.url });
      expect(unanswered.status).toBe(503);
      expect(unanswered.body.code).toBe('no-worker');
      expect(unanswered.headers.get('retry-after')).toBe('5');
    } finally {
      await web.close();
      await client.close();
    }
  });
});

describe('HTTP API: the curl walk', () => {
  test('examples/api-walk.sh runs against a real server with the shipped processes: submit twice, get, list, vote, report', async () => {
    const settings = testSettings({ apiKeys, processesDir: SHIPPED_PROCESSES_DIR });
    await withStack(async ({ client }) => {
      const web = await startWebServer({ client, settings, port: 0 });
      try {
        const { stdout } = await promisify(execFile)('bash', [join(PACKAGE_ROOT, 'examples', 'api-walk.sh')], { env: { ...process.env, STAGEGATE_URL: web.url, STAGEGATE_API_KEY: KEYS.all } });
        expect(stdout).toMatch(/"created":true/);
        expect(stdout).toMatch(/"created":false/);
        expect(stdout).toMatch(/is in-review/);
        expect(stdout).toMatch(/"decided":"go"/);
        expect(stdout).toMatch(/"report":"funnel"/);
        const ideaId = /"ideaId":"([^"]+)"/.exec(stdout)![1]!;
        const status = await waitForIdea(client, ideaId, (idea) => idea.stage.id === 'build');
        expect(status.decisions[0]).toMatchObject({ decision: 'go', gate: 'idea-screen' });
      } finally {
        await web.close();
      }
    }, settings);
  });
});

describe('HTTP API: making keys', () => {
  test('stagegate apikey create prints the key once on stdout, and on stderr the settings entry with its SHA-256, which the settings take', async () => {
    const run = await runCli(cliEnv(stack.settings), ['apikey', 'create', '--name', 'crm', '--scopes', 'submit,read']);
    expect(run.code).toBe(0);
    const key = run.stdout.trim();
    expect(key).toMatch(/^sgk_[A-Za-z0-9_-]{43}$/);
    expect(run.stderr).not.toContain(key);
    const env = /STAGEGATE_API_KEYS="([^"]+)"/.exec(run.stderr)![1]!;
    expect(env).toBe(`crm:submit,read:${apiKeyHash(key)}`);
    expect(run.stderr).toContain(`- { name: crm, scopes: [submit, read], hash: ${apiKeyHash(key)} }`);
    expect(loadSettings({ env: { STAGEGATE_API_KEYS: env } }).apiKeys).toEqual([{ name: 'crm', scopes: ['submit', 'read'], hash: apiKeyHash(key), rateLimitPerMinute: 600 }]);
    const json = await runCli(cliEnv(stack.settings), ['apikey', 'create', '--name', 'crm', '--scopes', 'admin', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ name: 'crm', scopes: ['admin'], hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  test("the embedded default keeps a development key with every scope in its data folder, beside the admin key", () => {
    const settings = withEmbeddedSecrets(testSettings());
    const key = keptDevApiKey(settings.dataDir);
    expect(settings.apiKeys).toEqual([{ name: 'dev', hash: apiKeyHash(key), scopes: [...API_SCOPES], rateLimitPerMinute: 600 }]);
    expect(withEmbeddedSecrets(settings).apiKeys).toEqual(settings.apiKeys);
    expect(keptDevApiKey(settings.dataDir)).toBe(key);
  });
});

describe('HTTP API: the document against the answers', () => {
  // Last in the file: the tests above have met every route.
  test('every route of the document gave a success answer above, and every answer above matched its schema in the document', () => {
    const routes = Object.entries<any>(document.paths).flatMap(([template, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${template}`));
    expect(routes.filter((route) => ![...checked].some((seen) => seen.startsWith(`${route} 2`)))).toEqual([]);
    expect(checked.size).toBeGreaterThan(30);
  });
});

describe('HTTP API: stagegate dev', () => {
  test('stagegate dev prints its development key beside the dashboard password, and its curl line and the walk work with it', async () => {
    const dev = await startDev('127.0.0.1', { STAGEGATE_WEB_METRICS_PORT: '0' });
    const { dataDir, publicUrl } = dev;
    try {
      await dev.running(undefined, 'Try it from another terminal');
      const output = dev.output();
      const key = readFileSync(join(dataDir, 'api-key'), 'utf8').trim();
      expect(output).toMatch(new RegExp(`Dashboard .*password [0-9a-f]+\\)\\n  HTTP API +${publicUrl}/api/v1 .*key "dev", every scope: ${key}\\)`));
      // The portal's address beside the others, and its page answers.
      expect(output).toMatch(new RegExp(`\\n  Portal +${publicUrl}/submit `));
      expect((await fetch(`${publicUrl}/submit`)).status).toBe(200);
      const curl = /^ *(curl -H 'Authorization: Bearer .*)$/m.exec(output)![1]!;
      expect(curl).toContain(key);
      const listed = await promisify(execFile)('bash', ['-c', `${curl} -sS`]);
      expect(JSON.parse(listed.stdout)).toEqual({ ideas: [] });
      const walk = await promisify(execFile)('bash', [join(PACKAGE_ROOT, 'examples', 'api-walk.sh')], { env: { ...process.env, STAGEGATE_URL: publicUrl, STAGEGATE_API_KEY: key } });
      expect(walk.stdout).toMatch(/"decided":"go"/);
    } finally {
      await dev.stop();
    }
  }, DEV_TEST_MS);
});
