import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signing and verifying webhooks, the Standard Webhooks way: three headers, `webhook-id`,
 * `webhook-timestamp` (Unix seconds) and `webhook-signature` (`v1,<base64 HMAC-SHA256 of
 * "{id}.{timestamp}.{body}">`, several separated by spaces), and a five-minute replay window.
 */

/** How far a timestamp may be from the receiver's clock, either way, before the message is refused as a replay. */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

/** The HMAC key of a secret: `whsec_<base64>` is the bytes it encodes (as Standard Webhooks libraries read it), any other secret its UTF-8 bytes. */
export function webhookKey(secret: string): Buffer {
  return secret.startsWith('whsec_') ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.from(secret, 'utf8');
}

/** `v1,<base64 signature>` of one message. */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', webhookKey(secret)).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** The three headers of one delivery attempt, signed at `now`. */
export function webhookHeaders(secret: string, id: string, body: string, now = Date.now()): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  const timestamp = Math.floor(now / 1000);
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signWebhook(secret, id, timestamp, body) };
}

/** A webhook that is not ours to believe: missing headers, a bad signature, or a timestamp outside the replay window. */
export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
}

export interface VerifyOptions {
  /** The receiver's clock, in milliseconds; now unless told. */
  now?: number;
  toleranceSeconds?: number;
}

type Headers = Record<string, string | string[] | undefined> | { get(name: string): string | null };

/**
 * Checks a delivery as a receiver should and returns its body parsed: the signature over the
 * exact bytes received, and the timestamp within five minutes of now. Throws
 * WebhookVerificationError otherwise. `body` is the raw request body, before any JSON parsing.
 */
export function verifyWebhook<Body = unknown>(secret: string, headers: Headers, body: string | Buffer, options: VerifyOptions = {}): Body {
  const header = (name: string): string | undefined => {
    const value = typeof headers.get === 'function' ? (headers as { get(name: string): string | null }).get(name) : (headers as Record<string, string | string[] | undefined>)[name];
    return (Array.isArray(value) ? value[0] : value) ?? undefined;
  };
  const id = header('webhook-id');
  const timestamp = header('webhook-timestamp');
  const signatures = header('webhook-signature');
  if (!id || !timestamp || !signatures) throw new WebhookVerificationError('expected the webhook-id, webhook-timestamp and webhook-signature headers');
  const seconds = Number(timestamp);
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  if (!/^\d+$/.test(timestamp) || Math.abs(now - seconds) > (options.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS)) {
    throw new WebhookVerificationError(`the webhook-timestamp ${timestamp} is outside the replay window`);
  }
  const text = typeof body === 'string' ? body : body.toString('utf8');
  const expected = Buffer.from(signWebhook(secret, id, seconds, text));
  const matches = signatures.split(' ').some((signature) => {
    const given = Buffer.from(signature);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches) throw new WebhookVerificationError('no webhook-signature matches the body');
  return JSON.parse(text) as Body;
}
