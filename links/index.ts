import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Links in messages. A token says what it is for, the person it was sent to, the idea and round
 * it is about, and an expiry, sealed with AES-256-GCM under a key derived (HKDF) from the
 * server's link secret: nobody can read who it is for, and nobody can change a byte of it. The
 * purpose is bound as associated data, so a token opens only the page it was made for. The
 * secret never enters workflow history: activities make links, the web server opens them.
 *
 * Tokens made before sealing (base64 JSON, a dot, an HMAC) are still honoured until their own
 * expiry, so links in emails already sent keep working; no new ones are made.
 */

/**
 * `follow`: a submitter's page of their own idea (`email` the submitter, `ideaId` the idea).
 * `confirm`: a submitter from outside the firm confirms a submission before it enters review
 * (`ideaId` the id the idea will have).
 */
export const LINK_PURPOSES = ['review', 'decide', 'reviewer', 'kpi', 'plan', 'follow', 'confirm'] as const;
export type LinkPurpose = (typeof LINK_PURPOSES)[number];

export interface LinkClaims {
  purpose: LinkPurpose;
  /** The person the link was sent to; whoever opens it acts as them, and the record says it came by link. */
  email: string;
  /** Set for `review` and `decide` links: the one gate round the link is for; for `kpi` links, the pilot's stage and run; for `plan` links, the stage whose readiness hands the plan in. */
  ideaId?: string;
  gate?: string;
  round?: number;
  expiresAt: number;
}

export type LinkProblem = 'malformed' | 'tampered' | 'expired' | 'wrong-purpose';

export class LinkError extends Error {
  override readonly name = 'LinkError';
  constructor(
    readonly problem: LinkProblem,
    message: string,
  ) {
    super(message);
  }
}

const VERSION = 2;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** The shortest sealed token: version, IV, tag and a payload of at least a few bytes. */
const MIN_BYTES = 1 + IV_BYTES + TAG_BYTES + 8;
/** Longer than any token stagegate makes; longer input is not even decoded. */
const MAX_TOKEN_CHARS = 2048;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

const keys = new Map<string, Buffer>();
/** The sealing key of a link secret: HKDF-SHA256, so the secret itself is never the cipher key. */
function sealingKey(secret: string): Buffer {
  let key = keys.get(secret);
  if (!key) {
    key = Buffer.from(hkdfSync('sha256', secret, 'stagegate links', 'link token v2 aes-256-gcm', 32));
    keys.set(secret, key);
  }
  return key;
}

const associatedData = (purpose: LinkPurpose) => Buffer.from(`stagegate link v${VERSION} ${purpose}`, 'utf8');

const incomplete = () => new LinkError('malformed', 'This link is incomplete. Open it from the message again.');
const tampered = () => new LinkError('tampered', 'This link is not valid: it was changed or was not made by this stagegate.');
const forAnotherPage = () => new LinkError('wrong-purpose', 'This link is for another page.');

/** Seals the claims into an opaque token. */
export function signLink(secret: string, claims: LinkClaims): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', sealingKey(secret), iv);
  cipher.setAAD(associatedData(claims.purpose));
  const payload = JSON.stringify([claims.email, claims.ideaId ?? null, claims.gate ?? null, claims.round ?? null, claims.expiresAt]);
  const sealed = Buffer.concat([cipher.update(payload, 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), iv, sealed, cipher.getAuthTag()]).toString('base64url');
}

/** The claims of a token made for `purpose`, or a LinkError saying why it cannot be used. */
export function verifyLink(secret: string, token: string, purpose: LinkPurpose, now: number = Date.now()): LinkClaims {
  if (token.length > MAX_TOKEN_CHARS) throw tampered();
  const claims = token.includes('.') ? openLegacy(secret, token, purpose) : openSealed(secret, token, purpose);
  if (!(now <= claims.expiresAt)) throw new LinkError('expired', `This link expired on ${new Date(claims.expiresAt).toUTCString()}. A newer message has a fresh link.`);
  return claims;
}

function openSealed(secret: string, token: string, purpose: LinkPurpose): LinkClaims {
  if (!BASE64URL.test(token)) throw tampered();
  const bytes = Buffer.from(token, 'base64url');
  // Base64 leaves spare bits in its last character: only the one spelling of the bytes is accepted.
  if (bytes.toString('base64url') !== token) throw tampered();
  if (bytes.length < MIN_BYTES) throw incomplete();
  if (bytes[0] !== VERSION) throw tampered();
  const payload = unseal(secret, bytes, purpose);
  if (payload === undefined) {
    if (LINK_PURPOSES.some((other) => other !== purpose && unseal(secret, bytes, other) !== undefined)) throw forAnotherPage();
    throw tampered();
  }
  const parsed = JSON.parse(payload) as unknown;
  if (!isPayload(parsed)) throw tampered();
  const [email, ideaId, gate, round, expiresAt] = parsed;
  return { purpose, email, ideaId: ideaId ?? undefined, gate: gate ?? undefined, round: round ?? undefined, expiresAt };
}

function unseal(secret: string, bytes: Buffer, purpose: LinkPurpose): string | undefined {
  const iv = bytes.subarray(1, 1 + IV_BYTES);
  const tag = bytes.subarray(bytes.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', sealingKey(secret), iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(associatedData(purpose));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(bytes.subarray(1 + IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

type Payload = [email: string, ideaId: string | null, gate: string | null, round: number | null, expiresAt: number];
function isPayload(value: unknown): value is Payload {
  if (!Array.isArray(value) || value.length !== 5) return false;
  const [email, ideaId, gate, round, expiresAt] = value as unknown[];
  const optional = (field: unknown, type: 'string' | 'number') => field === null || typeof field === type;
  return typeof email === 'string' && optional(ideaId, 'string') && optional(gate, 'string') && optional(round, 'number') && typeof expiresAt === 'number' && Number.isFinite(expiresAt);
}

/** A token of the first format: readable base64 JSON, signed with HMAC-SHA256 over it. */
function openLegacy(secret: string, token: string, purpose: LinkPurpose): LinkClaims {
  const [body, signature, extra] = token.split('.');
  if (!body || !signature || extra !== undefined) throw incomplete();
  const expected = Buffer.from(createHmac('sha256', secret).update(body).digest('base64url'));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw tampered();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw tampered();
  }
  if (!Array.isArray(parsed) || !LINK_PURPOSES.includes(parsed[0] as LinkPurpose) || !isPayload(parsed.slice(1))) throw tampered();
  if (parsed[0] !== purpose) throw forAnotherPage();
  const [email, ideaId, gate, round, expiresAt] = parsed.slice(1) as Payload;
  return { purpose, email, ideaId: ideaId ?? undefined, gate: gate ?? undefined, round: round ?? undefined, expiresAt };
}

/** A follow link outlives most journeys' review rounds: a submitter keeps the first email they got. */
export const FOLLOW_LINK_TTL = 365 * 24 * 3600 * 1000;

export interface LinkSettings {
  publicUrl: string;
  linkSecret?: string;
  linkTtl: number;
}

/** The link-signing key; without it no message can carry a link, so workers refuse to start. */
export function requireLinkSecret(settings: Pick<LinkSettings, 'linkSecret'>): string {
  if (!settings.linkSecret) throw new Error('No link-signing key: set STAGEGATE_LINK_SECRET (at least 32 characters) for the worker and the web server.');
  return settings.linkSecret;
}

/**
 * Builds the links messages and pages carry; each call seals a fresh token. `until` caps the
 * expiry: a link a page shows never outlives the link that opened the page.
 */
export function linkBuilder(settings: LinkSettings, now: () => number = Date.now) {
  const secret = requireLinkSecret(settings);
  const base = settings.publicUrl.replace(/\/+$/, '');
  const token = (claims: Omit<LinkClaims, 'expiresAt'>, until = Infinity) => signLink(secret, { ...claims, expiresAt: Math.min(now() + settings.linkTtl, until) });
  return {
    /** The review page of one gate round, for one reviewer. */
    review: (ideaId: string, gate: string, round: number, email: string) => `${base}/review/${token({ purpose: 'review', email, ideaId, gate, round })}`,
    /** The page where an escalation contact decides a gate round that missed its deadline. */
    decide: (ideaId: string, gate: string, round: number, email: string) => `${base}/decide/${token({ purpose: 'decide', email, ideaId, gate, round })}`,
    /** The page where the champion enters a pilot's KPI readings. */
    kpi: (ideaId: string, stage: string, run: number, email: string) => `${base}/kpi/${token({ purpose: 'kpi', email, ideaId, gate: stage, round: run })}`,
    /** The page where the champion plans the pilot and marks the stage before it ready. */
    plan: (ideaId: string, stage: string, email: string) => `${base}/plan/${token({ purpose: 'plan', email, ideaId, gate: stage })}`,
    /** The list of gates waiting on this reviewer, from which a fresh review link can be emailed to them. */
    pending: (email: string, until?: number) => `${base}/reviewer/${token({ purpose: 'reviewer', email }, until)}`,
    /** The submitter's page of their own idea: stage, decisions and reasons, what happens next. Lives a year, not `linkTtl`. */
    follow: (ideaId: string, email: string) => `${base}/follow/${signLink(secret, { purpose: 'follow', email, ideaId, expiresAt: now() + FOLLOW_LINK_TTL })}`,
    /** The link a submitter from outside the firm follows before the idea (`ideaId` the id it will have) enters review. */
    confirm: (ideaId: string, email: string) => `${base}/confirm/${token({ purpose: 'confirm', email, ideaId })}`,
  };
}
export type LinkBuilder = ReturnType<typeof linkBuilder>;

/**
 * A reviewer's pseudonym in the `StageGateAwaiting` search attribute: search attributes are not
 * encrypted by the codec, so Temporal's visibility store holds a keyed hash of the address
 * (under a key derived from the link secret), never the address. The same address always gives
 * the same pseudonym, so a reviewer's queue is one visibility query.
 */
export function reviewerPseudonym(secret: string, email: string): string {
  const key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'stagegate awaiting reviewer', 32));
  return `reviewer:${createHmac('sha256', key).update(email.trim().toLowerCase()).digest('hex').slice(0, 24)}`;
}

/** What replaces a link in a message kept after delivery. */
export const REDACTED_LINK = '[link removed after delivery]';

/** The text with every stagegate link under `publicUrl` replaced by a marker: what the outbox keeps of a delivered message. */
export function redactLinks(text: string, publicUrl: string): string {
  const base = publicUrl.replace(/\/+$/, '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return text.replace(new RegExp(`${base}/(?:${LINK_PURPOSES.join('|')})/[A-Za-z0-9_.%-]+`, 'g'), REDACTED_LINK);
}
