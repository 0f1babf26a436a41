import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { openSealedStore } from '../codec';
import { StageGateClient } from '../client/sdk';
import type { Settings } from '../config/settings';
import { storeFile } from '../store';
import { CLI, cliEnv } from './cli-process';
import { rawHistory } from './codec-helpers';
import { COUNTER, HEAD_BAKER, idea, inReview, OWNER, SHOP_MANAGER, testSettings, waitForIdea, withStack } from './helpers';

const GRACE = 'grace@customer.example';

function run(settings: Settings, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: cliEnv(settings, { STAGEGATE_CODEC_KEYS: settings.codecKeys }), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function rawRows(dataDir: string): string {
  const db = new Database(storeFile(dataDir), { readonly: true });
  try {
    return ['events', 'outbox', 'pending_submissions'].map((table) => JSON.stringify(db.prepare(`SELECT * FROM ${table}`).all())).join('\n');
  } finally {
    db.close();
  }
}

describe('forgetting a person', () => {
  test('refused while their idea runs; with --withdraw their ideas become unreadable, the store forgets them, reports still count them', async () => {
    const settings = testSettings({ codecKeys: `k1:${randomBytes(32).toString('base64')}` });
    await withStack(async ({ client }) => {
      const theirs = await client.submitIdea(idea({ title: 'Pumpkin pastry', submitter: { email: GRACE, name: 'Grace Hall' } }));
      const other = await client.submitIdea(idea({ title: 'Rye loaf', submitter: { email: COUNTER, name: 'Leo Martin' } }));
      for (const { ideaId } of [theirs, other]) {
        await waitForIdea(client, ideaId, inReview('screen'));
        await client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'go', scores: { feasibility: 4, impact: 4 }, comment: `Good one, ${GRACE} will like it` });
        await client.castVote(ideaId, { reviewer: SHOP_MANAGER, decision: 'go', scores: { feasibility: 4, impact: 4 } });
        await waitForIdea(client, ideaId, (s) => s.stage.id === 'build');
      }
      // A submission of theirs from the portal, held until they confirm it: erasure deletes it too.
      const held = await client.submitFromPortal(idea({ title: 'Pumpkin soup', submitter: { email: GRACE, name: 'Grace Hall' } }));
      expect(held.held).toBe(true);
      expect(await client.heldSubmission(held.ideaId)).toMatchObject({ email: GRACE });
      const before = (await client.report('participation')) as { total: { ideas: number; submitters: number; votes: number } };

      // Still under way: refused, nothing changes.
      const refused = await run(settings, 'person', 'forget', GRACE);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`${GRACE} submitted ideas still under way: ${theirs.ideaId}. Nothing was changed`);
      expect((await client.getIdea(theirs.ideaId)).title).toBe('Pumpkin pastry');

      const forgot = await run(settings, 'person', 'forget', GRACE, '--withdraw', '--by', OWNER);
      expect(forgot.stderr).toBe('');
      expect(forgot.code).toBe(0);
      expect(forgot.stdout).toContain(`withdrew ${theirs.ideaId} first`);
      expect(forgot.stdout).toContain(`ideas they submitted, now unreadable: ${theirs.ideaId}`);
      expect(forgot.stdout).toMatch(/data keys destroyed: [12]\n/);
      expect(forgot.stdout).toMatch(/outbox messages deleted: [1-9]/);
      expect(forgot.stdout).toContain('submissions held for confirmation deleted: 1\n');
      expect(await client.heldSubmission(held.ideaId)).toBeUndefined();

      // `idea show` says plainly it was forgotten; the SDK gives a code to branch on.
      const shown = await run(settings, 'idea', 'show', theirs.ideaId);
      expect(shown.code).toBe(1);
      expect(shown.stderr).toMatch(new RegExp(`^stagegate: Idea "${theirs.ideaId}" was forgotten on .* its data key was destroyed`));
      expect(shown.stderr).not.toContain('    at ');
      await expect(client.getIdea(theirs.ideaId)).rejects.toMatchObject({ code: 'forgotten' });
      // The idea's history is unreadable even with the codec; the list shows it as forgotten; the other idea is untouched.
      // (A fresh client: one that held the key before keeps its copy for up to a minute.)
      const fresh = await StageGateClient.connect({ settings });
      try {
        const [started] = await rawHistory(fresh, `idea-${theirs.ideaId}`);
        const [decoded] = await fresh.codec!.codec.decode([started!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!]);
        expect(Buffer.from(decoded!.data!).toString()).toBe('"(forgotten)"');
        expect((await fresh.listIdeas()).map((summary) => summary.title).sort()).toEqual(['(forgotten)', 'Rye loaf']);
        expect((await fresh.getIdea(other.ideaId)).title).toBe('Rye loaf');
      } finally {
        await fresh.close();
      }

      // The store: their address nowhere, not even sealed in the idea they did not submit; reports still count what they did.
      expect(rawRows(settings.dataDir)).not.toContain(GRACE);
      const store = await openSealedStore(settings);
      try {
        const events = await store.events();
        expect(JSON.stringify(events)).not.toContain(GRACE);
        const submitted = events.find((event) => event.type === 'submitted' && event.ideaId === theirs.ideaId)!;
        expect(submitted.actor).toMatch(/^forgotten person [0-9a-f]{8}$/);
        expect(forgot.stdout).toContain(`"${submitted.actor}"`);
        expect(submitted.detail.title).toBeUndefined();
        expect(events.find((event) => event.type === 'vote_cast' && event.ideaId === other.ideaId && event.actor === HEAD_BAKER)?.detail.comment).toBe(`Good one, ${submitted.actor} will like it`);
        const forgotten = events.filter((event) => event.type === 'forgotten');
        expect(forgotten).toHaveLength(1);
        expect(await store.outbox({ to: GRACE })).toEqual([]);
        expect((await store.outbox({ ideaId: theirs.ideaId })).length).toBe(0);
      } finally {
        await store.close();
      }
      const after = (await client.report('participation')) as typeof before;
      expect(after.total).toMatchObject({ ideas: before.total.ideas, submitters: before.total.submitters, votes: before.total.votes });

      // A reviewer who submitted nothing: no key to destroy, their name gone from the store, the idea they reviewed readable.
      const reviewer = await client.forgetPerson(HEAD_BAKER);
      expect(reviewer).toMatchObject({ ideas: [], keysDestroyed: [], withdrawn: [] });
      expect(reviewer.eventsPseudonymised).toBeGreaterThan(0);
      expect(rawRows(settings.dataDir)).not.toContain(HEAD_BAKER);
      const events = await openSealedStore(settings).then(async (opened) => {
        try {
          return await opened.events();
        } finally {
          await opened.close();
        }
      });
      expect(JSON.stringify(events)).not.toContain(HEAD_BAKER);
      expect(events.find((event) => event.type === 'vote_cast' && event.ideaId === other.ideaId && event.actor === reviewer.forgottenAs)?.detail.comment).toMatch(/^Good one, forgotten person [0-9a-f]{8} will like it$/);
      expect(events.filter((event) => event.type === 'forgotten').map((event) => event.actor)).toEqual([expect.stringMatching(/^forgotten person /), reviewer.forgottenAs]);
      expect(((await client.report('participation')) as { total: { reviewers: number } }).total.reviewers).toBe((before.total as unknown as { reviewers: number }).reviewers);
      expect((await client.getIdea(other.ideaId)).title).toBe('Rye loaf');
    }, settings);
  }, 120_000);
});
