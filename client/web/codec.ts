import { timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { Codec } from '../../codec';
import { Lockout } from './lockout';

/**
 * The codec endpoint for Temporal's Web UI (`temporal server start-dev --ui-codec-endpoint`):
 * `POST /codec/encode` and `/codec/decode` in Temporal's codec-server JSON protocol, for admins
 * only (the admin key, as HTTP basic auth `admin:<key>` or a bearer token), with CORS for the
 * Web UI's origin alone. A payload of a forgotten idea decodes to "(forgotten)".
 */
export function codecRoutes(options: { codec: Codec; adminKey?: string; corsOrigin: string; lockout?: Lockout }): Router {
  const router = express.Router();
  router.use((request, response, next) => {
    if (request.headers.origin === options.corsOrigin) {
      response.set({
        'Access-Control-Allow-Origin': options.corsOrigin,
        'Access-Control-Allow-Credentials': 'true',
        'Access-Control-Allow-Methods': 'POST, OPTIONS',
        'Access-Control-Allow-Headers': 'Authorization, Content-Type, X-Namespace',
        'Access-Control-Max-Age': '600',
        Vary: 'Origin',
      });
    }
    // A preflight carries no credentials: answer it before asking for them.
    if (request.method === 'OPTIONS') return void response.status(204).end();
    next();
  });
  router.use(adminOnly(options.adminKey, options.lockout ?? new Lockout()));
  router.use(express.json({ limit: '4mb' }));
  router.post('/encode', (request, response, next) => {
    transform(request, response, next, async (payloads) => options.codec.codec.encode(payloads));
  });
  router.post('/decode', (request, response, next) => {
    transform(request, response, next, async (payloads) => options.codec.codec.decode(payloads));
  });
  router.use((err: unknown, _request: Request, response: Response, next: NextFunction) => {
    if (err && typeof err === 'object' && 'type' in err && (err.type === 'entity.parse.failed' || err.type === 'entity.too.large')) {
      return void problem(response, err.type === 'entity.too.large' ? 413 : 400, err.type === 'entity.too.large' ? 'the body is larger than 4 MB' : 'the body is not JSON');
    }
    next(err);
  });
  return router;
}

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64');
const bodySchema = z.object({ payloads: z.array(z.object({ metadata: z.record(z.string(), base64).optional(), data: base64.optional() })).max(1000) });
type JsonPayload = z.infer<typeof bodySchema>['payloads'][number];
type Payload = { metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null };

function transform(request: Request, response: Response, next: NextFunction, work: (payloads: Payload[]) => Promise<Payload[]>): void {
  const parsed = bodySchema.safeParse(request.body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return problem(response, 400, `${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  work(parsed.data.payloads.map(fromJson))
    .then((payloads) => response.json({ payloads: payloads.map(toJson) }))
    .catch(next);
}

function fromJson(payload: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([name, value]) => [name, new Uint8Array(Buffer.from(value, 'base64'))])),
    ...(payload.data === undefined ? {} : { data: new Uint8Array(Buffer.from(payload.data, 'base64')) }),
  };
}

function toJson(payload: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([name, value]) => [name, Buffer.from(value).toString('base64')])),
    ...(payload.data ? { data: Buffer.from(payload.data).toString('base64') } : {}),
  };
}

function problem(response: Response, status: number, detail: string): void {
  response.status(status).type('application/problem+json').send(JSON.stringify({ type: 'about:blank', title: status === 401 ? 'Admins only' : status === 429 ? 'Locked out' : 'Bad request', status, detail }));
}

/**
 * The admin key as HTTP basic auth (user `admin`) or a bearer token, compared in constant time;
 * wrong keys count towards the same lockout as the dashboard's.
 */
function adminOnly(adminKey: string | undefined, lockout: Lockout) {
  const basic = adminKey && Buffer.from(`Basic ${Buffer.from(`admin:${adminKey}`).toString('base64')}`);
  const bearer = adminKey && Buffer.from(`Bearer ${adminKey}`);
  return (request: Request, response: Response, next: NextFunction) => {
    const address = request.ip ?? 'unknown';
    const now = Date.now();
    const lockedUntil = lockout.lockedUntil(address, now);
    if (lockedUntil !== undefined) {
      response.set('Retry-After', String(Math.ceil((lockedUntil - now) / 1000)));
      return problem(response, 429, `too many wrong admin keys from this address: locked until ${new Date(lockedUntil).toUTCString()}`);
    }
    const header = request.headers.authorization;
    const given = Buffer.from(header ?? '');
    const matches = (expected: Buffer | '' | undefined) => !!expected && expected.length === given.length && timingSafeEqual(expected, given);
    if (matches(basic) || matches(bearer)) {
      lockout.succeeded(address);
      return next();
    }
    if (header !== undefined && adminKey) lockout.failed(address, now);
    response.set('WWW-Authenticate', 'Basic realm="stagegate codec", charset="UTF-8"');
    problem(response, 401, adminKey ? 'the codec endpoint needs the admin key (basic auth user admin, or a bearer token)' : 'the codec endpoint is off: set STAGEGATE_ADMIN_KEY');
  };
}
