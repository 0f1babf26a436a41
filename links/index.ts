import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed links in messages. A token names what it is for, the person it was sent to, and an
 * expiry, signed with HMAC-SHA256 and the server's key. The key never enters workflow history:
 * activities sign, the web server verifies.
 */

export const LINK_PURPOSES = ['review', 'decide', 'reviewer', 'kpi'] as const;
export type LinkPurpose = (typeof LINK_PURPOSES)[number];

export interface LinkClaims {
  purpose: LinkPurpose;
  /** The person the link was sent to; whoever opens it acts as them, and the record says it came by link. */
  email: string;
  /** Set for `review` and `decide` links: the one gate round the link is for; for `kpi` links, the pilot's stage and run. */
  ideaId?: string;
  gate?: string;
  round?: number;
  expiresAt: number;
}

export type LinkProblem = 'malformed' | 'tampered' | 'expired';

export class LinkError extends Error {
  override readonly name = 'LinkError';
  constructor(
    readonly problem: LinkProblem,
    message: string,
  ) {
    super(message);
  }
}

const encode = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const mac = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('base64url');

export function signLink(secret: string, claims: LinkClaims): string {
  const body = encode(JSON.stringify([claims.purpose, claims.email, claims.ideaId ?? null, claims.gate ?? null, claims.round ?? null, claims.expiresAt]));
  return `${body}.${mac(secret, body)}`;
}

export function verifyLink(secret: string, token: string, now: number = Date.now()): LinkClaims {
  const [body, signature, extra] = token.split('.');
  if (!body || !signature || extra !== undefined) throw new LinkError('malformed', 'This link is incomplete. Open it from the message again.');
  const expected = Buffer.from(mac(secret, body));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new LinkError('tampered', 'This link is not valid: it was changed or was not made by this stagegate.');
  }
  const [purpose, email, ideaId, gate, round, expiresAt] = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as [LinkPurpose, string, string | null, string | null, number | null, number];
  if (now > expiresAt) throw new LinkError('expired', `This link expired on ${new Date(expiresAt).toUTCString()}. A newer message has a fresh link.`);
  return { purpose, email, ideaId: ideaId ?? undefined, gate: gate ?? undefined, round: round ?? undefined, expiresAt };
}

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

/** Builds the links messages carry; each call signs a fresh token. */
export function linkBuilder(settings: LinkSettings, now: () => number = Date.now) {
  const secret = requireLinkSecret(settings);
  const base = settings.publicUrl.replace(/\/+$/, '');
  const token = (claims: Omit<LinkClaims, 'expiresAt'>) => signLink(secret, { ...claims, expiresAt: now() + settings.linkTtl });
  return {
    /** The review page of one gate round, for one reviewer. */
    review: (ideaId: string, gate: string, round: number, email: string) => `${base}/review/${token({ purpose: 'review', email, ideaId, gate, round })}`,
    /** The page where an escalation contact decides a gate round that missed its deadline. */
    decide: (ideaId: string, gate: string, round: number, email: string) => `${base}/decide/${token({ purpose: 'decide', email, ideaId, gate, round })}`,
    /** The page where the champion enters a pilot's KPI readings. */
    kpi: (ideaId: string, stage: string, run: number, email: string) => `${base}/kpi/${token({ purpose: 'kpi', email, ideaId, gate: stage, round: run })}`,
    /** Every gate waiting on this reviewer. */
    pending: (email: string) => `${base}/reviewer/${token({ purpose: 'reviewer', email })}`,
  };
}
export type LinkBuilder = ReturnType<typeof linkBuilder>;
