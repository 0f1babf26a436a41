import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { SHIPPED_PEOPLE_FILE } from '../config/settings';
import { peopleDirectorySchema, peopleForRound } from '../config/people';
import { StageGateError, type IdeaStatus } from '../client/sdk';
import { delegateReviewUpdate } from '../workflows/messages';
import { cliEnv, runCli } from './cli-process';
import { COUNTER, HEAD_BAKER, OWNER, SHOP_MANAGER, eventually, idea, inReview, messageTo, scores, testSettings, waitForIdea, withStack } from './helpers';
import type { Store } from '../store';

const MAYA = 'maya@cornerbakery.example';
const NADIA = 'nadia@cornerbakery.example';
const today = new Date().toISOString().slice(0, 10);
const inAWeek = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);

type PersonEntry = { email: string; name: string; roles?: string[]; active?: boolean; absences?: { from: string; to: string; standIn: string }[] };
type Directory = { organisation: string; people: PersonEntry[] };

/** The shipped bakery's people, plus Nadia (an admin), changed by `change`, in a file of the test's own. */
function peopleFile(dataDir: string, change: (people: PersonEntry[]) => void = () => undefined): string {
  const file = join(dataDir, 'people.yaml');
  writePeople(file, change);
  return file;
}

function writePeople(file: string, change: (people: PersonEntry[]) => void): void {
  const directory = parse(readFileSync(SHIPPED_PEOPLE_FILE, 'utf8')) as Directory;
  directory.people.push({ email: NADIA, name: 'Nadia Haddad', roles: ['admin'] });
  change(directory.people);
  writeFileSync(file, stringify(directory));
}

const person = (people: PersonEntry[], email: string) => people.find((entry) => entry.email === email)!;

/** Settings of a test whose people file it may edit. */
function settingsWithPeople(change?: (people: PersonEntry[]) => void) {
  const base = testSettings();
  const file = peopleFile(base.dataDir, change);
  return { ...base, peopleFile: file };
}

const screenScores = scores(4, 'feasibility', 'impact');

async function eventsOf(store: Store, ideaId: string, type: string) {
  return (await store.events({ ideaId })).filter((event) => event.type === type);
}

function reviewersOf(status: IdeaStatus): string[] {
  return status.round!.reviewers.map((reviewer) => reviewer.email).sort();
}

describe('peopleForRound, the rules on their own', () => {
  const directory = (change: (people: PersonEntry[]) => void) => {
    const shipped = parse(readFileSync(SHIPPED_PEOPLE_FILE, 'utf8')) as Directory;
    change(shipped.people);
    return peopleDirectorySchema.parse(shipped);
  };
  const team = { reviewers: { people: [], roles: ['innovation-team'] }, escalateTo: { people: [], roles: ['owner'] }, allowSelfReview: false, submitter: 'grace@customer.example', champion: COUNTER, on: '2026-08-05' };

  test('the deactivated and the idea\'s own people are not asked; a stand-in already asked falls back to the escalation contact', () => {
    const people = directory((all) => {
      person(all, HEAD_BAKER).absences = [{ from: '2026-08-03', to: '2026-08-14', standIn: SHOP_MANAGER }];
      all.push({ email: 'ines@cornerbakery.example', name: 'Ines', roles: ['innovation-team'], active: false });
    });
    const round = peopleForRound(people, team);
    expect(round.reviewers.map((reviewer) => reviewer.email)).toEqual([SHOP_MANAGER, OWNER]);
    expect(round.standIns).toEqual([{ for: HEAD_BAKER, standIn: OWNER, until: '2026-08-14' }]);
    expect(round.skipped).toEqual(expect.arrayContaining([{ email: 'ines@cornerbakery.example', why: 'deactivated' }, { email: HEAD_BAKER, why: 'away until 2026-08-14' }]));
    // The day after the absence, Hamid is asked himself.
    expect(peopleForRound(people, { ...team, on: '2026-08-15' }).reviewers.map((reviewer) => reviewer.email)).toEqual([HEAD_BAKER, SHOP_MANAGER]);
    // His own idea: never his own reviewer, unless the gate allows it.
    expect(peopleForRound(people, { ...team, on: '2026-08-15', champion: HEAD_BAKER }).reviewers.map((reviewer) => reviewer.email)).toEqual([SHOP_MANAGER]);
    expect(peopleForRound(people, { ...team, on: '2026-08-15', champion: HEAD_BAKER, allowSelfReview: true }).reviewers.map((reviewer) => reviewer.email)).toEqual([HEAD_BAKER, SHOP_MANAGER]);
  });

  test('a replacement is the next of the gate\'s reviewers not asked, else an escalation contact, else nobody', () => {
    const people = directory((all) => all.push({ email: 'ines@cornerbakery.example', name: 'Ines', roles: ['innovation-team'] }));
    expect(peopleForRound(people, { ...team, asked: [HEAD_BAKER, SHOP_MANAGER], replacing: HEAD_BAKER }).replacement).toEqual({ email: 'ines@cornerbakery.example', name: 'Ines' });
    expect(peopleForRound(people, { ...team, asked: [HEAD_BAKER, SHOP_MANAGER, 'ines@cornerbakery.example'] }).replacement).toEqual({ email: OWNER, name: 'Olivia Brown' });
    expect(peopleForRound(people, { ...team, asked: [HEAD_BAKER, SHOP_MANAGER, 'ines@cornerbakery.example', OWNER] }).replacement).toBeUndefined();
    expect(peopleForRound(people, { ...team, asked: [HEAD_BAKER], replacing: HEAD_BAKER }).replacingActive).toBe(true);
  });
});

describe('people resolved when a round opens', () => {
  test('a stand-in receives the round of someone away today; a stand-in who is the champion falls back to the escalation contact', async () => {
    const settings = settingsWithPeople((people) => {
      person(people, HEAD_BAKER).absences = [{ from: today, to: inAWeek, standIn: MAYA }];
    });
    await withStack(async ({ client, store }) => {
      const { ideaId } = await client.submitIdea(idea());
      const open = await waitForIdea(client, ideaId, inReview('screen'));
      expect(reviewersOf(open)).toEqual([MAYA, SHOP_MANAGER]);
      expect(open.round!.standIns).toEqual([{ for: HEAD_BAKER, standIn: MAYA, until: inAWeek }]);
      expect(open.round!.votesNeeded).toBe(2);
      expect((await messageTo(store, ideaId, MAYA, 'review-request')).text).toContain('/review/');
      expect((await store.outbox({ ideaId, to: HEAD_BAKER })).filter((message) => message.purpose === 'review-request')).toEqual([]);
      const [opened] = await eventually(async () => {
        const found = await eventsOf(store, ideaId, 'gate_opened');
        expect(found).toHaveLength(1);
        return found;
      });
      expect(opened!.detail).toMatchObject({ reviewers: [SHOP_MANAGER, MAYA], standIns: [{ for: HEAD_BAKER, standIn: MAYA }] });

      // Maya champions this one: she cannot stand in for its review, the escalation contact does.
      const own = await client.submitIdea(idea({ title: 'Rye sourdough', champion: { email: MAYA, name: 'Maya Chen' } }));
      const fallback = await waitForIdea(client, own.ideaId, inReview('screen'));
      expect(reviewersOf(fallback)).toEqual([OWNER, SHOP_MANAGER]);
      expect(fallback.round!.standIns).toEqual([{ for: HEAD_BAKER, standIn: OWNER, until: inAWeek }]);
    }, settings);
  });

  test('a reviewer removed from the people file mid-round is replaced: event, email, quorum of the people asked', async () => {
    const settings = settingsWithPeople();
    await withStack(async ({ client, store }) => {
      const { ideaId } = await client.submitIdea(idea());
      await waitForIdea(client, ideaId, inReview('screen'));
      await client.castVote(ideaId, { reviewer: SHOP_MANAGER, decision: 'go', scores: screenScores });
      // The admin only edits the file: the worker notices and reassigns.
      writePeople(settings.peopleFile, (people) => people.splice(people.findIndex((entry) => entry.email === HEAD_BAKER), 1));
      const reassigned = await waitForIdea(client, ideaId, (status) => status.round?.reviewers.some((reviewer) => reviewer.email === OWNER) ?? false, 30_000);
      expect(reviewersOf(reassigned)).toEqual([OWNER, SHOP_MANAGER]);
      expect(reassigned.round!.votesNeeded).toBe(2);
      expect(reassigned.round!.replaced).toMatchObject([{ from: HEAD_BAKER, to: OWNER, why: 'removed' }]);
      const [event] = await eventually(async () => {
        const found = await eventsOf(store, ideaId, 'reviewer_reassigned');
        expect(found).toHaveLength(1);
        return found;
      });
      expect(event!.detail).toMatchObject({ from: HEAD_BAKER, to: OWNER, why: 'removed' });
      expect((await messageTo(store, ideaId, OWNER, 'review-request')).text).toContain('/review/');
      // Hamid's vote is refused now; the new reviewer's decides.
      await expect(client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'kill', scores: screenScores })).rejects.toMatchObject({ code: 'not-a-reviewer' });
      await client.castVote(ideaId, { reviewer: OWNER, decision: 'go', scores: screenScores });
      await waitForIdea(client, ideaId, (status) => status.decisions.length === 1);
      // Running the sync again (as several workers might) changes nothing.
      expect(await client.syncPeople()).toEqual([]);
      expect(await eventsOf(store, ideaId, 'reviewer_reassigned')).toHaveLength(1);
    }, settings);
  });

  test('stagegate people sync and syncPeople at once reassign a deactivated reviewer once; stagegate people lists who stands in today', async () => {
    const settings = settingsWithPeople((people) => {
      person(people, SHOP_MANAGER).absences = [{ from: today, to: inAWeek, standIn: MAYA }];
    });
    await withStack(async ({ client, store }) => {
      const env = { ...cliEnv(settings), STAGEGATE_PEOPLE_FILE: settings.peopleFile, STAGEGATE_LINK_SECRET: settings.linkSecret };
      const listed = await runCli(env, ['people', '--json']);
      expect(JSON.parse(listed.stdout)).toMatchObject({ on: today, standIns: [{ for: SHOP_MANAGER, standIn: MAYA, from: today, to: inAWeek }] });
      expect(JSON.parse((await runCli(env, ['people', '--on', '2001-01-01', '--json'])).stdout).standIns).toEqual([]);
      expect((await runCli(env, ['people', '--on', '2026-13-45'])).code).toBe(2);

      const { ideaId } = await client.submitIdea(idea());
      await waitForIdea(client, ideaId, inReview('screen'));
      writePeople(settings.peopleFile, (people) => {
        person(people, SHOP_MANAGER).absences = [{ from: today, to: inAWeek, standIn: MAYA }];
        person(people, HEAD_BAKER).active = false;
      });
      const [cli, sdk] = await Promise.all([runCli(env, ['people', 'sync', '--by', OWNER]), client.syncPeople({ by: OWNER })]);
      expect(cli.code).toBe(0);
      const done = await waitForIdea(client, ideaId, (status) => !status.round?.reviewers.some((reviewer) => reviewer.email === HEAD_BAKER));
      expect(reviewersOf(done)).toEqual([MAYA, OWNER].sort());
      await eventually(async () => expect(await eventsOf(store, ideaId, 'reviewer_reassigned')).toHaveLength(1));
      // Whoever got there first says so; the other found nothing left to do.
      const printed = cli.stdout.includes(HEAD_BAKER) ? 1 : 0;
      expect(printed + sdk.length).toBeLessThanOrEqual(1);
      if (printed) expect(cli.stdout).toMatch(/hamid@cornerbakery\.example.*deactivated/);
      await expect(client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'go', scores: screenScores })).rejects.toBeInstanceOf(StageGateError);
    }, settings);
  });

  test('a round whose reviewers have all left escalates at once, says why, and applies its rule for no decision', async () => {
    const settings = settingsWithPeople();
    await withStack(async ({ client, store }) => {
      const { ideaId } = await client.submitIdea(idea());
      await waitForIdea(client, ideaId, inReview('screen'));
      for (const reviewer of [HEAD_BAKER, SHOP_MANAGER]) await client.castVote(ideaId, { reviewer, decision: 'go', scores: screenScores });
      await waitForIdea(client, ideaId, (status) => status.stage.id === 'build' && status.status === 'in-stage');
      // The final gate names only Olivia, reviewer and escalation contact: she leaves before it opens.
      writePeople(settings.peopleFile, (people) => {
        person(people, OWNER).active = false;
      });
      await client.markReady(ideaId, { by: COUNTER, notes: 'Plan done' });
      const held = await waitForIdea(client, ideaId, (status) => status.status === 'on-hold');
      expect(held.decisions[1]).toMatchObject({ gate: 'final', decision: 'hold', decidedBy: 'deadline' });
      expect(held.decisions[1]!.reasons.join(' ')).toContain('Nobody is left to review Final');
      await eventually(async () => {
        const [escalated] = await eventsOf(store, ideaId, 'escalated');
        expect(String(escalated?.detail.why)).toContain(`${OWNER} (deactivated)`);
      });
    }, settings);
  });

  test('a removed admin can no longer override, hold or resume, even at a round that opened while they were one', async () => {
    const settings = settingsWithPeople();
    await withStack(async ({ client }) => {
      const { ideaId } = await client.submitIdea(idea());
      const open = await waitForIdea(client, ideaId, inReview('screen'));
      expect(open.round!.admins).toContain(NADIA);
      writePeople(settings.peopleFile, (people) => people.splice(people.findIndex((entry) => entry.email === NADIA), 1));
      await expect(client.overrideDecision(ideaId, { by: NADIA, decision: 'go', reason: 'I used to be able to' })).rejects.toMatchObject({ code: 'not-allowed' });
      await expect(client.hold(ideaId, { by: NADIA, reason: 'Parked' })).rejects.toMatchObject({ code: 'not-allowed' });
      const after = await client.getIdea(ideaId);
      expect(after.status).toBe('in-review');
      expect(after.decisions).toEqual([]);
      // An admin still in the file may.
      await client.overrideDecision(ideaId, { by: OWNER, decision: 'go', reason: 'Cheap to try' });
      await waitForIdea(client, ideaId, (status) => status.decisions.length === 1);
    }, settings);
  });
});

describe('handing a review over', () => {
  test('through the SDK and the CLI: the colleague is asked with their own link, the hand-over recorded, the old reviewer refused', async () => {
    const settings = settingsWithPeople();
    await withStack(async ({ client, store }) => {
      const { ideaId } = await client.submitIdea(idea());
      await waitForIdea(client, ideaId, inReview('screen'));
      const receipt = await client.delegateReview(ideaId, { reviewer: HEAD_BAKER, to: MAYA });
      expect(receipt).toMatchObject({ from: HEAD_BAKER, to: MAYA, replaced: true, gate: 'screen', round: 1 });
      const status = await client.getIdea(ideaId);
      expect(reviewersOf(status)).toEqual([MAYA, SHOP_MANAGER]);
      expect((await messageTo(store, ideaId, MAYA, 'review-request')).text).toContain('/review/');
      await expect(client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'go', scores: screenScores })).rejects.toMatchObject({ code: 'not-a-reviewer' });
      await expect(client.delegateReview(ideaId, { reviewer: HEAD_BAKER, to: NADIA })).rejects.toMatchObject({ code: 'not-a-reviewer' });

      // Sofia hands hers to Nadia from the command line.
      const env = { ...cliEnv(settings), STAGEGATE_PEOPLE_FILE: settings.peopleFile };
      const cli = await runCli(env, ['gate', 'delegate', ideaId, '--reviewer', SHOP_MANAGER, '--to', NADIA]);
      expect(cli.stderr).toBe('');
      expect(cli.stdout).toContain(`goes to ${NADIA}`);
      const refused = await runCli(env, ['gate', 'delegate', ideaId, '--reviewer', MAYA, '--to', 'nobody@cornerbakery.example']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('not in the people directory');
      await eventually(async () => {
        const events = await eventsOf(store, ideaId, 'review_delegated');
        expect(events.map((event) => event.detail)).toEqual([
          expect.objectContaining({ from: HEAD_BAKER, to: MAYA, by: HEAD_BAKER, via: 'sdk' }),
          expect.objectContaining({ from: SHOP_MANAGER, to: NADIA, by: SHOP_MANAGER, via: 'cli' }),
        ]);
      });
      for (const reviewer of [MAYA, NADIA]) await client.castVote(ideaId, { reviewer, decision: 'go', scores: screenScores });
      const decided = await waitForIdea(client, ideaId, (now) => now.decisions.length === 1);
      expect(decided.decisions[0]).toMatchObject({ decision: 'go', decidedBy: 'reviewers' });
    }, settings);
  });

  test('no self-approval, whoever delegates: the submitter or champion is refused and nothing changes', async () => {
    const settings = settingsWithPeople();
    await withStack(async ({ client, store }) => {
      const { ideaId } = await client.submitIdea(idea({ submitter: { email: MAYA, name: 'Maya Chen' } }));
      const before = await waitForIdea(client, ideaId, inReview('screen'));
      for (const to of [MAYA, COUNTER]) {
        await expect(client.delegateReview(ideaId, { reviewer: HEAD_BAKER, to })).rejects.toMatchObject({ code: 'not-allowed', message: expect.stringContaining('self-review') });
      }
      // Straight to the journey, past the SDK: the journey refuses it too.
      const handle = client.client.workflow.getHandle(`idea-${ideaId}`);
      await expect(handle.executeUpdate(delegateReviewUpdate, { args: [{ reviewer: HEAD_BAKER, to: { email: COUNTER, name: 'Leo Martin' }, by: HEAD_BAKER }] })).rejects.toMatchObject({ cause: { message: expect.stringContaining('champion') } });
      await expect(client.delegateReview(ideaId, { reviewer: HEAD_BAKER, to: SHOP_MANAGER })).rejects.toMatchObject({ code: 'invalid-delegation' });
      const after = await client.getIdea(ideaId);
      expect(after.round!.reviewers).toEqual(before.round!.reviewers);
      expect(after.round!.replaced).toBeUndefined();
      expect(await eventsOf(store, ideaId, 'review_delegated')).toEqual([]);
    }, settings);
  });

  test('a double click and a concurrent second hand-over leave one hand-over', async () => {
    const settings = settingsWithPeople();
    await withStack(async ({ client, store }) => {
      const { ideaId } = await client.submitIdea(idea());
      await waitForIdea(client, ideaId, inReview('screen'));
      const results = await Promise.allSettled([
        client.delegateReview(ideaId, { reviewer: HEAD_BAKER, to: MAYA, via: 'link' }),
        client.delegateReview(ideaId, { reviewer: HEAD_BAKER, to: MAYA, via: 'link' }),
        client.delegateReview(ideaId, { reviewer: HEAD_BAKER, to: NADIA, via: 'link' }),
      ]);
      expect(results.filter((result) => result.status === 'fulfilled').length).toBeGreaterThanOrEqual(1);
      const status = await client.getIdea(ideaId);
      const asked = reviewersOf(status);
      expect(asked).not.toContain(HEAD_BAKER);
      expect(asked.filter((email) => email === MAYA || email === NADIA)).toHaveLength(1);
      expect(status.round!.replaced).toHaveLength(1);
      await eventually(async () => expect(await eventsOf(store, ideaId, 'review_delegated')).toHaveLength(1));
    }, settings);
  });
});
