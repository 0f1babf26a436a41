import type { StageGateClient } from '../client/sdk';
import { startNetworkWebServer } from '../client/web/network';
import { findScope, scopeSettings } from '../config/network';
import { openStore, type Store } from '../store';
import { asked, eventually, idea, messageTo, waitForIdea } from './helpers';
import { get, post } from './web-helpers';
import { runCli } from './cli-process';
import { adminKeyOf, makeNetwork, owner, startNetworkWorkers, team, type MemberId, type TestNetwork } from './network-helpers';

// One installation, three members and the network, each in a Temporal namespace of its own on the test run's dev server.
let net: TestNetwork;
let stopWorkers: () => Promise<void>;
const clients = {} as Record<MemberId, StageGateClient>;

beforeAll(async () => {
  net = await makeNetwork();
  stopWorkers = (await startNetworkWorkers(net)).stop;
  for (const member of ['bakery-a', 'bakery-b', 'cafe', 'network'] as const) clients[member] = await net.client(member);
});

afterAll(async () => {
  for (const client of Object.values(clients)) await client.close();
  await stopWorkers?.();
});

const memberIdea = (member: string, title = `Loyalty cards at ${member}`) =>
  idea({ title, source: 'employee', submitter: { email: `staff@${member}.example`, name: `Staff of ${member}` }, champion: { email: `staff@${member}.example`, name: `Staff of ${member}` }, process: 'one-gate' });

const networkIdea = () =>
  idea({ title: 'Shared delivery round', description: 'One van delivers for all of us in the morning.', source: 'network', submitter: { email: 'staff@bakery-b.example', name: 'Staff of bakery-b' }, champion: { email: 'staff@cafe.example', name: 'Staff of cafe' }, process: 'shared-delivery' });

/** What a refusal must leave as it was: the idea's status, round, votes and timeline. */
async function snapshot(client: StageGateClient, ideaId: string) {
  const status = await client.getIdea(ideaId);
  return { status: status.status, round: status.round, decisions: status.decisions, timeline: status.timeline.length };
}

/** Ten stagegate commands side by side on two loaded cores take a while to start. */
const CLI_PATIENCE_MS = 120_000;

function cliEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS, STAGEGATE_NETWORK: net.file };
}

describe('innovation network: each member is its own stagegate', () => {
  test('a network gate is decided by reviewers of two members, each voting as their own member', async () => {
    const { ideaId } = await clients.network.submitIdea(networkIdea());
    const open = await waitForIdea(clients.network, ideaId, (s) => s.status === 'in-review');
    // Its reviewers come from the members the gate names, not from bakery-b.
    expect(open.round!.reviewers.map((person) => person.email).sort()).toEqual([owner('bakery-a'), owner('cafe')]);
    expect((await clients.network.getIdea(ideaId)).sharedWith).toEqual(['bakery-a', 'cafe']);
    // bakery-b's owner is nobody at this gate: not through bakery-b (the idea is not shared with it), nor through the network.
    await expect(clients['bakery-b'].castVote(ideaId, { reviewer: owner('bakery-b'), decision: 'go', scores: { feasibility: 5 } })).rejects.toMatchObject({ code: 'unknown-idea' });
    await expect(clients.network.castVote(ideaId, { reviewer: owner('bakery-b'), decision: 'go', scores: { feasibility: 5 } })).rejects.toMatchObject({ code: 'not-a-reviewer' });
    // A member votes only as its own people: cafe's client cannot cast bakery-a's owner's vote.
    await expect(clients.cafe.castVote(ideaId, { reviewer: owner('bakery-a'), decision: 'go', scores: { feasibility: 5 } })).rejects.toMatchObject({ code: 'not-a-reviewer' });
    expect((await clients.network.getIdea(ideaId)).round!.votes).toHaveLength(0);

    await clients['bakery-a'].castVote(ideaId, { reviewer: owner('bakery-a'), decision: 'go', scores: { feasibility: 5 } });
    expect((await clients.network.getIdea(ideaId)).status).toBe('in-review');
    await clients.cafe.castVote(ideaId, { reviewer: owner('cafe'), decision: 'go', scores: { feasibility: 4 } });
    const decided = await waitForIdea(clients.network, ideaId, (s) => s.stage.id === 'launch');
    expect(decided.decisions[0]).toMatchObject({ gate: 'network-screen', decision: 'go' });
  });

  test('a network idea is seen by the members it is shared with, and by no one else', async () => {
    const { ideaId } = await clients.network.submitIdea(networkIdea());
    await waitForIdea(clients.network, ideaId, (s) => s.status === 'in-review');
    for (const member of ['bakery-a', 'cafe'] as const) {
      expect((await clients[member].getIdea(ideaId)).sharedWith).toEqual(['bakery-a', 'cafe']);
      await eventually(async () => expect((await clients[member].listIdeas()).map((listed) => listed.ideaId)).toContain(ideaId));
    }
    await expect(clients['bakery-b'].getIdea(ideaId)).rejects.toMatchObject({ code: 'unknown-idea' });
    expect((await clients['bakery-b'].listIdeas()).map((listed) => listed.ideaId)).not.toContain(ideaId);
    // A member reads a network idea and votes on it; it does not run it.
    await expect(clients['bakery-a'].hold(ideaId, { by: owner('bakery-a'), reason: 'not now' })).rejects.toMatchObject({ code: 'not-allowed' });
    expect((await clients.network.getIdea(ideaId)).status).toBe('in-review');
  });

  test("a member cannot read, list, report on or vote on another member's idea through the SDK: refused, nothing changed", async () => {
    const { ideaId } = await clients['bakery-a'].submitIdea(memberIdea('bakery-a'));
    await waitForIdea(clients['bakery-a'], ideaId, asked('screen'));
    const before = await snapshot(clients['bakery-a'], ideaId);
    const other = clients['bakery-b'];
    await expect(other.getIdea(ideaId)).rejects.toMatchObject({ code: 'unknown-idea' });
    expect((await other.listIdeas()).map((listed) => listed.ideaId)).not.toContain(ideaId);
    // As one of bakery-b's own people, and in the name of bakery-a's reviewer.
    await expect(other.castVote(ideaId, { reviewer: team('bakery-b'), decision: 'kill', scores: { feasibility: 1 } })).rejects.toMatchObject({ code: 'unknown-idea' });
    await expect(other.castVote(ideaId, { reviewer: team('bakery-a'), decision: 'kill', scores: { feasibility: 1 } })).rejects.toMatchObject({ code: 'not-a-reviewer' });
    await expect(other.withdraw(ideaId, { by: owner('bakery-b'), reason: 'mine now' })).rejects.toMatchObject({ code: 'unknown-idea' });
    // The network sees none of a member's own ideas either.
    await expect(clients.network.getIdea(ideaId)).rejects.toMatchObject({ code: 'unknown-idea' });
    // Each member's report reads its own store.
    await eventually(async () => expect(funnelCount(await clients['bakery-a'].report('funnel'), 'one-gate')).toBeGreaterThanOrEqual(1));
    expect(funnelCount(await other.report('funnel'), 'one-gate')).toBe(0);
    expect(await snapshot(clients['bakery-a'], ideaId)).toEqual(before);
  });

  test("through the CLI with --member: another member's idea cannot be shown, listed, reported on or voted on; member list and show", async () => {
    const { ideaId } = await clients['bakery-a'].submitIdea(memberIdea('bakery-a', 'Bread subscription'));
    await waitForIdea(clients['bakery-a'], ideaId, asked('screen'));
    const before = await snapshot(clients['bakery-a'], ideaId);
    const env = cliEnv();

    // The stagegate command starts slowly on a loaded machine: its runs go side by side.
    const [own, shown, listed, voted, report, unknown, unnamed, members, member, network] = await Promise.all([
      runCli(env, ['--member', 'bakery-a', 'idea', 'show', ideaId, '--json'], CLI_PATIENCE_MS),
      runCli(env, ['--member', 'bakery-b', 'idea', 'show', ideaId], CLI_PATIENCE_MS),
      runCli(env, ['--member', 'bakery-b', 'idea', 'list', '--json'], CLI_PATIENCE_MS),
      runCli(env, ['--member', 'bakery-b', 'gate', 'vote', ideaId, '--reviewer', team('bakery-b'), '--decision', 'kill', '--score', 'feasibility=1'], CLI_PATIENCE_MS),
      runCli(env, ['--member', 'bakery-b', 'report', 'funnel', '--json'], CLI_PATIENCE_MS),
      runCli(env, ['--member', 'bakery-z', 'idea', 'list'], CLI_PATIENCE_MS),
      runCli(env, ['idea', 'list'], CLI_PATIENCE_MS),
      runCli(env, ['member', 'list', '--json'], CLI_PATIENCE_MS),
      runCli(env, ['member', 'show', 'cafe', '--json'], CLI_PATIENCE_MS),
      runCli(env, ['member', 'show', 'network', '--json'], CLI_PATIENCE_MS),
    ]);
    expect(own.code).toBe(0);
    expect(JSON.parse(own.stdout)).toMatchObject({ ideaId, status: 'in-review' });
    expect(shown.code).toBe(1);
    expect(shown.stderr).toContain(`No idea "${ideaId}"`);
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.stdout) as { ideaId: string }[]).map((row) => row.ideaId)).not.toContain(ideaId);
    expect(voted.code).toBe(1);
    expect(voted.stderr).toContain(`No idea "${ideaId}"`);
    expect(report.code).toBe(0);
    expect(funnelCount(JSON.parse(report.stdout), 'one-gate')).toBe(0);
    expect(await snapshot(clients['bakery-a'], ideaId)).toEqual(before);

    // A member that is not one, and a network installation with no member named: bad usage, named.
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('member: "bakery-z" is not a member');
    expect(unnamed.code).toBe(2);
    expect(unnamed.stderr).toContain('name a member');

    expect(members.code).toBe(0);
    expect((JSON.parse(members.stdout) as { id: string }[]).map((m) => m.id)).toEqual(['bakery-a', 'bakery-b', 'cafe', 'network']);
    expect(JSON.parse(member.stdout)).toMatchObject({ id: 'cafe', namespace: net.namespaces[2], people: 3, processes: ['one-gate'], store: expect.stringContaining('cafe') });
    expect(JSON.parse(network.stdout)).toMatchObject({ id: 'network', people: 9, processes: ['shared-delivery'] });
  }, 4 * CLI_PATIENCE_MS);
});

describe("innovation network: one web server, each member's pages under /m/<member>", () => {
  test("a link of one member used under another's path, a forged link, and another member's dashboard key are refused, nothing changed", async () => {
    const members = ['bakery-a', 'bakery-b', 'cafe', 'network'] as const;
    const stores = {} as Record<MemberId, Store>;
    for (const id of members) stores[id] = await openStore(scopeSettings(net.installation, findScope(net.network, id)));
    const web = await startNetworkWebServer(members.map((id) => ({ id, client: clients[id], settings: clients[id].settings, events: stores[id], outbox: stores[id] })), net.installation, { host: '127.0.0.1', port: 0 });
    try {
      const { ideaId } = await clients['bakery-a'].submitIdea(memberIdea('bakery-a', 'Sourdough workshop'));
      await waitForIdea(clients['bakery-a'], ideaId, (s) => s.status === 'in-review');
      // bakery-a's worker mints its links under bakery-a's path.
      const email = await messageTo(stores['bakery-a'], ideaId, team('bakery-a'), 'review-request');
      const link = /https?:\/\/[^\s"<>]+\/m\/bakery-a\/review\/[A-Za-z0-9_-]{40,}/.exec(email.html ?? email.text)?.[0];
      expect(link).toBeDefined();
      const own = link!.replace(/^https?:\/\/[^/]+/, web.url);
      const token = own.slice(own.lastIndexOf('/') + 1);
      const before = await snapshot(clients['bakery-a'], ideaId);
      const vote = { decision: 'kill', 'score.feasibility': '1', comment: 'not for us' };

      for (const elsewhere of [`${web.url}/m/bakery-b/review/${token}`, `${web.url}/m/network/review/${token}`]) {
        expect((await get(elsewhere)).status).toBe(403);
        const posted = await post(elsewhere, vote);
        expect(posted.status).toBe(403);
        expect(posted.body).toContain('This link is not valid');
      }
      const forged = `${token.slice(0, -4)}${token.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
      expect((await post(`${web.url}/m/bakery-a/review/${forged}`, vote)).status).toBe(403);
      // The path without a member is no member's.
      expect((await get(`${web.url}/review/${token}`)).status).toBe(404);
      expect(await snapshot(clients['bakery-a'], ideaId)).toEqual(before);
      // The link under its own member's path opens the review page.
      expect((await get(own)).status).toBe(200);

      // Each member's dashboard opens with its own admin key only, and counts only its own ideas.
      const dashboard = (member: string, key: string) => fetch(`${web.url}/m/${member}/dashboard`, { headers: { Authorization: `Basic ${Buffer.from(`admin:${key}`).toString('base64')}` } });
      expect((await dashboard('bakery-b', adminKeyOf('bakery-a'))).status).toBe(401);
      const theirs = await dashboard('bakery-b', adminKeyOf('bakery-b'));
      expect(theirs.status).toBe(200);
      expect(await theirs.text()).not.toContain('one-gate');
      await eventually(async () => expect(await (await dashboard('bakery-a', adminKeyOf('bakery-a'))).text()).toContain('one-gate'));
      // The paths a member's pages name stay under its own path: the portal's form and the dashboard's links.
      const portal = await get(`${web.url}/m/cafe/submit`);
      expect(portal.status).toBe(200);
      expect(portal.body).toContain('action="/m/cafe/submit"');
      const page = await (await dashboard('cafe', adminKeyOf('cafe'))).text();
      expect(page).toContain('href="/m/cafe/dashboard/reports/recognition');
      expect(page).not.toMatch(/href="\/dashboard/);
    } finally {
      await web.close();
      for (const store of Object.values(stores)) await store.close();
    }
  });
});

describe('innovation network: the network report', () => {
  test("compares the members, each from its own store, with the votes its people cast on network gates", async () => {
    // The network gate of the first test was decided by bakery-a's and cafe's owners; bakery-a has ideas of its own.
    const run = await runCli(cliEnv(), ['report', 'network', '--json'], CLI_PATIENCE_MS);
    expect(run.code).toBe(0);
    const rows = (JSON.parse(run.stdout) as { result: { members: { member: string; ideas: number; networkVotes: number; sharedProjects: number }[] } }).result.members;
    const row = (member: string) => rows.find((candidate) => candidate.member === member)!;
    expect(rows.map((candidate) => candidate.member)).toEqual(['bakery-a', 'bakery-b', 'cafe']);
    expect(row('bakery-a').ideas).toBeGreaterThanOrEqual(1);
    expect(row('cafe').ideas).toBe(0);
    expect(row('bakery-a').networkVotes).toBeGreaterThanOrEqual(1);
    expect(row('cafe').networkVotes).toBeGreaterThanOrEqual(1);
    expect(row('bakery-b').networkVotes).toBe(0);
    expect(row('cafe').sharedProjects).toBeGreaterThanOrEqual(1);
    // bakery-b's staff submitted the network ideas: it is in them, though not asked to review.
    expect(row('bakery-b').sharedProjects).toBeGreaterThanOrEqual(1);
  }, CLI_PATIENCE_MS);
});

/** Ideas of a process the funnel counts, in the SDK's or the CLI's JSON. */
function funnelCount(report: unknown, process: string): number {
  const rows = (report as { processes?: { process: string; submitted: number }[] }).processes ?? [];
  return rows.find((row) => row.process === process)?.submitted ?? 0;
}
