import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHIPPED_PEOPLE_FILE, SHIPPED_PROCESSES_DIR } from '../config/settings';
import { authoritiesFor, authorityFor, loadPeopleDirectory } from '../config/people';
import { StageGateError, type IdeaStatus, type StageGateClient } from '../client/sdk';
import { runReport, findReport, type DecisionMix } from '../reports';
import { cliEnv, runCli } from './cli-process';
import { HEAD_BAKER, SHOP_MANAGER, idea, inReview, messageTo, scores, settled, testSettings, waitForIdea, withStack } from './helpers';
import { testRunDir } from './paths';
import { get, post, withWeb } from './web-helpers';

const screenScores = scores(4, 'feasibility', 'impact', 'alignment');
const twoGatesScores = scores(4, 'feasibility', 'impact');
const SOFIA = 'Sofia Rossi';

/**
 * A people file like the demo's, with the shop manager's authority at the test processes' first
 * gate (`screen`, quorum all); `sofiaOnCommittee: false` takes Sofia out of the innovation team, so
 * she is no reviewer there and decides only under her authority.
 */
function peopleFile(options: { sofiaOnCommittee: boolean }): string {
  const demo = readFileSync(SHIPPED_PEOPLE_FILE, 'utf8').replace('gates: [idea-screen, quick-decision, hypothesis-review]', 'gates: [screen, idea-screen]');
  const text = options.sofiaOnCommittee ? demo : demo.replace('roles: [shop-manager, innovation-team]', 'roles: [shop-manager]');
  const file = join(mkdtempSync(join(testRunDir(), 'people-')), 'people.yaml');
  writeFileSync(file, text);
  return file;
}

/** What a refused vote must leave alone: the round, the decisions, the timeline and the history's length. */
async function snapshot(client: StageGateClient, ideaId: string) {
  await settled(client, ideaId);
  const status: IdeaStatus = await client.getIdea(ideaId);
  const { historyLength } = await client.client.workflow.getHandle(`idea-${ideaId}`).describe();
  return { status: status.status, round: status.round, decisions: status.decisions, timeline: status.timeline, historyLength };
}

async function refusal(promise: Promise<unknown>): Promise<StageGateError> {
  const err = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(err).toBeInstanceOf(StageGateError);
  return err as StageGateError;
}

describe('who holds delegated authority: the people file', () => {
  const demo = loadPeopleDirectory(SHIPPED_PEOPLE_FILE);

  test("the demo's shop manager may decide up to 300 at the first gates; nobody else, and nothing without an estimate", () => {
    expect(authorityFor(demo, SHOP_MANAGER, 'idea-screen')).toEqual({ email: SHOP_MANAGER, name: SOFIA, budget: 300, source: 'role:shop-manager' });
    expect(authorityFor(demo, SHOP_MANAGER, 'go-to-pilot')).toBeUndefined();
    expect(authoritiesFor(demo, 'quick-decision', 300).map((holder) => holder.email)).toEqual([SHOP_MANAGER]);
    expect(authoritiesFor(demo, 'idea-screen', 301)).toEqual([]);
    expect(authoritiesFor(demo, 'idea-screen', undefined)).toEqual([]);
  });

  test("a person's own authority wins over their roles', even when smaller; of several roles, the largest budget", () => {
    const directory = { ...demo, authorities: [{ role: 'innovation-team', budget: 1000, gates: ['idea-screen'] }, { role: 'head-baker', budget: 2000, gates: ['idea-screen'] }, ...demo.authorities] };
    expect(authorityFor(directory, HEAD_BAKER, 'idea-screen')).toMatchObject({ budget: 2000, source: 'role:head-baker' });
    expect(authorityFor(directory, SHOP_MANAGER, 'idea-screen')).toMatchObject({ budget: 1000, source: 'role:innovation-team' });
    const own = { ...directory, people: directory.people.map((person) => (person.email === HEAD_BAKER ? { ...person, authority: { budget: 50, gates: ['idea-screen'] } } : person)) };
    expect(authorityFor(own, HEAD_BAKER, 'idea-screen')).toEqual({ email: HEAD_BAKER, name: 'Hamid Karimi', budget: 50, source: 'person' });
    expect(authorityFor(own, HEAD_BAKER, 'quick-decision')).toBeUndefined();
    expect(authoritiesFor(own, 'idea-screen', 500).map((holder) => holder.email)).toEqual([SHOP_MANAGER]);
  });
});

describe('decisions under delegated authority', () => {
  test('Sofia alone decides a 250 idea at the first gate of smb-lite: the decision record, the email, idea show and the report say under which authority', async () => {
    await withStack(async ({ client, store, settings }) => {
      const { ideaId } = await client.submitIdea(idea({ process: 'smb-lite', estimatedCost: 250 }));
      const open = await waitForIdea(client, ideaId, inReview('idea-screen'));
      expect(open.round!.authorities).toEqual([{ email: SHOP_MANAGER, name: SOFIA, budget: 300, source: 'role:shop-manager' }]);
      const request = await messageTo(store, ideaId, SHOP_MANAGER, 'review-request');
      expect(request.text).toContain('You may decide this alone under your delegated authority (budget 300, estimated cost 250)');
      expect((await messageTo(store, ideaId, HEAD_BAKER, 'review-request')).text).not.toContain('delegated authority');

      const receipt = await client.castVote(ideaId, { reviewer: SHOP_MANAGER, decision: 'go', scores: screenScores, comment: 'Cheap to try.', via: 'cli' });
      expect(receipt.decided).toBe('go');
      const decided = await waitForIdea(client, ideaId, (status) => status.decisions.length === 1);
      expect(decided.decisions[0]).toMatchObject({
        gate: 'idea-screen',
        decision: 'go',
        decidedBy: 'authority',
        actor: SHOP_MANAGER,
        authority: { holder: SHOP_MANAGER, name: SOFIA, budget: 300, estimatedCost: 250, source: 'role:shop-manager' },
      });
      expect(decided.decisions[0]!.reasons[0]).toBe("Sofia Rossi decided alone under delegated authority (the shop-manager role's authority: budget 300, estimated cost 250).");

      const told = await messageTo(store, ideaId, 'grace@customer.example', 'decision');
      expect(told.text).toContain("Decided by Sofia Rossi alone, under delegated authority (the shop-manager role's authority: budget 300, estimated cost 250).");
      // Hamid, on the committee, did not take part: he hears of it too.
      expect((await messageTo(store, ideaId, HEAD_BAKER, 'decision')).text).toContain('under delegated authority');

      const events = await store.events({ ideaId, types: ['gate_opened', 'decided'] });
      expect(events[0]!.detail).toMatchObject({ authorities: [{ email: SHOP_MANAGER, budget: 300, source: 'role:shop-manager' }], estimatedCost: 250 });
      expect(events[1]!.detail).toMatchObject({ decidedBy: 'authority', authority: { holder: SHOP_MANAGER, estimatedCost: 250 } });

      const mix = (await runReport(findReport('decision-mix')!, store, {})) as DecisionMix;
      expect(mix.byDecider.find((row) => row.decidedBy === 'authority')).toMatchObject({ total: 1, counts: { go: 1 } });
      expect(mix.byAuthority).toEqual([expect.objectContaining({ source: 'role:shop-manager', total: 1 })]);

      const shown = await runCli(cliEnv(settings), ['idea', 'show', ideaId]);
      expect(shown.stdout).toContain("Idea screen round 1: go (score 4) by Sofia Rossi alone, under delegated authority (the shop-manager role's authority: budget 300, estimated cost 250)");
    }, testSettings({ processesDir: SHIPPED_PROCESSES_DIR }));
  });

  test('a 1,200 idea is above her budget: Sofia gets no link, her vote is refused naming the budget and the estimate, nothing changes, the committee decides', async () => {
    await withWeb(async ({ client, store, links, settings }) => {
      const { ideaId } = await client.submitIdea(idea({ estimatedCost: 1200 }));
      const open = await waitForIdea(client, ideaId, inReview('screen'));
      expect(open.round!.authorities).toBeUndefined();
      await messageTo(store, ideaId, HEAD_BAKER, 'review-request');
      expect((await store.outbox({ ideaId, to: SHOP_MANAGER })).length).toBe(0);

      const before = await snapshot(client, ideaId);
      const err = await refusal(client.castVote(ideaId, { reviewer: SHOP_MANAGER, decision: 'go', scores: twoGatesScores, comment: '', via: 'cli' }));
      expect(err.code).toBe('not-allowed');
      expect(err.message).toContain('"Pumpkin spice pastry" is estimated at 1,200, above Sofia Rossi\'s delegated authority at Screen (budget 300, estimated cost 1,200)');
      expect(err.message).toContain('nothing was changed');
      // The same through the CLI and a forged review link.
      const cli = await runCli(cliEnv(settings, { STAGEGATE_PEOPLE_FILE: settings.peopleFile }), ['gate', 'vote', ideaId, '--reviewer', SHOP_MANAGER, '--decision', 'go', '--score', 'feasibility=4', '--score', 'impact=4']);
      expect(cli.code).toBe(1);
      expect(cli.stderr).toContain('above Sofia Rossi\'s delegated authority at Screen (budget 300, estimated cost 1,200)');
      const page = await get(links.review(ideaId, 'screen', 1, SHOP_MANAGER));
      expect(page.status).toBe(403);
      expect(await snapshot(client, ideaId)).toEqual(before);

      await client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'go', scores: twoGatesScores, comment: '', via: 'cli' });
      const decided = await waitForIdea(client, ideaId, (status) => status.decisions.length === 1);
      expect(decided.decisions[0]).toMatchObject({ decidedBy: 'reviewers', decision: 'go' });
      expect(decided.decisions[0]!.authority).toBeUndefined();
    }, 1000, testSettings({ peopleFile: peopleFile({ sofiaOnCommittee: false }) }));
  });

  test('Sofia, not on the committee, gets her own link to a 250 idea: the review page says she may decide alone, and her vote there decides the round', async () => {
    await withWeb(async ({ client, store, links }) => {
      const { ideaId } = await client.submitIdea(idea({ estimatedCost: 250 }));
      const open = await waitForIdea(client, ideaId, inReview('screen'));
      expect(open.round!.reviewers.map((person) => person.email)).toEqual([HEAD_BAKER]);
      expect(open.round!.votesNeeded).toBe(1);
      await messageTo(store, ideaId, SHOP_MANAGER, 'review-request');
      const link = links.review(ideaId, 'screen', 1, SHOP_MANAGER);
      const page = await get(link);
      expect(page.status).toBe(200);
      expect(page.body).toContain('You may decide this alone under your delegated authority (budget 300, estimated cost 250).');
      expect(page.body).toContain(`reviewing as ${SOFIA}`);
      const voted = await post(link, { decision: 'kill', 'score.feasibility': '2', 'score.impact': '2', comment: 'Not now.', conditions: '', fingerprint: '' });
      expect(voted.status).toBe(200);
      const decided = await waitForIdea(client, ideaId, (status) => status.status === 'killed');
      expect(decided.decisions[0]).toMatchObject({ decidedBy: 'authority', decision: 'kill', actor: SHOP_MANAGER, via: 'link', authority: { estimatedCost: 250, budget: 300 } });
      expect(decided.decisions[0]!.comments).toEqual([{ reviewer: SOFIA, decision: 'kill', comment: 'Not now.' }]);
    }, 1000, testSettings({ peopleFile: peopleFile({ sofiaOnCommittee: false }) }));
  });

  test('a committee member with authority decides a small idea alone, though the quorum is all; a later vote is refused', async () => {
    await withStack(async ({ client }) => {
      const { ideaId } = await client.submitIdea(idea({ estimatedCost: 250 }));
      const open = await waitForIdea(client, ideaId, inReview('screen'));
      expect(open.round!.votesNeeded).toBe(2);
      const receipt = await client.castVote(ideaId, { reviewer: SHOP_MANAGER, decision: 'go', scores: twoGatesScores, comment: '', via: 'cli' });
      expect(receipt.decided).toBe('go');
      const err = await refusal(client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'kill', scores: twoGatesScores, comment: '', via: 'cli' }));
      expect(err.code).toBe('gate-closed');
      const status = await waitForIdea(client, ideaId, (now) => now.decisions.length === 1);
      expect(status.decisions[0]).toMatchObject({ decidedBy: 'authority', decision: 'go', authority: { holder: SHOP_MANAGER } });
    }, testSettings({ peopleFile: peopleFile({ sofiaOnCommittee: true }) }));
  });

  test('a committee member with authority on an idea above it is one vote of the committee', async () => {
    await withStack(async ({ client }) => {
      const { ideaId } = await client.submitIdea(idea({ estimatedCost: 400 }));
      await waitForIdea(client, ideaId, inReview('screen'));
      const receipt = await client.castVote(ideaId, { reviewer: SHOP_MANAGER, decision: 'go', scores: twoGatesScores, comment: '', via: 'cli' });
      expect(receipt.decided).toBeUndefined();
      expect(receipt).toMatchObject({ votesIn: 1, votesNeeded: 2 });
      await client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'go', scores: twoGatesScores, comment: '', via: 'cli' });
      expect((await waitForIdea(client, ideaId, (now) => now.decisions.length === 1)).decisions[0]).toMatchObject({ decidedBy: 'reviewers' });
    }, testSettings({ peopleFile: peopleFile({ sofiaOnCommittee: true }) }));
  });

  test('nobody decides their own idea under authority: Sofia submits a 250 idea, her vote is refused, nothing changes', async () => {
    await withStack(async ({ client, store }) => {
      const { ideaId } = await client.submitIdea(idea({ estimatedCost: 250, submitter: { email: SHOP_MANAGER, name: SOFIA } }));
      const open = await waitForIdea(client, ideaId, inReview('screen'));
      expect(open.round!.authorities).toBeUndefined();
      expect((await store.outbox({ ideaId, to: SHOP_MANAGER })).filter((message) => message.purpose === 'review-request')).toEqual([]);
      const before = await snapshot(client, ideaId);
      const err = await refusal(client.castVote(ideaId, { reviewer: SHOP_MANAGER, decision: 'go', scores: twoGatesScores, comment: '', via: 'cli' }));
      expect(err.code).toBe('not-allowed');
      expect(err.message).toContain('Sofia Rossi submitted "Pumpkin spice pastry", and nobody decides their own idea under delegated authority');
      expect(await snapshot(client, ideaId)).toEqual(before);
    }, testSettings({ peopleFile: peopleFile({ sofiaOnCommittee: false }) }));
  });
});
