import express, { type NextFunction, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import type { ApiKey, ApiScope, Settings } from '../../../config/settings';
import { findReport } from '../../../reports';
import { numberSeparators } from '../../../workflows/kpi-rules';
import { StageGateError, type CampaignView, type StageGateClient } from '../../sdk';
import { Lockout } from '../lockout';
import { apiKeyOf, authenticate, refuseWithoutScope } from './keys';
import { openApiDocument } from './openapi';
import { ApiProblem, invalid, problem, sendProblem } from './problems';
import { campaignUrl } from '../portal-links';
import {
  campaignBody,
  campaignCloseBody,
  campaignListSchema,
  campaignPathSchema,
  campaignViewSchema,
  holdBody,
  ideaPageSchema,
  ideaPathSchema,
  ideaSchema,
  ideaView,
  idempotencyKeyHeader,
  kpiReadingBodyFor,
  kpiReceiptSchema,
  listQuery,
  readyBody,
  reportPathSchema,
  reportQuery,
  reportSchema,
  resumeBody,
  type Problem,
  submissionBody,
  submittedSchema,
  voteBody,
  voteReceiptSchema,
} from './schemas';

export const API_BASE = '/api/v1';
/** The largest JSON body the API reads. */
export const API_BODY_LIMIT = '64kb';

/**
 * What a handler is given: the path and query parsed, the body as sent once its schema passed it
 * (the SDK parses it again, so what a schema turns into, a duration's milliseconds, is not sent back
 * in), the SDK, and who is asking.
 */
interface Call<Params, Query, Body> {
  client: StageGateClient;
  params: Params;
  query: Query;
  body: Body;
  key: ApiKey;
  request: Request;
  response: Response;
}

/** A route of the API, described once: the router serves it and the OpenAPI document says it. */
export interface ApiRoute {
  method: 'get' | 'post';
  /** In OpenAPI's form, `/ideas/{ideaId}`. */
  path: string;
  operationId: string;
  summary: string;
  scope: ApiScope;
  params?: z.ZodObject;
  query?: z.ZodType;
  body?: z.ZodType;
  /** Request headers the route reads, each with its schema. */
  headers?: Record<string, { schema: z.ZodType; description: string }>;
  /** The answers it gives besides problems, by status. */
  responses: Record<number, { description: string; schema: z.ZodType }>;
  handle(call: Call<any, any, any>): Promise<{ status: number; body: unknown }>;
}

/** A route whose handler sees the types its schemas produce. */
function route<P extends z.ZodObject | undefined, Q extends z.ZodType | undefined, B extends z.ZodType | undefined>(
  definition: Omit<ApiRoute, 'handle' | 'params' | 'query' | 'body'> & {
    params?: P;
    query?: Q;
    body?: B;
    handle(call: Call<P extends z.ZodType ? z.output<P> : undefined, Q extends z.ZodType ? z.output<Q> : undefined, B extends z.ZodType ? z.input<B> : undefined>): Promise<{ status: number; body: unknown }>;
  },
): ApiRoute {
  return definition as ApiRoute;
}

/** How the API names the person acting: the channel and the key's name, never the key. */
const actor = (key: ApiKey) => ({ via: 'api' as const, key: key.name });

/** Answers with the idea as it now stands. */
async function ideaNow(client: StageGateClient, ideaId: string) {
  return { status: 200, body: ideaView(await client.getIdea(ideaId)) };
}

/** Every route of the API; `settings` gives the locale KPI values given as text are read in, and the address campaign pages have. */
export function apiRoutes(settings: Pick<Settings, 'locale' | 'publicUrl'>): ApiRoute[] {
  const kpiReadingBody = kpiReadingBodyFor(numberSeparators(settings.locale));
  const campaignView = (campaign: CampaignView) => ({ ...campaign, url: campaignUrl(settings, campaign.id) });
  return [
    route({
      method: 'post',
      path: '/ideas',
      operationId: 'submitIdea',
      summary: 'Submit an idea. With an Idempotency-Key, sending the same submission again returns the same idea; the same key with another submission is refused.',
      scope: 'submit',
      body: submissionBody,
      headers: { 'Idempotency-Key': { schema: idempotencyKeyHeader, description: 'Your own id for this submission (a UUID, say): a retry with it returns the first answer.' } },
      responses: {
        201: { description: 'The idea was submitted', schema: submittedSchema },
        200: { description: 'The same submission was made before: its idea', schema: submittedSchema },
      },
      async handle({ client, body, key, request, response }) {
        const header = request.headers['idempotency-key'];
        let idempotencyKey: string | undefined;
        if (header !== undefined) {
          const parsed = idempotencyKeyHeader.safeParse(header);
          if (!parsed.success) throw new ApiProblem(invalid('Idempotency-Key header', parsed.error, ['Idempotency-Key']));
          // Scoped by the API key: two integrators' keys never meet.
          idempotencyKey = `${key.name}/${parsed.data}`;
        }
        const submitted = await client.submitIdea(body, { idempotencyKey, through: { via: 'api', key: key.name } });
        response.set('Location', `${API_BASE}/ideas/${submitted.ideaId}`);
        return { status: submitted.created ? 201 : 200, body: { ideaId: submitted.ideaId, created: submitted.created } };
      },
    }),
    route({
      method: 'get',
      path: '/ideas',
      operationId: 'listIdeas',
      summary: 'List ideas, newest first, with the filters of `stagegate idea list`, a page at a time: pass `next` back as `cursor` for the page after.',
      scope: 'read',
      query: listQuery,
      responses: { 200: { description: 'One page of ideas', schema: ideaPageSchema } },
      async handle({ client, query }) {
        const { cursor, ...filter } = query;
        return { status: 200, body: await client.listIdeasPage(filter, cursor) };
      },
    }),
    route({
      method: 'get',
      path: '/ideas/{ideaId}',
      operationId: 'getIdea',
      summary: 'Where an idea stands: its stage, status, open gate round and who has voted, its hold, conditions and decisions.',
      scope: 'read',
      params: ideaPathSchema,
      responses: { 200: { description: 'The idea', schema: ideaSchema } },
      handle: ({ client, params }) => ideaNow(client, params.ideaId),
    }),
    route({
      method: 'post',
      path: '/ideas/{ideaId}/votes',
      operationId: 'castVote',
      summary: "Cast a reviewer's vote at the open gate round (or the one named). The same vote sent again is counted once and answered with the first receipt.",
      scope: 'decide',
      params: ideaPathSchema,
      body: voteBody,
      responses: { 200: { description: 'The vote was counted', schema: voteReceiptSchema } },
      async handle({ client, params, body, key }) {
        return { status: 200, body: await client.castVote(params.ideaId, { ...body, ...actor(key) }) };
      },
    }),
    route({
      method: 'post',
      path: '/ideas/{ideaId}/kpi-readings',
      operationId: 'recordKpiReading',
      summary: "Record a KPI reading for the idea's running pilot, judged against its target at once.",
      scope: 'record',
      params: ideaPathSchema,
      body: kpiReadingBody,
      responses: { 200: { description: 'The reading was recorded', schema: kpiReceiptSchema } },
      async handle({ client, params, body, key }) {
        return { status: 200, body: await client.recordKpiReading(params.ideaId, { ...body, ...actor(key) }) };
      },
    }),
    route({
      method: 'post',
      path: '/ideas/{ideaId}/ready',
      operationId: 'markReady',
      summary: "The champion (or an admin) marks the stage's work ready for review, so its gate opens.",
      // Recording progress on an idea under way, as a KPI reading is: not submitting a new one.
      scope: 'record',
      params: ideaPathSchema,
      body: readyBody,
      responses: { 200: { description: 'Taken: the idea as it now stands', schema: ideaSchema } },
      async handle({ client, params, body, key }) {
        await client.markReady(params.ideaId, { ...body, ...actor(key) });
        return ideaNow(client, params.ideaId);
      },
    }),
    route({
      method: 'post',
      path: '/ideas/{ideaId}/hold',
      operationId: 'hold',
      summary: 'An admin puts the idea on hold, with a reason, until resumed or its revisit time.',
      scope: 'admin',
      params: ideaPathSchema,
      body: holdBody,
      responses: { 200: { description: 'Taken: the idea as it now stands (a hold at an open gate round takes effect as the round closes, a moment later)', schema: ideaSchema } },
      async handle({ client, params, body, key }) {
        await client.hold(params.ideaId, { ...body, ...actor(key) });
        return ideaNow(client, params.ideaId);
      },
    }),
    route({
      method: 'post',
      path: '/ideas/{ideaId}/resume',
      operationId: 'resume',
      summary: 'An admin resumes an idea on hold.',
      scope: 'admin',
      params: ideaPathSchema,
      body: resumeBody,
      responses: { 200: { description: 'Taken: the idea as it now stands (it is under way again a moment later)', schema: ideaSchema } },
      async handle({ client, params, body, key }) {
        await client.resume(params.ideaId, { ...body, ...actor(key) });
        return ideaNow(client, params.ideaId);
      },
    }),
    route({
      method: 'post',
      path: '/campaigns',
      operationId: 'createCampaign',
      summary: 'Open a campaign: a question, who may answer (audience), when, and the process its ideas go to when a submission names none.',
      scope: 'admin',
      body: campaignBody,
      responses: { 201: { description: 'The campaign was opened', schema: campaignViewSchema } },
      async handle({ client, body, response }) {
        const created = await client.createCampaign(body);
        response.set('Location', `${API_BASE}/campaigns/${created.id}`);
        return { status: 201, body: campaignView(created) };
      },
    }),
    route({
      method: 'get',
      path: '/campaigns',
      operationId: 'listCampaigns',
      summary: 'Every campaign, the latest opening first, with its status now.',
      scope: 'read',
      responses: { 200: { description: 'The campaigns', schema: campaignListSchema } },
      async handle({ client }) {
        return { status: 200, body: { campaigns: (await client.listCampaigns()).map(campaignView) } };
      },
    }),
    route({
      method: 'get',
      path: '/campaigns/{campaignId}',
      operationId: 'getCampaign',
      summary: 'One campaign, with its status now and its page in the submission portal.',
      scope: 'read',
      params: campaignPathSchema,
      responses: { 200: { description: 'The campaign', schema: campaignViewSchema } },
      async handle({ client, params }) {
        return { status: 200, body: campaignView(await client.getCampaign(params.campaignId)) };
      },
    }),
    route({
      method: 'post',
      path: '/campaigns/{campaignId}/close',
      operationId: 'closeCampaign',
      summary: 'Close a campaign now: its page says so and it takes no more submissions. Closing a closed campaign changes nothing.',
      scope: 'admin',
      params: campaignPathSchema,
      body: campaignCloseBody,
      responses: { 200: { description: 'The campaign, closed', schema: campaignViewSchema } },
      async handle({ client, params, body }) {
        return { status: 200, body: campaignView(await client.closeCampaign(params.campaignId, body)) };
      },
    }),
    route({
      method: 'get',
      path: '/reports/{name}',
      operationId: 'runReport',
      summary: 'Run a report of `stagegate report`, over the events from `from` (included) to `to` (excluded).',
      scope: 'read',
      params: reportPathSchema,
      query: reportQuery,
      responses: { 200: { description: "The report, as `stagegate report <name> --json` prints it", schema: reportSchema } },
      async handle({ client, params, query }) {
        const report = findReport(params.name)!;
        const result = await client.report(report.name, query);
        return { status: 200, body: { report: report.name, title: report.title, ...query, result } };
      },
    }),
  ];
}

/** `/ideas/{ideaId}` as express writes it. */
function expressPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

/** The SDK's refusal as a problem, with the bad fields' paths when the SDK's zod check named them. */
function problemOf(err: StageGateError): Problem {
  const cause = err.cause;
  if (err.code === 'invalid-input' && cause instanceof z.ZodError) return { ...invalid('request', cause), detail: err.message };
  const fields: Partial<Record<string, string>> = { 'unknown-process': 'process', 'unknown-campaign': 'campaign', 'invalid-scores': 'scores', 'unknown-kpi': 'kpi', 'invalid-plan': 'pilot' };
  const path = fields[err.code] ?? (err.code === 'invalid-input' ? /^[a-z]+: ([\w.[\]]+):/.exec(err.message)?.[1] : undefined);
  return problem(err.code, err.message, path ? { errors: [{ path, message: err.message }] } : {});
}

export interface ApiOptions {
  client: StageGateClient;
  settings: Settings;
}

/** The HTTP API under /api/v1: JSON in, JSON out, problem details for every refusal. */
export function apiRouter({ client, settings }: ApiOptions): express.Router {
  const routes = apiRoutes(settings);
  const document = openApiDocument(routes);
  const router = express.Router();
  router.get('/openapi.json', (_request, response) => {
    response.json(document);
  });
  router.use(authenticate(settings.apiKeys, new Lockout()));
  router.use(
    rateLimit({
      windowMs: 60_000,
      limit: (_request, response) => apiKeyOf(response).rateLimitPerMinute,
      keyGenerator: (_request, response) => apiKeyOf(response).name,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      validate: { xForwardedForHeader: false, keyGeneratorIpFallback: false },
      handler: (_request, response) => sendProblem(response, problem('rate-limited', `The API key "${apiKeyOf(response).name}" may make ${apiKeyOf(response).rateLimitPerMinute} requests a minute; wait for the window to pass (see the RateLimit header).`)),
    }),
  );
  // JSON only: any other body is named, not half-read.
  router.use((request, _response, next) => {
    const hasBody = request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;
    if (hasBody && !request.is(['application/json', 'application/*+json'])) return next(new ApiProblem(problem('unsupported-media-type', `Send the body as JSON (Content-Type: application/json), not ${request.headers['content-type'] ?? 'without a content type'}.`)));
    next();
  });
  router.use(express.json({ limit: API_BODY_LIMIT, type: ['application/json', 'application/*+json'] }));

  for (const definition of routes) {
    router[definition.method](expressPath(definition.path), async (request: Request, response: Response) => {
      const key = apiKeyOf(response);
      const refused = refuseWithoutScope(key, definition.scope);
      if (refused) throw new ApiProblem(refused);
      // Everything is checked before anything is sent to a journey.
      const parsed = { params: check('path', definition.params, request.params), query: check('query', definition.query, { ...(request.query as object) }) };
      check('body', definition.body, request.body);
      const answer = await definition.handle({ client, ...parsed, body: request.body as unknown, key, request, response });
      response.status(answer.status).json(answer.body);
    });
  }
  const methods = new Map<string, string[]>();
  for (const { method, path } of routes) methods.set(path, [...(methods.get(path) ?? []), method.toUpperCase()]);
  for (const [path, allowed] of methods) {
    router.all(expressPath(path), (_request, response) => {
      response.set('Allow', allowed.join(', '));
      sendProblem(response, problem('method-not-allowed', `${API_BASE}${path} answers ${allowed.join(' and ')} only.`));
    });
  }
  router.use((request) => {
    throw new ApiProblem(problem('not-found', `There is nothing at ${request.method} ${API_BASE}${request.path}; ${API_BASE}/openapi.json lists what there is.`));
  });
  router.use((err: unknown, request: Request, response: Response, _next: NextFunction) => {
    if (err instanceof ApiProblem) return sendProblem(response, err.body);
    if (err instanceof StageGateError) return sendProblem(response, problemOf(err));
    const type = (err as { type?: unknown }).type;
    if (type === 'entity.too.large') return sendProblem(response, problem('body-too-large', `A body sent here may be at most ${API_BODY_LIMIT}.`));
    if (type === 'entity.parse.failed') return sendProblem(response, problem('unreadable-body', 'The body is not valid JSON; nothing was changed.'));
    if (type === 'encoding.unsupported' || type === 'charset.unsupported') return sendProblem(response, problem('unsupported-media-type', 'Send the body as JSON in UTF-8, without a content encoding.'));
    if (err instanceof URIError) return sendProblem(response, problem('not-found', 'Part of the address is not valid percent-encoding.'));
    console.error(`stagegate api: 500 ${request.method.slice(0, 10)} ${request.path.slice(0, 120)} ${err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 200) : 'a non-error was thrown'}`);
    sendProblem(response, problem('internal', 'Something went wrong; nothing is known to have changed. Try again in a moment.'));
  });
  return router;
}

/** A part of the request through its schema, or a problem naming each bad field. */
function check(where: 'path' | 'query' | 'body', schema: z.ZodType | undefined, value: unknown): unknown {
  if (!schema) return undefined;
  const result = schema.safeParse(value);
  if (!result.success) throw new ApiProblem(invalid(where, result.error));
  return result.data;
}
