import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { apiKeyHash, type ApiKey, type ApiScope } from '../../../config/settings';
import type { Lockout } from '../lockout';
import { problem, sendProblem } from './problems';

/**
 * The API key a request came with (`Authorization: Bearer <key>`), found by its SHA-256 compared
 * with every configured hash in constant time, so neither a near miss nor a key's position in the
 * settings shows in the time taken. Undefined for a missing or unknown key.
 */
export function keyOf(keys: readonly ApiKey[], authorization: string | undefined): ApiKey | undefined {
  const presented = /^Bearer ([\x21-\x7e]{1,512})$/i.exec(authorization?.trim() ?? '')?.[1];
  if (!presented) return undefined;
  const digest = Buffer.from(apiKeyHash(presented), 'hex');
  let found: ApiKey | undefined;
  for (const key of keys) {
    if (timingSafeEqual(digest, Buffer.from(key.hash, 'hex')) && !found) found = key;
  }
  return found;
}

/** Lets a request in with a known key (kept in `response.locals.apiKey`); wrong keys count against the address, as the admin key's do. */
export function authenticate(keys: readonly ApiKey[], lockout: Lockout) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const address = request.ip ?? 'unknown';
    const lockedUntil = lockout.lockedUntil(address);
    if (lockedUntil !== undefined) {
      response.set('Retry-After', String(Math.ceil((lockedUntil - Date.now()) / 1000)));
      return sendProblem(response, problem('too-many-wrong-keys', 'Too many wrong API keys came from this address; it is locked out for a while, the right key included. Try again after Retry-After seconds.'));
    }
    const key = keyOf(keys, request.headers.authorization);
    if (!key) {
      if (request.headers.authorization !== undefined) lockout.failed(address);
      const detail = request.headers.authorization === undefined ? 'Send an API key as Authorization: Bearer <key> (stagegate apikey create makes one).' : 'This API key is not known. Check it, or make a new one with stagegate apikey create.';
      return sendProblem(response, problem('unauthorized', detail));
    }
    lockout.succeeded(address);
    response.locals.apiKey = key;
    next();
  };
}

/** The key of a request past `authenticate`. */
export function apiKeyOf(response: Response): ApiKey {
  return response.locals.apiKey as ApiKey;
}

export function refuseWithoutScope(key: ApiKey, scope: ApiScope): ReturnType<typeof problem> | undefined {
  if (key.scopes.includes(scope)) return undefined;
  return problem('missing-scope', `The API key "${key.name}" lacks the scope "${scope}" (it has ${key.scopes.join(', ')}); nothing was changed.`, { scope });
}
