import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { Counter, Histogram, Registry } from 'prom-client';
import { LinkError, linkBuilder, verifyLink, type LinkClaims, type LinkPurpose } from '../../links';
import { serveMetrics } from '../../worker/metrics';
import type { Store } from '../../store';
import type { Settings } from '../../config/settings';
import { decisionLabelsOf, type DecisionLabels } from '../../config/process';
import { StageGateError, type IdeaStatus, type RecordedVote, type StageGateClient, type VoteReceipt } from '../sdk';
import { html, layout, STYLESHEET, type Html } from './html';
import { askedIn, mayVote } from '../../workflows/round';
import { clock, closedPage, decidePage, EMPTY_FORM, handedOverPage, kpiEntryPage, kpiRecordedPage, linkSentPage, mergedPage, pendingPage, problemPage, reviewPage, votedPage, type ClaimedGoal, type KpiForm, type VoteForm } from './pages';
import { outboxRoutes } from './outbox';
import { planForm, planFromForm, planHandedInPage, planPage, readPlanForm, type PlanForm } from './plan';
import { dashboardRoutes } from './dashboard';
import { codecRoutes } from './codec';
import { Lockout } from './lockout';
import { API_BASE, apiRouter } from './api/routes';
import { PORTAL_METHODS, portalRoutes, type PortalConfirmations } from './portal';
import type { EventSource } from '../../reports';
import { numberSeparators, readKpiNumber } from '../../workflows/kpi-rules';

export interface WebServerOptions {
  client: StageGateClient;
  settings: Settings;
  /** The local outbox to show at /outbox; only the embedded default has one. */
  outbox?: Store;
  /** The events log the dashboard's reports read; no dashboard without it. */
  events?: EventSource;
  /** Requests per minute one address may make to the link pages. */
  rateLimitPerMinute?: number;
  /** The counters this app adds to; its own when not given. */
  metrics?: WebMetrics;
  /** Sends the portal's confirmation emails (worker/confirmations.ts); without it the portal takes ideas from staff addresses only. */
  confirmations?: PortalConfirmations;
}

/** The one thing logged of a request that went wrong: method, path with any token hidden, what went wrong; never a body, a token or a password. */
const LOG_EXCERPT_CHARS = 300;
export function logExcerpt(request: Pick<Request, 'method' | 'originalUrl'>, status: number, what: string): string {
  const path = request.originalUrl.split('?')[0]!.replace(/^\/(review|decide|reviewer|kpi|plan|follow|confirm)\/[^/]*/, '/$1/<token>').slice(0, 120);
  return `stagegate web: ${status} ${request.method.slice(0, 10)} ${path} ${what}`.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?').slice(0, LOG_EXCERPT_CHARS);
}

/** What body-parser and the router throw for a request that cannot be read, as the page that says so. */
const UNREADABLE: Record<string, { status: number; title: string; line: string }> = {
  'entity.too.large': { status: 413, title: 'This form is too large', line: 'A form sent here may be at most 64 kB.' },
  'parameters.too.many': { status: 413, title: 'This form has too many fields', line: 'A form sent here may have at most 100 fields.' },
  'entity.parse.failed': { status: 400, title: 'This form cannot be read', line: 'Send it again from the page.' },
  'encoding.unsupported': { status: 415, title: 'This form cannot be read', line: 'Its content encoding is not supported.' },
  'charset.unsupported': { status: 415, title: 'This form cannot be read', line: 'Send it in UTF-8.' },
  'request.aborted': { status: 400, title: 'The form did not arrive', line: 'Send it again from the page.' },
  'entity.verify.failed': { status: 400, title: 'This form cannot be read', line: 'Send it again from the page.' },
};

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  // Token pages must never leak their address to the sites their links point to.
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
};

function send(response: Response, status: number, title: string, body: Html): void {
  response.status(status).type('html').send(layout(title, body));
}

/** Why a link cannot be used, as a page with the right status; nothing changes. */
class PageError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly body: Html,
  ) {
    super(title);
  }
}

export function createWebApp(options: WebServerOptions): express.Express {
  const { client, settings } = options;
  if (!settings.linkSecret) throw new Error('The web server needs STAGEGATE_LINK_SECRET (at least 32 characters), the same key the workers sign links with.');
  const secret = settings.linkSecret;
  const links = linkBuilder(settings);
  const when = clock(settings.calendar?.timeZone);
  const separators = numberSeparators(settings.locale);
  const app = express();
  app.disable('x-powered-by');
  // Off unless an operator names their proxy: a rate limit or lockout keyed on a header anyone can
  // send would hold nobody back.
  app.set('trust proxy', settings.trustProxy);
  // Wrong admin keys are counted once for every page that takes the key.
  const adminLockout = new Lockout();
  app.use((_request, response, next) => {
    response.set(SECURITY_HEADERS);
    next();
  });
  // Before the form parser: the codec endpoint reads JSON bodies of its own size.
  if (client.codec) app.use('/codec', codecRoutes({ codec: client.codec, adminKey: settings.adminKey, corsOrigin: settings.codecCorsOrigin, lockout: adminLockout }));
  // Before the form parser too: the HTTP API takes JSON only.
  app.use(API_BASE, apiRouter({ client, settings }));
  app.use(express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 100 }));
  // Forms only: a JSON (or any other) body on a page's POST is named, not half-read.
  app.use((request, _response, next) => {
    const hasBody = request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;
    if (request.method === 'POST' && hasBody && !request.is('application/x-www-form-urlencoded')) {
      return next(new PageError(415, 'Send this as a web form', problemPage('Send this as a web form', ['This page takes what its own form sends (application/x-www-form-urlencoded), not JSON or other formats.'])));
    }
    request.body ??= {};
    next();
  });

  app.get('/healthz', (_request, response) => {
    response.json({ status: 'ok' });
  });

  const metrics = options.metrics ?? webMetrics();
  app.use((request, response, next) => {
    response.on('finish', () => metrics.requests.inc({ page: request.route?.path ? String(request.baseUrl + request.route.path) : 'other', status: String(response.statusCode) }));
    next();
  });
  app.get('/assets/style.css', (_request, response) => {
    response.set('Cache-Control', 'public, max-age=3600').type('css').send(STYLESHEET);
  });

  const linkPages = rateLimit({
    windowMs: 60_000,
    limit: options.rateLimitPerMinute ?? 60,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    // Keyed on req.ip: the socket's address unless a trusted proxy is configured. With trust proxy
    // off, a spoofed X-Forwarded-For is simply ignored, which is what is meant.
    validate: { xForwardedForHeader: false },
    handler: (_request, response) => send(response, 429, 'Too many requests', problemPage('Too many requests', ['Please wait a minute and try again.'])),
  });
  app.use(['/review', '/decide', '/reviewer', '/kpi', '/plan', '/follow', '/confirm'], linkPages);
  app.use(portalRoutes({ client, settings: { ...settings, linkSecret: secret }, confirmations: options.confirmations }));

  /** The verified claims of a link for this page, or a page saying why not. */
  function claimsFor(token: string, purpose: LinkPurpose): LinkClaims {
    try {
      return verifyLink(secret, token, purpose);
    } catch (err) {
      if (!(err instanceof LinkError)) throw err;
      const title = err.problem === 'expired' ? 'This link has expired' : 'This link is not valid';
      throw new PageError(err.problem === 'expired' ? 410 : 403, title, problemPage(title, [err.message]));
    }
  }

  /** The idea a link names, or a page saying it is not known. */
  async function linkedIdea(claims: LinkClaims): Promise<IdeaStatus> {
    const idea = await client.getIdea(claims.ideaId!).catch((err: unknown) => {
      if (err instanceof StageGateError && err.code === 'unknown-idea') throw new PageError(404, 'Unknown idea', problemPage('This idea is not known', ['The link names an idea this stagegate does not have.']));
      throw err;
    });
    if (idea.stopped) {
      throw new PageError(410, 'This idea was stopped', problemPage('This idea was stopped', [`“${idea.title}” is not moving on: its journey was ${idea.stopped} while it was ${idea.status.replace('-', ' ')} in ${idea.stage.name}.`, `Ask whoever runs stagegate to look at it (stagegate idea show ${idea.ideaId}).`]));
    }
    return idea;
  }

  /** The idea a round link names, if that round is still open; otherwise a page saying who decided what. */
  async function openRound(claims: LinkClaims): Promise<IdeaStatus> {
    const idea = await linkedIdea(claims);
    const round = idea.round;
    if (idea.status !== 'in-review' || !round || round.phase === 'closing' || round.gate !== claims.gate || round.round !== claims.round) {
      throw new PageError(410, 'This review is closed', closedPage({ idea, gate: claims.gate, round: claims.round, when }));
    }
    return idea;
  }

  /** The open round of a review link, for a reviewer of that round. */
  async function reviewRound(claims: LinkClaims): Promise<IdeaStatus> {
    const idea = await openRound(claims);
    if (!mayVote(idea.round!, claims.email)) {
      const gone = idea.round!.replaced?.find((replaced) => replaced.from === claims.email);
      if (gone) {
        const how = gone.why === 'delegated' ? `You handed this review to ${gone.to} on ${when(gone.at)}.` : `This review was reassigned${gone.to ? ` to ${gone.to}` : ''} on ${when(gone.at)}: the people directory no longer has you as an active reviewer.`;
        throw new PageError(410, 'This review was handed over', problemPage('This review is no longer yours', [how, 'This link no longer works.']));
      }
      throw new PageError(403, 'Not a reviewer', problemPage('You are not a reviewer of this gate', [`${claims.email} is not among the reviewers of ${idea.round!.gateName}, nor holds delegated authority in it.`]));
    }
    return idea;
  }

  /** The receipt page of the vote this reviewer already cast in the idea's open round, if there is one; true when sent. */
  function sendEarlierVote(response: Response, idea: IdeaStatus, reviewer: string): boolean {
    const earlier = idea.round?.votes.find((vote) => vote.reviewer === reviewer);
    if (!earlier) return false;
    send(response, 200, 'Vote recorded', votedPage({ idea, receipt: receiptOf(idea, earlier), reviewerName: earlier.reviewerName, when, repeated: true, ...wordsFor(idea) }));
    return true;
  }

  /**
   * What a page says of an idea in the firm's own words: its process template's names for the
   * decisions (the current template of that id; the journey keeps deciding the same) and the
   * strategic goals it claims, described as the settings describe them.
   */
  function wordsFor(idea: IdeaStatus): { labels?: DecisionLabels; goals: ClaimedGoal[] } {
    const labels = client.processes().get(idea.process.id)?.decisionLabels;
    const goals = idea.strategicGoals.map((id) => settings.goals.find((goal) => goal.id === id) ?? { id, name: id, description: '' });
    return { ...(labels ? { labels } : {}), goals };
  }

  const action = (handler: (request: Request, response: Response) => Promise<void>) => (request: Request, response: Response, next: NextFunction) => {
    handler(request, response).catch(next);
  };

  app.get(
    '/review/:token',
    action(async (request, response) => {
      const claims = claimsFor(String(request.params.token), 'review');
      const idea = await reviewRound(claims);
      if (sendEarlierVote(response, idea, claims.email)) return;
      // Opening the page changes nothing; only a reviewer's first opening is noted, so prefetching
      // scanners approve nothing and a reloading tab adds nothing to the idea's history.
      if (!idea.round!.opened?.includes(claims.email)) await client.reviewOpened(idea.ideaId, { reviewer: claims.email, round: claims.round! }).catch(() => undefined);
      const plan = await client.pilotPlan(idea.ideaId).catch(() => undefined);
      send(response, 200, idea.round!.gateName, reviewPage({ idea, reviewer: claims.email, form: EMPTY_FORM, errors: [], action: request.originalUrl, pendingLink: links.pending(claims.email, claims.expiresAt), when, plan, ...wordsFor(idea) }));
    }),
  );

  app.post(
    '/review/:token',
    action(async (request, response) => {
      const claims = claimsFor(String(request.params.token), 'review');
      // A vote after the gate closed gets a page saying who decided what and when.
      const idea = await reviewRound(claims);
      if (sendEarlierVote(response, idea, claims.email)) return;
      const body = request.body as Record<string, unknown>;
      const form = voteForm(body);
      // The reviewer hands the review to a colleague: their own link authorises it, as it does a vote.
      if (typeof body['delegate-to'] === 'string') {
        const to = body['delegate-to'].trim();
        try {
          const receipt = await client.delegateReview(idea.ideaId, { reviewer: claims.email, to, gate: claims.gate, round: claims.round, via: 'link' });
          const name = client.people().people.find((person) => person.email === receipt.to)?.name ?? receipt.to!;
          return send(response, 200, 'Handed over', handedOverPage({ idea, to: receipt.to!, toName: name }));
        } catch (err) {
          if (!(err instanceof StageGateError)) throw err;
          if (err.code === 'gate-closed' || err.code === 'idea-ended' || err.code === 'already-voted' || err.code === 'not-a-reviewer') {
            const now = await client.getIdea(idea.ideaId);
            if (sendEarlierVote(response, now, claims.email)) return;
            return send(response, 410, 'This review is closed', closedPage({ idea: now, gate: claims.gate, round: claims.round, when, ...wordsFor(now) }));
          }
          const status = err.code === 'no-worker' || err.code === 'server-unreachable' ? 503 : err.code === 'not-allowed' ? 403 : err.code === 'invalid-input' ? 422 : 409;
          return send(response, status, idea.round!.gateName, reviewPage({ idea, form: EMPTY_FORM, reviewer: claims.email, errors: [err.message], action: request.originalUrl, pendingLink: links.pending(claims.email, claims.expiresAt), when, delegateTo: to, plan: await client.pilotPlan(idea.ideaId).catch(() => undefined), ...wordsFor(idea) }));
        }
      }
      // A screener's merge of the idea into a similar one, from the similar ideas' forms.
      if (typeof body['merge-into'] === 'string') {
        const into = body['merge-into'];
        try {
          await client.merge(idea.ideaId, { into, by: claims.email, reason: text(body['merge-reason']), via: 'link' });
        } catch (err) {
          if (!(err instanceof StageGateError)) throw err;
          const status = err.code === 'no-worker' || err.code === 'server-unreachable' ? 503 : err.code === 'not-allowed' ? 403 : err.code === 'invalid-input' ? 422 : 409;
          return send(response, status, idea.round!.gateName, reviewPage({ idea, form: EMPTY_FORM, reviewer: claims.email, errors: [err.message], action: request.originalUrl, pendingLink: links.pending(claims.email, claims.expiresAt), when, plan: await client.pilotPlan(idea.ideaId).catch(() => undefined) }));
        }
        const merged = await client.waitFor(idea.ideaId, (now) => now.status === 'merged').catch(() => undefined);
        return send(response, 200, 'Merged', mergedPage({ idea: merged ?? idea, into }));
      }
      const problems: string[] = [];
      const scores: Record<string, number> = {};
      for (const criterion of idea.round!.criteria) {
        const value = Number(form.scores[criterion.id]);
        if (!Number.isInteger(value) || value < 1 || value > 5) problems.push(`Give ${criterion.label} (${criterion.id}) a score from 1 to 5.`);
        else scores[criterion.id] = value;
      }
      if (!form.decision) problems.push('Choose a decision.');
      const conditions = form.conditions.split('\n').map((line) => line.trim()).filter(Boolean);
      if (form.decision === 'conditional-go' && conditions.length === 0) problems.push('A conditional go needs at least one condition.');
      // The plan is read only to show the form again, never on the way to a vote.
      const retry = async (status: number, errors: string[], shown?: { idea: IdeaStatus; form: VoteForm; plan?: Awaited<ReturnType<StageGateClient['pilotPlan']>> }) => {
        const page = shown ?? { idea, form, plan: await client.pilotPlan(idea.ideaId).catch(() => undefined) };
        send(response, status, page.idea.round!.gateName, reviewPage({ ...page, reviewer: claims.email, errors, action: request.originalUrl, pendingLink: links.pending(claims.email, claims.expiresAt), when, ...wordsFor(page.idea) }));
      };
      if (problems.length) return retry(422, problems);
      const stopTimer = metrics.voteLatency.startTimer();
      try {
        const receipt = await client.castVote(idea.ideaId, {
          reviewer: claims.email,
          decision: form.decision as never,
          scores,
          comment: form.comment,
          conditions: form.decision === 'conditional-go' ? conditions : [],
          gate: claims.gate,
          round: claims.round,
          fingerprint: form.fingerprint || undefined,
          ...(form.category ? { category: form.category as never } : {}),
          via: 'link',
        });
        stopTimer();
        metrics.votes.inc({ decision: receipt.decision });
        const name = askedIn(idea.round!).find((person) => person.email === claims.email)?.name ?? claims.email;
        send(response, 200, 'Vote recorded', votedPage({ idea: await client.getIdea(idea.ideaId), receipt, reviewerName: name, when, repeated: false, ...wordsFor(idea) }));
      } catch (err) {
        if (!(err instanceof StageGateError)) throw err;
        const now = await client.getIdea(idea.ideaId);
        if (err.code === 'already-voted' && sendEarlierVote(response, now, claims.email)) return;
        if (err.code === 'already-voted' || err.code === 'gate-closed' || err.code === 'idea-ended') {
          return send(response, 410, 'This review is closed', closedPage({ idea: now, gate: claims.gate, round: claims.round, when, ...wordsFor(now) }));
        }
        if (err.code === 'no-worker' || err.code === 'server-unreachable') return retry(503, [err.message]);
        // Cast on a package since revised, plan and all: the page shows the package as it is now.
        if (err.code === 'stale-package') return retry(409, [err.message], { idea: now, form: { ...form, fingerprint: undefined }, plan: await client.pilotPlan(idea.ideaId).catch(() => undefined) });
        return retry(422, [err.message]);
      }
    }),
  );

  app.get(
    '/decide/:token',
    action(async (request, response) => {
      const claims = claimsFor(String(request.params.token), 'decide');
      const idea = await openRound(claims);
      send(response, 200, `Decide ${idea.round!.gateName}`, decidePage({ idea, contact: claims.email, form: { reason: '', conditions: '' }, errors: [], action: request.originalUrl, when, ...wordsFor(idea) }));
    }),
  );

  app.post(
    '/decide/:token',
    action(async (request, response) => {
      const claims = claimsFor(String(request.params.token), 'decide');
      const idea = await openRound(claims);
      const body = request.body as Record<string, unknown>;
      const form = { decision: typeof body.decision === 'string' ? body.decision : undefined, reason: text(body.reason), conditions: text(body.conditions) };
      const conditions = form.conditions.split('\n').map((line) => line.trim()).filter(Boolean);
      const retry = (status: number, errors: string[]) => send(response, status, `Decide ${idea.round!.gateName}`, decidePage({ idea, contact: claims.email, form, errors, action: request.originalUrl, when, ...wordsFor(idea) }));
      const problems = [!form.decision && 'Choose a decision.', !form.reason.trim() && 'Give a reason: the submitter and the reviewers will read it.', form.decision === 'conditional-go' && conditions.length === 0 && 'A conditional go needs at least one condition.'].filter((p): p is string => typeof p === 'string');
      if (problems.length) return retry(422, problems);
      try {
        await client.overrideDecision(idea.ideaId, { by: claims.email, decision: form.decision as never, reason: form.reason, conditions: form.decision === 'conditional-go' ? conditions : [], gate: claims.gate, round: claims.round, via: 'link' });
      } catch (err) {
        if (!(err instanceof StageGateError)) throw err;
        if (err.code === 'gate-closed' || err.code === 'idea-ended') {
          return send(response, 410, 'This review is closed', closedPage({ idea: await client.getIdea(idea.ideaId), gate: claims.gate, round: claims.round, when, ...wordsFor(idea) }));
        }
        return retry(err.code === 'no-worker' || err.code === 'server-unreachable' ? 503 : 422, [err.message]);
      }
      send(response, 200, 'Decision recorded', html`<div class="notice success" role="status"><p><strong>Recorded: ${form.decision}.</strong></p></div><h1>Thank you</h1><p>The submitter, the champion and the reviewers of “${idea.title}” are told, with your reason.</p>`);
    }),
  );

  app.get(
    '/reviewer/:token',
    action(async (request, response) => {
      const claims = claimsFor(String(request.params.token), 'reviewer');
      // Lists the rounds; mints no link. Each round's link comes by email, from the round or from the button.
      const pending = await client.pendingReviews(claims.email);
      send(response, 200, 'Waiting on you', pendingPage({ name: reviewerName(claims.email), pending, action: request.originalUrl, when }));
    }),
  );

  app.post(
    '/reviewer/:token',
    action(async (request, response) => {
      const claims = claimsFor(String(request.params.token), 'reviewer');
      const body = request.body as Record<string, unknown>;
      const round = Number(text(body.round));
      const [ideaId, gate] = [text(body.ideaId), text(body.gate)];
      if (!ideaId || !gate || !Number.isInteger(round) || round < 1) {
        throw new PageError(422, 'Which review?', problemPage('Which review?', ['Press “Email me the review link” beside one of the reviews on your page.']));
      }
      try {
        const result = await client.sendReviewLink(ideaId, { reviewer: claims.email, gate, round });
        send(response, 200, 'Review link on its way', linkSentPage({ to: result.to, sent: result.sent, back: request.originalUrl }));
      } catch (err) {
        if (!(err instanceof StageGateError)) throw err;
        if (err.code === 'unknown-idea' || err.code === 'invalid-input') throw new PageError(404, 'Unknown idea', problemPage('This idea is not known', ['Your page names no such review.']));
        if (err.code === 'gate-closed' || err.code === 'already-voted') throw new PageError(410, 'This review is closed', problemPage('This review is not waiting on you', [err.message, 'No link was sent.']));
        if (err.code === 'not-a-reviewer') throw new PageError(403, 'Not a reviewer', problemPage('You are not a reviewer of this gate', [err.message, 'No link was sent.']));
        throw err;
      }
    }),
  );

  /** The idea a plan link names, while the stage it is for is being worked on, with what may be planned; a page saying why not otherwise. */
  async function planning(claims: LinkClaims) {
    const idea = await linkedIdea(claims);
    const template = idea.stage.id === claims.gate && !['launched', 'killed', 'withdrawn', 'merged'].includes(idea.status) ? await client.pilotPlan(idea.ideaId) : undefined;
    if (!template) {
      throw new PageError(410, 'This plan is closed', problemPage('This plan is closed', [`“${idea.title}” has moved on from the stage this link is for; the plan in its package is the one its gate decided on.`]));
    }
    return { idea, template };
  }

  app.get(
    '/plan/:token',
    action(async (request, response) => {
      const claims = claimsFor(String(request.params.token), 'plan');
      const { idea, template } = await planning(claims);
      if (idea.stage.ready) return send(response, 200, 'Plan handed in', planHandedInPage({ idea, template }));
      send(response, 200, 'Plan the pilot', planPage({ idea, template, form: planForm(template.defaults), errors: [], action: request.originalUrl }));
    }),
  );

  app.post(
    '/plan/:token',
    action(async (request, response) => {
      const claims = claimsFor(String(request.params.token), 'plan');
      const { idea, template } = await planning(claims);
      // Sent twice (a double tap, a refresh): the first one counted; the page says what it handed in.
      if (idea.stage.ready) return response.redirect(303, request.originalUrl);
      const form: PlanForm = readPlanForm(request.body as Record<string, unknown>);
      const retry = (status: number, errors: string[]) => send(response, status, 'Plan the pilot', planPage({ idea, template, form, errors, action: request.originalUrl }));
      const { plan, problems } = planFromForm(form);
      if (problems.length) return retry(422, problems);
      try {
        await client.markReady(idea.ideaId, { by: claims.email, notes: form.notes, pilot: plan, via: 'link' }, { planSource: 'plan' });
      } catch (err) {
        if (!(err instanceof StageGateError)) throw err;
        if (err.code === 'wrong-status' && (await client.getIdea(idea.ideaId)).stage.ready) return response.redirect(303, request.originalUrl);
        return retry(err.code === 'no-worker' || err.code === 'server-unreachable' ? 503 : 422, err.message.split('\n'));
      }
      response.redirect(303, request.originalUrl);
    }),
  );

  function reviewerName(email: string): string {
    return client.people().people.find((candidate) => candidate.email === email)?.name ?? email;
  }

  /** The champion's running pilot that a KPI link names; a page saying why not otherwise. */
  async function runningPilot(claims: LinkClaims) {
    const idea = await linkedIdea(claims);
    const pilot = idea.stage.pilot;
    if (idea.stage.id !== claims.gate || !pilot || pilot.run !== claims.round || pilot.endedAt) {
      throw new PageError(410, 'This pilot has ended', problemPage('This pilot has ended', [`Readings for “${idea.title}” are closed; its gate has the results.`]));
    }
    return { idea, pilot: await client.pilotStatus(idea.ideaId) };
  }

  /** A fresh one-time id for a KPI form: two POSTs of the same form carry the same one, and record once. */
  const newNonce = () => randomBytes(16).toString('base64url');

  app.get(
    '/kpi/:token',
    action(async (request, response) => {
      const claims = claimsFor(String(request.params.token), 'kpi');
      const { idea, pilot } = await runningPilot(claims);
      send(response, 200, 'Pilot readings', kpiEntryPage({ idea, pilot, form: { values: {}, errors: {}, nonce: newNonce() }, action: request.originalUrl, when, decimal: separators.decimal }));
    }),
  );

  app.post(
    '/kpi/:token',
    action(async (request, response) => {
      const claims = claimsFor(String(request.params.token), 'kpi');
      const body = request.body as Record<string, unknown>;
      const nonce = text(body.form);
      const recordedAt = `/kpi/${String(request.params.token)}/recorded/${nonce}`;
      // The same form again (a double tap, a resubmit after going back) even after its reading ended the pilot: its confirmation.
      if (NONCE.test(nonce) && (await client.kpiForm(claims.ideaId!, nonce).catch(() => undefined))) return response.redirect(303, recordedAt);
      const { idea, pilot } = await runningPilot(claims);
      const form: KpiForm = { values: { note: text(body.note) }, errors: {}, nonce: NONCE.test(nonce) ? nonce : newNonce() };
      const readings: { kpi: string; value: number }[] = [];
      // Every value is read before anything is sent: one bad value records none of them.
      for (const kpi of pilot.summary.filter((one) => one.manual !== false)) {
        const raw = text(body[`kpi.${kpi.kpi}`]).trim();
        form.values[kpi.kpi] = raw;
        if (!raw) continue;
        const reading = readKpiNumber(raw, separators);
        if ('problem' in reading) form.errors[kpi.kpi] = `${reading.problem}.`;
        else readings.push({ kpi: kpi.kpi, value: reading.value });
      }
      if (!NONCE.test(nonce)) form.errors.form = 'This form is out of date: check the values and send it again.';
      else if (readings.length === 0 && Object.keys(form.errors).length === 0) form.errors.form = 'Enter at least one reading.';
      const retry = (status: number) => send(response, status, 'Pilot readings', kpiEntryPage({ idea, pilot, form, action: request.originalUrl, when, decimal: separators.decimal }));
      if (Object.keys(form.errors).length) return retry(422);
      try {
        await client.recordKpiReadings(idea.ideaId, { readings, by: claims.email, note: form.values.note, form: nonce, via: 'link' });
      } catch (err) {
        if (!(err instanceof StageGateError)) throw err;
        if (err.code === 'pilot-ended' || err.code === 'wrong-status') throw new PageError(410, 'This pilot has ended', problemPage('This pilot has ended', [err.message]));
        form.errors.form = err.message;
        return retry(err.code === 'no-worker' || err.code === 'server-unreachable' || err.code === 'pilot-busy' ? 503 : 422);
      }
      // POST, redirect, GET: reloading the confirmation, or sending the same form again, records nothing more.
      response.redirect(303, recordedAt);
    }),
  );

  app.get(
    '/kpi/:token/recorded/:form',
    action(async (request, response) => {
      const claims = claimsFor(String(request.params.token), 'kpi');
      const idea = await linkedIdea(claims);
      const formId = String(request.params.form);
      const receipts = NONCE.test(formId) && idea.stage.id === claims.gate && idea.stage.pilot?.run === claims.round ? await client.kpiForm(idea.ideaId, formId) : undefined;
      if (!receipts) throw new PageError(404, 'Nothing recorded', problemPage('Nothing was recorded with this form', ['Open the KPI link from your email again to enter readings.']));
      const pilot = idea.stage.pilot!.endedAt ? undefined : await client.pilotStatus(idea.ideaId).catch(() => undefined);
      const summary = pilot?.summary ?? idea.stage.pilot!.summary ?? [];
      send(response, 200, 'Readings recorded', kpiRecordedPage({ idea, receipts, summary, pilot, back: pilot ? `/kpi/${String(request.params.token)}` : undefined, when }));
    }),
  );

  if (options.events) app.use('/dashboard', dashboardRoutes({ events: options.events, adminKey: settings.adminKey, lockout: adminLockout, context: { goals: settings.goals, decisionLabels: decisionLabelsOf(client.processes().values()) } }));
  if (options.outbox) app.use('/outbox', outboxRoutes(options.outbox, when));

  // A page that exists answers other methods with 405 and what it allows, not "no page here".
  for (const [path, allowed] of Object.entries(ROUTE_METHODS)) {
    app.all(path, (request, response) => {
      response.set('Allow', allowed.join(', '));
      console.warn(logExcerpt(request, 405, 'method not allowed'));
      send(response, 405, 'Method not allowed', problemPage('Method not allowed', [`This page answers ${allowed.join(' and ')} only.`]));
    });
  }
  app.use((_request, response) => send(response, 404, 'Not found', problemPage('Not found', ['There is no page here.'])));
  app.use((err: unknown, request: Request, response: Response, _next: NextFunction) => {
    if (err instanceof PageError) return send(response, err.status, err.title, err.body);
    if (err instanceof StageGateError && (err.code === 'no-worker' || err.code === 'server-unreachable')) return send(response, 503, 'Try again', problemPage('stagegate is busy', [err.message]));
    const unreadable = unreadableRequest(err);
    if (unreadable) {
      console.warn(logExcerpt(request, unreadable.status, unreadable.title));
      return send(response, unreadable.status, unreadable.title, problemPage(unreadable.title, [unreadable.line]));
    }
    console.error(logExcerpt(request, 500, err instanceof Error ? `${err.name}: ${err.message}` : 'a non-error was thrown'));
    send(response, 500, 'Something went wrong', problemPage('Something went wrong', ['Please try again in a moment.']));
  });
  return app;
}

const ROUTE_METHODS: Record<string, string[]> = {
  '/healthz': ['GET'],
  '/assets/style.css': ['GET'],
  '/review/:token': ['GET', 'POST'],
  '/decide/:token': ['GET', 'POST'],
  '/reviewer/:token': ['GET', 'POST'],
  '/kpi/:token': ['GET', 'POST'],
  '/plan/:token': ['GET', 'POST'],
  '/kpi/:token/recorded/:form': ['GET'],
  ...PORTAL_METHODS,
};

/** A KPI form's one-time id, as issued with the page. */
const NONCE = /^[A-Za-z0-9_-]{22}$/;

/** A request the server could not read (body too large, too many fields, a path that is not valid percent-encoding), or undefined. */
function unreadableRequest(err: unknown): { status: number; title: string; line: string } | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { type, status } = err as { type?: unknown; status?: unknown };
  if (typeof type === 'string' && UNREADABLE[type]) return UNREADABLE[type];
  // The router's own: a path whose percent-encoding does not decode.
  if (err instanceof URIError || (status === 400 && err instanceof Error && /decode param/i.test(err.message))) return { status: 400, title: 'This address is not valid', line: 'Part of it is not valid percent-encoding. Open the link from the message again.' };
  if (typeof status === 'number' && status >= 400 && status < 500) return { status, title: 'This request cannot be served', line: 'Open the page from its link again.' };
  return undefined;
}

/** What the web server tells Prometheus, cheap to scrape: votes and their latency, requests. Ideas by status come from the worker. */
export function webMetrics(registry = new Registry()) {
  return {
    registry,
    votes: new Counter({ name: 'stagegate_votes_total', help: 'Votes cast from review pages', labelNames: ['decision'], registers: [registry] }),
    voteLatency: new Histogram({
      name: 'stagegate_vote_latency_seconds',
      help: 'From pressing "Record my vote" to the journey accepting it',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
      registers: [registry],
    }),
    requests: new Counter({ name: 'stagegate_http_requests_total', help: 'Web requests by page and status', labelNames: ['page', 'status'], registers: [registry] }),
  };
}

export type WebMetrics = ReturnType<typeof webMetrics>;

/** The receipt of a vote already in the open round, as castVote would have answered it. */
function receiptOf(idea: IdeaStatus, vote: RecordedVote): VoteReceipt {
  const round = idea.round!;
  return { ideaId: idea.ideaId, gate: round.gate, round: round.round, reviewer: vote.reviewer, decision: vote.decision, castAt: vote.castAt, votesIn: round.votes.length, votesNeeded: round.votesNeeded };
}

const text = (value: unknown) => (typeof value === 'string' ? value : '');

function voteForm(body: Record<string, unknown>): VoteForm {
  const scores: Record<string, string> = {};
  for (const [key, value] of Object.entries(body)) {
    if (key.startsWith('score.') && typeof value === 'string') scores[key.slice('score.'.length)] = value;
  }
  return {
    decision: typeof body.decision === 'string' ? body.decision : undefined,
    scores,
    comment: text(body.comment),
    conditions: text(body.conditions),
    fingerprint: typeof body.fingerprint === 'string' ? body.fingerprint : undefined,
    category: typeof body.category === 'string' && body.category ? body.category : undefined,
  };
}

/** Starts the web server; resolves once it listens, with its address. */
export async function startWebServer(
  options: WebServerOptions & { host?: string; port?: number; metricsPort?: number },
): Promise<{ server: Server; url: string; metricsUrl?: string; close(): Promise<void> }> {
  const metrics = webMetrics();
  const metricsPort = options.metricsPort ?? options.settings.webMetricsPort;
  const served = metricsPort ? await serveMetrics({ registry: metrics.registry, port: metricsPort, host: options.settings.metricsHost }) : undefined;
  const app = createWebApp({ ...options, metrics });
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(options.port ?? options.settings.webPort, options.host ?? options.settings.webHost, (err?: Error) => (err ? reject(err) : resolve(listening)));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.settings.webPort;
  return {
    server,
    url: `http://${options.host ?? options.settings.webHost}:${port}`,
    metricsUrl: served?.url,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await served?.close();
    },
  };
}
