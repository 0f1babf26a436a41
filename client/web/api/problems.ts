import type { Response } from 'express';
import type { z } from 'zod';
import type { StageGateErrorCode } from '../../sdk';
import type { Problem } from './schemas';

/** The API's own refusals, beside the SDK's error codes. */
export type ApiProblemCode =
  | 'unauthorized'
  | 'missing-scope'
  | 'too-many-wrong-keys'
  | 'rate-limited'
  | 'not-found'
  | 'method-not-allowed'
  | 'unsupported-media-type'
  | 'body-too-large'
  | 'unreadable-body'
  | 'internal';

/** Every SDK error code with its HTTP status: the compiler refuses a code left out. */
const SDK_STATUS: Record<StageGateErrorCode, { status: number; title: string }> = {
  'invalid-input': { status: 422, title: 'The request is not valid' },
  'invalid-scores': { status: 422, title: 'The scores are not valid for this gate' },
  'invalid-plan': { status: 422, title: 'The pilot plan is not valid' },
  'unknown-kpi': { status: 422, title: 'No such KPI in this pilot' },
  'unknown-process': { status: 422, title: 'No such process' },
  'no-reviewers': { status: 422, title: 'The process names no reviewers who can be found' },
  'unknown-idea': { status: 404, title: 'No such idea' },
  'unknown-delivery': { status: 404, title: 'No such webhook delivery' },
  forgotten: { status: 410, title: 'The idea was forgotten' },
  'not-a-reviewer': { status: 403, title: 'Not a reviewer of this round' },
  'not-allowed': { status: 403, title: 'This person may not do that' },
  'already-voted': { status: 409, title: 'The reviewer has already voted differently' },
  'gate-closed': { status: 409, title: 'The gate round is closed' },
  'wrong-status': { status: 409, title: 'The idea is not where this needs it' },
  'idea-ended': { status: 409, title: 'The idea has ended' },
  'pilot-ended': { status: 409, title: 'The pilot has ended' },
  'pilot-busy': { status: 503, title: 'The pilot is still recording the readings it took; nothing was taken' },
  'stale-package': { status: 409, title: 'The gate package changed since it was read' },
  'invalid-merge': { status: 409, title: 'The idea cannot be merged into that one' },
  'invalid-delegation': { status: 409, title: 'The review cannot be handed to that person' },
  'idempotency-key-reused': { status: 422, title: 'The Idempotency-Key was sent with another request' },
  'no-worker': { status: 503, title: 'No worker answered; nothing was recorded' },
  'server-unreachable': { status: 503, title: 'Temporal did not answer; nothing was recorded' },
  'unknown-campaign': { status: 404, title: 'No such campaign' },
  'campaign-exists': { status: 409, title: 'A campaign with this id exists' },
  'campaign-not-open': { status: 409, title: 'The campaign is not open yet' },
  'campaign-closed': { status: 410, title: 'The campaign is closed' },
  'not-in-audience': { status: 403, title: 'The campaign is not open to this submitter' },
  'too-many-pending': { status: 429, title: 'Too many submissions wait for confirmation from this address' },
  config: { status: 500, title: 'stagegate is not configured for this' },
};

const API_STATUS: Record<ApiProblemCode, { status: number; title: string }> = {
  unauthorized: { status: 401, title: 'A valid API key is needed' },
  'missing-scope': { status: 403, title: 'The API key lacks a scope' },
  'too-many-wrong-keys': { status: 429, title: 'Too many wrong API keys from this address' },
  'rate-limited': { status: 429, title: 'Too many requests with this API key' },
  'not-found': { status: 404, title: 'Not found' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  'unsupported-media-type': { status: 415, title: 'Send JSON' },
  'body-too-large': { status: 413, title: 'The body is too large' },
  'unreadable-body': { status: 400, title: 'The body is not valid JSON' },
  internal: { status: 500, title: 'Something went wrong' },
};

export type ProblemCode = StageGateErrorCode | ApiProblemCode;
export const PROBLEM_CODES = [...Object.keys(SDK_STATUS), ...Object.keys(API_STATUS)] as ProblemCode[];

/** How long a caller should wait before trying again after a 503: a worker restarting takes seconds. */
export const RETRY_AFTER_SECONDS = 5;

export function problem(code: ProblemCode, detail: string, extra: Pick<Problem, 'errors' | 'scope'> = {}): Problem {
  const { status, title } = (SDK_STATUS as Record<string, { status: number; title: string }>)[code] ?? API_STATUS[code as ApiProblemCode];
  return { type: problemType(code), title, status, detail, code, ...extra };
}

/** A problem type per code: a URN, since these need not resolve to a page (RFC 9457, section 3.1.1). */
export function problemType(code: string): string {
  return `urn:stagegate:problem:${code}`;
}

export function sendProblem(response: Response, body: Problem): void {
  if (body.status === 503) response.set('Retry-After', String(RETRY_AFTER_SECONDS));
  if (body.status === 401) response.set('WWW-Authenticate', 'Bearer realm="stagegate"');
  response.status(body.status).type('application/problem+json').send(JSON.stringify(body));
}

/** A refused body, query or header, with the path of each bad field. */
export function invalid(where: string, error: z.ZodError, prefix: string[] = []): Problem {
  const errors = error.issues.map((issue) => ({ path: [...prefix, ...issue.path.map(String)].join('.') || '(root)', message: issue.message }));
  return problem('invalid-input', `The ${where} is not valid: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}. Nothing was changed.`, { errors });
}

/** Thrown by handlers for a refusal of their own; the router's error handler sends it. */
export class ApiProblem extends Error {
  constructor(readonly body: Problem) {
    super(body.detail);
  }
}
