import fc from 'fast-check';
import { legacyToken } from './web-helpers';
import { LINK_PURPOSES, LinkError, linkBuilder, redactLinks, REDACTED_LINK, signLink, verifyLink, type LinkClaims, type LinkProblem } from '../links';

const SECRET = 'links-test-secret-0123456789abcdef0123';

const claimsArbitrary: fc.Arbitrary<LinkClaims> = fc.record(
  {
    purpose: fc.constantFrom(...LINK_PURPOSES),
    email: fc.emailAddress(),
    ideaId: fc.stringMatching(/^[a-z0-9-]{1,40}$/),
    gate: fc.stringMatching(/^[a-z-]{1,20}$/),
    round: fc.integer({ min: 1, max: 1000 }),
    expiresAt: fc.integer({ min: 1_700_000_000_000, max: 4_000_000_000_000 }),
  },
  { requiredKeys: ['purpose', 'email', 'expiresAt'] },
);

function problemOf(run: () => unknown): LinkProblem | 'accepted' {
  try {
    run();
    return 'accepted';
  } catch (err) {
    if (err instanceof LinkError) return err.problem;
    throw err;
  }
}

describe('link tokens (property-based)', () => {
  test('round trip: a token opens, for its own purpose, to exactly the claims sealed into it', () => {
    fc.assert(
      fc.property(claimsArbitrary, (claims) => {
        const opened = verifyLink(SECRET, signLink(SECRET, claims), claims.purpose, claims.expiresAt);
        expect(opened).toEqual({ ...claims, ideaId: claims.ideaId, gate: claims.gate, round: claims.round });
      }),
    );
  });

  test('any single-byte change to a token, or to its text, is rejected', () => {
    fc.assert(
      fc.property(claimsArbitrary, fc.nat(), fc.integer({ min: 1, max: 255 }), (claims, position, flip) => {
        const token = signLink(SECRET, claims);
        const bytes = Buffer.from(token, 'base64url');
        const at = position % bytes.length;
        bytes[at] = bytes[at]! ^ flip;
        expect(problemOf(() => verifyLink(SECRET, bytes.toString('base64url'), claims.purpose, claims.expiresAt - 1))).not.toBe('accepted');
      }),
    );
    fc.assert(
      fc.property(claimsArbitrary, fc.nat(), fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.%'), (claims, position, character) => {
        const token = signLink(SECRET, claims);
        const at = position % token.length;
        fc.pre(token[at] !== character);
        const changed = token.slice(0, at) + character + token.slice(at + 1);
        expect(problemOf(() => verifyLink(SECRET, changed, claims.purpose, claims.expiresAt - 1))).not.toBe('accepted');
      }),
    );
  });

  test('expiry is honoured to the millisecond, and cannot be stretched', () => {
    fc.assert(
      fc.property(claimsArbitrary, fc.integer({ min: 1, max: 10 ** 10 }), (claims, late) => {
        const token = signLink(SECRET, claims);
        expect(problemOf(() => verifyLink(SECRET, token, claims.purpose, claims.expiresAt))).toBe('accepted');
        expect(problemOf(() => verifyLink(SECRET, token, claims.purpose, claims.expiresAt + late))).toBe('expired');
      }),
    );
  });

  test('a token opens only the page it was made for', () => {
    fc.assert(
      fc.property(claimsArbitrary, fc.constantFrom(...LINK_PURPOSES), (claims, other) => {
        fc.pre(other !== claims.purpose);
        expect(problemOf(() => verifyLink(SECRET, signLink(SECRET, claims), other, claims.expiresAt))).toBe('wrong-purpose');
      }),
    );
  });

  test('truncated, empty, foreign and oversized tokens are refused', () => {
    fc.assert(
      fc.property(claimsArbitrary, fc.nat(), (claims, cut) => {
        const token = signLink(SECRET, claims);
        const truncated = token.slice(0, cut % token.length);
        expect(problemOf(() => verifyLink(SECRET, truncated, claims.purpose, claims.expiresAt))).not.toBe('accepted');
      }),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 3000 }), fc.constantFrom(...LINK_PURPOSES), (garbage, purpose) => {
        expect(problemOf(() => verifyLink(SECRET, garbage, purpose))).not.toBe('accepted');
      }),
    );
    const claims: LinkClaims = { purpose: 'review', email: 'hamid@cornerbakery.example', ideaId: 'x', gate: 'screen', round: 1, expiresAt: Date.now() + 60_000 };
    expect(problemOf(() => verifyLink(SECRET, signLink('another-key-of-32-characters-or-more!', claims), 'review'))).toBe('tampered');
    expect(problemOf(() => verifyLink(SECRET, 'A'.repeat(5000), 'review'))).toBe('tampered');
  });

  test('no personal data or idea name is readable in a token', () => {
    fc.assert(
      fc.property(claimsArbitrary, (claims) => {
        const token = signLink(SECRET, claims);
        const decoded = Buffer.from(token, 'base64url').toString('latin1');
        for (const text of [token, decoded]) {
          expect(text).not.toContain(claims.email);
          if (claims.ideaId && claims.ideaId.length > 3) expect(text).not.toContain(claims.ideaId);
        }
      }),
    );
  });

  test('tokens of the first format keep working until their own expiry, for their own purpose only', () => {
    const claims: LinkClaims = { purpose: 'review', email: 'hamid@cornerbakery.example', ideaId: 'pumpkin', gate: 'screen', round: 1, expiresAt: 2_000_000_000_000 };
    const legacy = legacyToken(SECRET, claims);
    expect(verifyLink(SECRET, legacy, 'review', claims.expiresAt)).toEqual(claims);
    expect(problemOf(() => verifyLink(SECRET, legacy, 'review', claims.expiresAt + 1))).toBe('expired');
    expect(problemOf(() => verifyLink(SECRET, legacy, 'reviewer', claims.expiresAt))).toBe('wrong-purpose');
    // Stretching its expiry in the readable body breaks its signature.
    const [body, signature] = legacy.split('.') as [string, string];
    const stretched = Buffer.from(Buffer.from(body, 'base64url').toString().replace(String(claims.expiresAt), String(claims.expiresAt + 10 ** 9))).toString('base64url');
    expect(problemOf(() => verifyLink(SECRET, `${stretched}.${signature}`, 'review', claims.expiresAt))).toBe('tampered');
    expect(problemOf(() => verifyLink(SECRET, body, 'review'))).toBe('tampered');
    expect(problemOf(() => verifyLink(SECRET, `${body}.`, 'review'))).toBe('malformed');
    // New links are only made in the sealed format.
    expect(linkBuilder({ publicUrl: 'https://ideas.example', linkSecret: SECRET, linkTtl: 60_000 }).review('pumpkin', 'screen', 1, claims.email).split('/review/')[1]).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  test('a link a page shows never outlives the link that opened it', () => {
    const links = linkBuilder({ publicUrl: 'https://ideas.example', linkSecret: SECRET, linkTtl: 14 * 86_400_000 }, () => 1_000_000);
    const token = links.pending('hamid@cornerbakery.example', 1_005_000).split('/reviewer/')[1]!;
    expect(verifyLink(SECRET, token, 'reviewer', 1_000_000).expiresAt).toBe(1_005_000);
  });

  test('redacting a message replaces every stagegate link and nothing else', () => {
    const links = linkBuilder({ publicUrl: 'https://ideas.example/', linkSecret: SECRET, linkTtl: 60_000 });
    const text = `Review: ${links.review('a', 'screen', 1, 'x@y.example')}\n<a href="${links.pending('x@y.example')}">all</a> and https://ideas.example/outbox and https://other.example/review/abc`;
    const redacted = redactLinks(text, 'https://ideas.example/');
    expect(redacted).toBe(`Review: ${REDACTED_LINK}\n<a href="${REDACTED_LINK}">all</a> and https://ideas.example/outbox and https://other.example/review/abc`);
  });
});
