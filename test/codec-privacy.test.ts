import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { REPORTS } from '../reports';
import { storeFile } from '../store';
import { openSealedStore } from '../codec';
import { COUNTER, eventually, HEAD_BAKER, idea, inReview, OWNER, SHOP_MANAGER, TEST_LINK_SECRET, testSettings, waitForIdea, withStack } from './helpers';
import { rawHistory } from './codec-helpers';

/** Everything in a raw history as text: payload bytes as UTF-8, so plaintext inside them shows. */
function asText(value: unknown): string {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  if (Array.isArray(value)) return value.map(asText).join('\n');
  if (value && typeof value === 'object') return Object.entries(value).map(([name, inner]) => `${name}=${asText(inner)}`).join('\n');
  return String(value);
}

function rawRows(dataDir: string): string {
  const db = new Database(storeFile(dataDir), { readonly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
    return tables.map(({ name }) => JSON.stringify(db.prepare(`SELECT * FROM ${name}`).all())).join('\n');
  } finally {
    db.close();
  }
}

const SECRETS = {
  submitter: 'grace@customer.example',
  submitterName: 'Grace Hall',
  champion: COUNTER,
  championName: 'Leo Martin',
  reviewer: HEAD_BAKER,
  reviewerName: 'Hamid Karimi',
  otherReviewer: SHOP_MANAGER,
  owner: OWNER,
  description: 'Customers keep asking for a seasonal pumpkin pastry in autumn.',
  comment: 'Hamid thinks the crust needs more spice',
  notes: 'Recipe card and costing attached',
  link: 'https://files.example/pumpkin-plan',
  linkSecret: TEST_LINK_SECRET,
};

describe('no plaintext in raw history or the raw store', () => {
  test('a journey with votes, comments and notes leaves no email, name, description, comment or secret readable without the keys; the SDK and reports still read it', async () => {
    const settings = testSettings({ codecKeys: `k1:${randomBytes(32).toString('base64')}` });
    await withStack(async ({ client }) => {
      const { ideaId } = await client.submitIdea(idea({ description: SECRETS.description }));
      await waitForIdea(client, ideaId, inReview('screen'));
      await client.reviewOpened(ideaId, { reviewer: HEAD_BAKER, round: 1 });
      await client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'go', scores: { feasibility: 4, impact: 4 }, comment: SECRETS.comment });
      await client.castVote(ideaId, { reviewer: SHOP_MANAGER, decision: 'go', scores: { feasibility: 5, impact: 3 }, comment: 'Yes' });
      await waitForIdea(client, ideaId, (s) => s.stage.id === 'build' && s.stage.awaitingReady);
      await client.markReady(ideaId, { by: COUNTER, notes: SECRETS.notes, links: [SECRETS.link] });
      await waitForIdea(client, ideaId, inReview('final'));
      await client.castVote(ideaId, { reviewer: OWNER, decision: 'go', scores: { impact: 5 }, comment: 'Launch it' });
      expect((await client.outcome(ideaId)).status).toBe('launched');

      // Through the codec everything is there.
      const status = await client.getIdea(ideaId);
      expect(status.description).toBe(SECRETS.description);
      expect(JSON.stringify(status)).toContain(HEAD_BAKER);

      // Without it: Temporal's raw history, asked with the plain gRPC service, and the raw SQLite rows.
      const history = asText(await rawHistory(client, `idea-${ideaId}`));
      const rows = rawRows(settings.dataDir);
      expect(rows).toContain(ideaId);
      for (const [what, secret] of Object.entries(SECRETS)) {
        expect({ what, inHistory: history.includes(secret) }).toEqual({ what, inHistory: false });
        expect({ what, inStore: rows.includes(secret) }).toEqual({ what, inStore: false });
      }

      // Reports still count: two submitters' worth of people grouped by pseudonym, decrypted where the key exists.
      const participation = (await client.report('participation')) as { total: Record<string, number> };
      expect(participation.total).toEqual({ ideas: 1, submitters: 1, votes: 3, reviewers: 3 });
      for (const report of REPORTS) await expect(client.report(report.name)).resolves.toBeDefined();
      expect(JSON.stringify(await client.report('value'))).toContain('Pumpkin spice pastry');
      const events = await (await import('../codec')).openSealedStore(settings).then(async (store) => {
        try {
          return await store.events({ ideaId });
        } finally {
          await store.close();
        }
      });
      expect(events.find((event) => event.type === 'vote_cast' && event.actor === HEAD_BAKER)?.detail.comment).toBe(SECRETS.comment);
      expect(events.find((event) => event.type === 'submitted')?.actor).toBe(SECRETS.submitter);
    }, settings);
  }, 90_000);

  test('with SMTP, the sealed outbox still sends each message once, in plain words to the right person, and records it sent', async () => {
    const received: ParsedMail[] = [];
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, _session, callback) => void simpleParser(stream).then((mail) => (received.push(mail), callback()), callback),
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.server.address() as AddressInfo).port;
    const settings = testSettings({ codecKeys: `k1:${randomBytes(32).toString('base64')}`, mail: { smtp: { host: '127.0.0.1', port } } });
    try {
      await withStack(async ({ client }) => {
        const { ideaId } = await client.submitIdea(idea({ description: SECRETS.description }));
        await waitForIdea(client, ideaId, inReview('screen'));
        const review = await eventually(() => {
          const found = received.find((mail) => !Array.isArray(mail.to) && mail.to?.value[0]?.address === HEAD_BAKER);
          if (!found) throw new Error('no review request yet');
          return found;
        });
        expect(review.text).toContain(SECRETS.description);
        await eventually(() => {
          const rows = new Database(storeFile(settings.dataDir), { readonly: true });
          try {
            const sent = rows.prepare('SELECT to_email, sent_at, body FROM outbox').all() as { to_email: string; sent_at: string | null; body: string }[];
            expect(sent.length).toBeGreaterThanOrEqual(3);
            for (const row of sent) expect(row).toMatchObject({ to_email: expect.stringMatching(/^person:[0-9a-f]+$/), sent_at: expect.any(String), body: expect.stringMatching(/^sealed:/) });
          } finally {
            rows.close();
          }
        });
        expect(received.filter((mail) => !Array.isArray(mail.to) && mail.to?.value[0]?.address === HEAD_BAKER)).toHaveLength(1);
        // Delivered, the kept copy loses its links, and stays sealed: even with the keys it opens no page.
        const sealed = await openSealedStore(settings);
        await eventually(async () => {
          const [kept] = (await sealed.outbox({ ideaId, to: HEAD_BAKER })).filter((message) => message.purpose === 'review-request');
          expect(kept?.text).toContain('[link removed after delivery]');
          expect(kept?.text).not.toContain(`${settings.publicUrl}/review/`);
        }).finally(() => sealed.close());
        const rows = new Database(storeFile(settings.dataDir), { readonly: true });
        try {
          for (const row of rows.prepare('SELECT body, html FROM outbox').all() as { body: string; html: string | null }[]) expect(row).toEqual({ body: expect.stringMatching(/^sealed:/), html: null });
        } finally {
          rows.close();
        }
      }, settings);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
