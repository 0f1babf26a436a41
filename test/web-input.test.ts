import { ideaWorkflowId } from '../workflows/messages';
import { COUNTER, HEAD_BAKER, OWNER, idea, inReview, settled, waitForIdea } from './helpers';
import { tokenOf, withWeb } from './web-helpers';

/**
 * The bad-input catalogue of the web server, against the real server: every page's route, sent
 * what a broken client or a hostile one sends. Each case answers 4xx (never 500) with a page that
 * names the problem, logs at most one bounded line (no body, no token), and changes nothing.
 */

/** What a body of each kind looks like on the wire. */
interface Sent {
  method?: string;
  body?: string;
  type?: string;
}

/** Text that must never reach the log: it is in every body below. */
const MARKER = 'BODY-MARKER-7f3a';
const LOG_LINE_LIMIT = 300;

const bodies: Record<string, Sent> = {
  'an empty body': { body: '' },
  'no body and no type': {},
  'a JSON body': { body: JSON.stringify({ decision: 'go', comment: MARKER }), type: 'application/json' },
  'a text body': { body: `decision=go&comment=${MARKER}`, type: 'text/plain' },
  'a 1 MB body': { body: `comment=${MARKER}${'x'.repeat(1024 * 1024)}`, type: 'application/x-www-form-urlencoded' },
  'a 150-field body': { body: Array.from({ length: 150 }, (_, i) => `f${i}=${MARKER}`).join('&'), type: 'application/x-www-form-urlencoded' },
  'an unknown charset': { body: `comment=${MARKER}`, type: 'application/x-www-form-urlencoded; charset=klingon' },
  'bad percent-encoding in the body': { body: `decision=%ff%fe&comment=${MARKER}%`, type: 'application/x-www-form-urlencoded' },
  'fields as arrays and objects': { body: `decision=go&decision=kill&score.feasibility=9e999&comment[a]=${MARKER}&ideaId=x&ideaId=y&round=1e3`, type: 'application/x-www-form-urlencoded' },
};

/** What each page answers to each kind of body: status and the words that name the problem. */
type Expected = [status: number, words: string];
const FORM_REFUSALS: Record<string, Expected> = {
  'a JSON body': [415, 'Send this as a web form'],
  'a text body': [415, 'Send this as a web form'],
  'a 1 MB body': [413, 'This form is too large'],
  'a 150-field body': [413, 'This form has too many fields'],
  'an unknown charset': [415, 'Send it in UTF-8'],
};

describe('the web server refuses malformed requests with a clear 4xx page, a bounded log line, and no change', () => {
  test('every route, every kind of broken request', async () => {
    await withWeb(async ({ client, links, url }) => {
      const { ideaId } = await client.submitIdea(idea());
      await waitForIdea(client, ideaId, inReview('screen'));
      await settled(client, ideaId);
      const handle = client.client.workflow.getHandle(ideaWorkflowId(ideaId));
      const historyLength = async () => (await handle.fetchHistory()).events!.length;
      const before = await historyLength();

      const routes: Record<string, { path: string; token?: string; formPage: Record<string, Expected> }> = {
        review: { path: new URL(links.review(ideaId, 'screen', 1, HEAD_BAKER)).pathname, formPage: { default: [422, 'Choose a decision.'], 'bad percent-encoding in the body': [422, 'Give Feasibility (feasibility) a score from 1 to 5.'] } },
        decide: { path: new URL(links.decide(ideaId, 'screen', 1, OWNER)).pathname, formPage: { default: [422, 'Choose a decision.'], 'bad percent-encoding in the body': [422, 'Give a reason'] } },
        reviewer: { path: new URL(links.pending(HEAD_BAKER)).pathname, formPage: { default: [422, 'Which review?'] } },
        kpi: { path: new URL(links.kpi(ideaId, 'screen', 1, COUNTER)).pathname, formPage: { default: [410, 'This pilot has ended'] } },
        plan: { path: new URL(links.plan(ideaId, 'idea', COUNTER)).pathname, formPage: { default: [410, 'This plan is closed'] } },
      };
      const tokens = Object.values(routes).map((route) => tokenOf(route.path));

      const logged: string[] = [];
      const capture = (...args: unknown[]) => void logged.push(args.map((arg) => (typeof arg === 'string' ? arg : arg instanceof Error ? String(arg.stack) : JSON.stringify(arg))).join(' '));
      const spies = [jest.spyOn(console, 'error').mockImplementation(capture), jest.spyOn(console, 'warn').mockImplementation(capture), jest.spyOn(console, 'log').mockImplementation(capture)];

      const cases: { name: string; path: string; sent: Sent; expected: Expected }[] = [];
      for (const [page, route] of Object.entries(routes)) {
        for (const [kind, sent] of Object.entries(bodies)) {
          cases.push({ name: `POST /${page}/<token> with ${kind}`, path: route.path, sent: { ...sent, method: 'POST' }, expected: FORM_REFUSALS[kind] ?? route.formPage[kind] ?? route.formPage.default! });
        }
        for (const method of ['PUT', 'DELETE', 'PATCH']) {
          cases.push({ name: `${method} /${page}/<token>`, path: route.path, sent: { method, body: `comment=${MARKER}`, type: 'application/x-www-form-urlencoded' }, expected: [405, 'This page answers GET and POST only.'] });
        }
        for (const bad of ['%00%ff', '%E0%A4%A', '%', `${tokenOf(route.path)}%ff`]) {
          for (const method of ['GET', 'POST']) cases.push({ name: `${method} /${page}/${bad}`, path: `/${page}/${bad}`, sent: { method }, expected: [400, 'This address is not valid'] });
        }
        cases.push({ name: `GET /${page}/ with a 5 kB token`, path: `/${page}/${'A'.repeat(5000)}`, sent: { method: 'GET' }, expected: [403, 'This link is not valid'] });
        cases.push({ name: `GET /${page}/ with control characters`, path: `/${page}/%00%01%1b[31m`, sent: { method: 'GET' }, expected: [403, 'This link is not valid'] });
      }
      for (const path of ['/healthz', '/assets/style.css']) {
        cases.push({ name: `POST ${path}`, path, sent: { method: 'POST', body: `comment=${MARKER}`, type: 'application/x-www-form-urlencoded' }, expected: [405, 'This page answers GET only.'] });
        cases.push({ name: `DELETE ${path}`, path, sent: { method: 'DELETE' }, expected: [405, 'This page answers GET only.'] });
      }
      cases.push({ name: 'POST /outbox with a 1 MB body', path: '/outbox', sent: bodies['a 1 MB body']!, expected: [413, 'This form is too large'] });
      cases.push({ name: 'GET /outbox/message/%ff', path: '/outbox/message/%ff', sent: { method: 'GET' }, expected: [400, 'This address is not valid'] });
      cases.push({ name: 'GET /nowhere/%ff', path: '/nowhere/%ff', sent: { method: 'GET' }, expected: [404, 'There is no page here.'] });

      const outcomes: { name: string; status: number; named: boolean; allow?: string | null }[] = [];
      const wanted: { name: string; status: number; named: boolean; allow?: string | null }[] = [];
      try {
        for (const { name, path, sent, expected } of cases) {
          const response = await fetch(`${url}${path}`, {
            method: sent.method ?? 'POST',
            body: sent.body,
            headers: sent.type ? { 'content-type': sent.type } : {},
            redirect: 'manual',
          });
          const page = await response.text();
          const allow = expected[0] === 405 ? response.headers.get('allow') : undefined;
          outcomes.push({ name, status: response.status, named: page.includes(expected[1]) && response.headers.get('content-type')!.includes('text/html'), ...(allow !== undefined ? { allow } : {}) });
          wanted.push({ name, status: expected[0], named: true, ...(allow !== undefined ? { allow: expected[1].includes('GET and POST') ? 'GET, POST' : 'GET' } : {}) });
        }
      } finally {
        for (const spy of spies) spy.mockRestore();
      }
      expect(outcomes).toEqual(wanted);
      expect(cases.length).toBeGreaterThan(80);

      // At most one bounded line per request, with no body, no token and nothing of the 1 MB.
      expect(logged.length).toBeLessThanOrEqual(cases.length);
      for (const line of logged) {
        expect(line.length).toBeLessThanOrEqual(LOG_LINE_LIMIT);
        expect(line).not.toContain(MARKER);
        expect(line).not.toContain('xxxxxxxxxx');
        for (const token of tokens) expect(line).not.toContain(token.slice(0, 24));
      }
      expect(logged.some((line) => line.includes('413 POST /review/<token> This form is too large'))).toBe(true);

      // Nothing changed: no vote, no decision, not a single history event.
      expect(await historyLength()).toBe(before);
      const status = await client.getIdea(ideaId);
      expect(status.round!.votes).toEqual([]);
      expect(status.decisions).toEqual([]);
    });
  });
});
