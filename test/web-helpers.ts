import { createHmac } from 'node:crypto';
import { linkBuilder, type LinkClaims } from '../links';
import { startWebServer } from '../client/web/server';
import { testSettings, withStack, type Stack } from './helpers';
import type { Settings } from '../config/settings';

export const SECRET = 'web-test-link-secret-0123456789abcdef';

export interface Page {
  status: number;
  body: string;
  headers: Headers;
}

export async function get(url: string): Promise<Page> {
  const response = await fetch(url, { redirect: 'manual' });
  return { status: response.status, body: await response.text(), headers: response.headers };
}

export async function post(url: string, fields: Record<string, string>): Promise<Page> {
  const response = await fetch(url, { method: 'POST', body: new URLSearchParams(fields), redirect: 'manual' });
  return { status: response.status, body: await response.text(), headers: response.headers };
}

/** A worker, an SDK client and the web server on a free port, with links signed by the test key. */
export async function withWeb<T>(fn: (stack: Stack & { url: string; links: ReturnType<typeof linkBuilder> }) => Promise<T>, rateLimitPerMinute = 1000, base: Settings = testSettings()): Promise<T> {
  const settings = { ...base, linkSecret: SECRET };
  return withStack(async (stack) => {
    const web = await startWebServer({ client: stack.client, settings, outbox: stack.store, port: 0, rateLimitPerMinute });
    const links = linkBuilder({ ...settings, publicUrl: web.url });
    try {
      return await fn({ ...stack, url: web.url, links });
    } finally {
      await web.close();
    }
  }, settings);
}


/** A token in the first format (readable base64 JSON and an HMAC), as emails sent before sealing carry. */
export function legacyToken(secret: string, claims: LinkClaims): string {
  const body = Buffer.from(JSON.stringify([claims.purpose, claims.email, claims.ideaId ?? null, claims.gate ?? null, claims.round ?? null, claims.expiresAt]), 'utf8').toString('base64url');
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

/** The token of a link made by linkBuilder. */
export const tokenOf = (link: string) => link.slice(link.lastIndexOf('/') + 1);
