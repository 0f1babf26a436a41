import { linkBuilder, signLink, verifyLink } from '../links';
import { startWebServer } from '../client/web/server';
import { SECRET, get, legacyToken, post, tokenOf, withWeb } from './web-helpers';
import { ideaWorkflowId } from '../workflows/messages';
import { COUNTER, HEAD_BAKER, OWNER, SHOP_MANAGER, eventually, idea, inReview, inStage, testSettings, waitForIdea, settled, withStack } from './helpers';

const goVote = { decision: 'go', 'score.feasibility': '4', 'score.impact': '5', comment: 'Customers ask every autumn', conditions: '' };

describe('reviewer pages behind signed links', () => {
  test('GET shows the idea and the form and changes nothing; POST casts the vote; a second POST says it is already recorded', async () => {
    await withWeb(async ({ client, links, store }) => {
      const { ideaId } = await client.submitIdea(idea({ description: 'Pumpkin <b>spice</b> in autumn' }));
      await waitForIdea(client, ideaId, inReview('screen'));
      const link = links.review(ideaId, 'screen', 1, HEAD_BAKER);

      const page = await get(link);
      expect(page.status).toBe(200);
      expect(page.body).toContain('Screen for “Pumpkin spice pastry”');
      expect(page.body).toContain('Pumpkin &lt;b&gt;spice&lt;/b&gt; in autumn');
      expect(page.body).toMatch(/<legend>Feasibility <span class="meta">\(must be at least 2\)<\/span><\/legend>/);
      expect(page.body).toContain('<label><input type="radio" name="decision" value="conditional-go" required>');
      expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(page.headers.get('referrer-policy')).toBe('no-referrer');
      expect(page.headers.get('cache-control')).toBe('no-store');
      // A prefetching mail scanner opens the link twice: no vote, only a note of the first opening.
      await waitForIdea(client, ideaId, (s) => s.round!.opened?.includes(HEAD_BAKER) === true);
      await get(link);
      const status = await client.getIdea(ideaId);
      expect(status.round!.votes).toEqual([]);
      const opened = status.timeline.filter((e) => e.type === 'review_opened');
      expect(opened.map((e) => [e.actor, e.detail.first])).toEqual([[HEAD_BAKER, true]]);

      // A page's links never outlive the link that opened it: a review link about to expire leads to a queue link that expires with it.
      const shortLived = { purpose: 'review' as const, email: HEAD_BAKER, ideaId, gate: 'screen', round: 1, expiresAt: Date.now() + 30_000 };
      const shortToken = signLink(SECRET, shortLived);
      const short = await get(link.replace(/\/review\/.*$/, `/review/${shortToken}`));
      const queueToken = /href="[^"]*\/reviewer\/([A-Za-z0-9_-]+)"/.exec(short.body)![1]!;
      expect(verifyLink(SECRET, queueToken, 'reviewer').expiresAt).toBe(shortLived.expiresAt);
      // The only other token on the page is its own, in its forms' action (the vote and the hand-over).
      expect([...new Set([...short.body.matchAll(/\/(review|decide|kpi)\/([A-Za-z0-9_-]{20,})/g)].map((match) => match[2]))]).toEqual([shortToken]);

      const voted = await post(link, goVote);
      expect(voted.status).toBe(200);
      expect(voted.body).toMatch(/Recorded: go, by you, at /);
      expect(voted.body).toContain('The gate decides once 2 reviewers have voted (1 so far).');
      const recorded = (await client.getIdea(ideaId)).round!.votes;
      expect(recorded).toEqual([expect.objectContaining({ reviewer: HEAD_BAKER, decision: 'go', via: 'link', comment: 'Customers ask every autumn', scores: { feasibility: 4, impact: 5 } })]);

      const again = await post(link, goVote);
      expect(again.status).toBe(200);
      expect(again.body).toMatch(/Already recorded: go, by you, at /);
      expect((await client.getIdea(ideaId)).round!.votes).toHaveLength(1);
      expect((await store.events({ ideaId })).filter((e) => e.type === 'vote_cast')).toHaveLength(1);
    });
  });

  test('an incomplete form comes back with what was entered and records nothing', async () => {
    await withWeb(async ({ client, links }) => {
      const { ideaId } = await client.submitIdea(idea());
      await waitForIdea(client, ideaId, inReview('screen'));
      const link = links.review(ideaId, 'screen', 1, SHOP_MANAGER);
      const page = await post(link, { decision: 'conditional-go', 'score.feasibility': '4', comment: 'Nice <idea>', conditions: '' });
      expect(page.status).toBe(422);
      expect(page.body).toContain('Nothing was recorded yet.');
      expect(page.body).toContain('Give Impact (impact) a score from 1 to 5.');
      expect(page.body).toContain('A conditional go needs at least one condition.');
      expect(page.body).toContain('>Nice &lt;idea&gt;</textarea>');
      expect(page.body).toContain('name="score.feasibility" value="4" required checked');
      expect((await client.getIdea(ideaId)).round!.votes).toEqual([]);
    });
  });

  test('every bad link gets a clear page, the right status, and leaves the history unchanged', async () => {
    await withWeb(async ({ client, links, url }) => {
      const { ideaId } = await client.submitIdea(idea());
      await waitForIdea(client, ideaId, inReview('screen'));
      const handle = client.client.workflow.getHandle(ideaWorkflowId(ideaId));
      const historyLength = async () => (await handle.fetchHistory()).events!.length;
      await settled(client, ideaId);
      const before = await historyLength();
      const token = tokenOf(links.review(ideaId, 'screen', 1, HEAD_BAKER));
      const bytes = Buffer.from(token, 'base64url');
      bytes[bytes.length >> 1]! ^= 1;
      const tampered = bytes.toString('base64url');
      const claims = { purpose: 'review' as const, email: HEAD_BAKER, ideaId, gate: 'screen', round: 1 };
      const expired = signLink(SECRET, { ...claims, expiresAt: Date.now() - 1000 });
      const otherKey = signLink('another-key-of-32-characters-or-more!', { ...claims, expiresAt: Date.now() + 60_000 });
      // The first format was readable: editing its expiry, or its reviewer, breaks its signature.
      const legacyExpired = legacyToken(SECRET, { ...claims, expiresAt: Date.now() - 1000 });
      const [legacyBody, legacySignature] = legacyExpired.split('.') as [string, string];
      const edit = (from: string, to: string) => `${Buffer.from(Buffer.from(legacyBody, 'base64url').toString().replace(from, to)).toString('base64url')}.${legacySignature}`;
      const stretched = edit(/,(\d+)\]$/.exec(Buffer.from(legacyBody, 'base64url').toString())![1]!, String(Date.now() + 14 * 86_400_000));
      const forged = edit(HEAD_BAKER, OWNER);
      const cases: [string, string, number, string][] = [
        ['tampered', `${url}/review/${tampered}`, 403, 'This link is not valid'],
        ['signed with another key', `${url}/review/${otherKey}`, 403, 'This link is not valid'],
        ['truncated', `${url}/review/${token.slice(0, 20)}`, 403, 'This link is incomplete'],
        ['expired', `${url}/review/${expired}`, 410, 'This link has expired'],
        ['first format, expired', `${url}/review/${legacyExpired}`, 410, 'This link has expired'],
        ['first format, expiry stretched', `${url}/review/${stretched}`, 403, 'This link is not valid'],
        ['first format, reviewer forged', `${url}/review/${forged}`, 403, 'This link is not valid'],
        ['another idea', links.review('no-such-idea', 'screen', 1, HEAD_BAKER), 404, 'This idea is not known'],
        ['another round', links.review(ideaId, 'screen', 2, HEAD_BAKER), 410, 'This review is closed'],
        ['another gate', links.review(ideaId, 'final', 1, OWNER), 410, 'This review is closed'],
        ['not a reviewer', links.review(ideaId, 'screen', 1, COUNTER), 403, 'You are not a reviewer of this gate'],
        ['a link for another page', links.pending(HEAD_BAKER).replace('/reviewer/', '/review/'), 403, 'This link is for another page'],
        ['a review link on the decide page', links.review(ideaId, 'screen', 1, OWNER).replace('/review/', '/decide/'), 403, 'This link is for another page'],
        ['a review link on the KPI page', links.review(ideaId, 'screen', 1, HEAD_BAKER).replace('/review/', '/kpi/'), 403, 'This link is for another page'],
      ];
      for (const [name, link, status, words] of cases) {
        for (const page of [await get(link), await post(link, goVote)]) {
          expect({ name, status: page.status }).toEqual({ name, status });
          expect(page.body).toContain(words);
          expect(page.body).toContain('Nothing was changed.');
        }
      }
      expect(await historyLength()).toBe(before);
      expect((await client.getIdea(ideaId)).round!.votes).toEqual([]);
      // A link in an email sent before sealing still opens its page until its own expiry.
      const legacy = await get(`${url}/review/${legacyToken(SECRET, { ...claims, expiresAt: Date.now() + 60_000 })}`);
      expect(legacy.status).toBe(200);
      expect(legacy.body).toContain('Screen for “Pumpkin spice pastry”');
    });
  });

  test('a vote after the gate closed says who decided what and when', async () => {
    await withWeb(async ({ client, links }) => {
      const { ideaId } = await client.submitIdea(idea());
      await waitForIdea(client, ideaId, inReview('screen'));
      const late = links.review(ideaId, 'screen', 1, SHOP_MANAGER);
      await client.overrideDecision(ideaId, { by: OWNER, decision: 'kill', reason: 'We stop seasonal lines' });
      await client.outcome(ideaId);
      for (const page of [await get(late), await post(late, goVote)]) {
        expect(page.status).toBe(410);
        expect(page.body).toContain('This review is closed');
        expect(page.body).toMatch(/Screen, round 1, for “Pumpkin spice pastry” was decided <strong>kill<\/strong> by olivia@cornerbakery.example on /);
        expect(page.body).toContain('We stop seasonal lines');
      }
    });
  });

  test("a reviewer's own page lists every gate waiting on them without a vote link, and emails a fresh one on request, once per ten minutes", async () => {
    await withWeb(async ({ client, links, store, url }) => {
      const first = await client.submitIdea(idea({ title: 'Dessert platters' }));
      const second = await client.submitIdea(idea({ title: 'Gluten-free bread' }));
      await waitForIdea(client, first.ideaId, inReview('screen'));
      await waitForIdea(client, second.ideaId, inReview('screen'));
      await client.castVote(second.ideaId, { reviewer: HEAD_BAKER, decision: 'go', scores: { feasibility: 4, impact: 4 } });

      let mine = await get(links.pending(HEAD_BAKER));
      for (let i = 0; i < 50 && !mine.body.includes('Dessert platters'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        mine = await get(links.pending(HEAD_BAKER));
      }
      expect(mine.status).toBe(200);
      expect(mine.body).toContain('Waiting on you, Hamid Karimi');
      expect(mine.body).toContain('Screen for “Dessert platters”');
      expect(mine.body).not.toContain('Gluten-free bread');
      // The page mints nothing: the only link on it is its own address.
      expect(mine.body).not.toMatch(/\/(review|decide|kpi)\//);
      expect(mine.body).toContain('Email me the review link');
      expect(mine.body).toContain(`<input type="hidden" name="ideaId" value="${first.ideaId}">`);

      const queue = links.pending(HEAD_BAKER);
      const requests = async () => (await store.outbox({ ideaId: first.ideaId, to: HEAD_BAKER })).filter((m) => m.purpose === 'review-request');
      await eventually(async () => expect(await requests()).toHaveLength(1));
      const ask = { ideaId: first.ideaId, gate: 'screen', round: '1' };
      const sent = await post(queue, ask);
      expect(sent.status).toBe(200);
      expect(sent.body).toContain(`A fresh review link is on its way to ${HEAD_BAKER}.`);
      for (let i = 0; i < 9; i++) {
        const again = await post(queue, ask);
        expect(again.status).toBe(200);
        expect(again.body).toContain('A review link went to');
      }
      const fresh = await eventually(async () => {
        const kept = await requests();
        expect(kept).toHaveLength(2);
        return kept[1]!;
      });
      expect(fresh.subject).toContain('Screen for "Dessert platters": your decision is needed by');
      const token = /\/review\/([A-Za-z0-9_-]+)/.exec(fresh.text)![1]!;
      expect((await get(`${url}/review/${token}`)).status).toBe(200);
      // One workflow of the idea's own, named for the round, the reviewer (not readably) and the ten minutes.
      const resends = await eventually(async () => {
        const found = [];
        for await (const run of client.client.workflow.list({ query: `WorkflowType = 'reviewLinkResend' AND TaskQueue = '${client.settings.taskQueue}'` })) found.push(run.workflowId);
        expect(found).toHaveLength(1);
        return found;
      });
      expect(resends[0]).toMatch(new RegExp(`^idea-${first.ideaId}:link:screen:1:[0-9a-f]{12}:\\d+$`));
      expect(resends[0]).not.toContain(HEAD_BAKER);
      // Ten presses, one email; and still one after a moment.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await requests()).toHaveLength(2);

      // Refused, with nothing sent: a round already voted, someone else's review, an unknown idea, a wrong round, nonsense.
      const refusals: [Record<string, string>, string, number, string][] = [
        [{ ideaId: second.ideaId, gate: 'screen', round: '1' }, HEAD_BAKER, 410, 'This review is not waiting on you'],
        [ask, COUNTER, 403, 'You are not a reviewer of this gate'],
        [{ ...ask, ideaId: 'no-such-idea' }, HEAD_BAKER, 404, 'This idea is not known'],
        [{ ...ask, round: '2' }, HEAD_BAKER, 410, 'This review is not waiting on you'],
        [{ ...ask, round: 'x' }, HEAD_BAKER, 422, 'Which review?'],
        [{ ...ask, ideaId: '../../etc' }, HEAD_BAKER, 404, 'This idea is not known'],
      ];
      for (const [fields, who, status, words] of refusals) {
        const page = await post(links.pending(who), fields);
        expect({ fields, who, status: page.status }).toEqual({ fields, who, status });
        expect(page.body).toContain(words);
      }
      expect((await store.outbox({ to: COUNTER })).filter((m) => m.purpose === 'review-request')).toHaveLength(0);
      expect(await requests()).toHaveLength(2);
      expect((await get(`${url}/reviewer/${tokenOf(links.review(first.ideaId, 'screen', 1, HEAD_BAKER))}`)).status).toBe(403);

      const decide = links.decide(first.ideaId, 'screen', 1, OWNER);
      const form = await get(decide);
      expect(form.status).toBe(200);
      expect(form.body).toContain('Decide Screen for “Dessert platters”');
      const missing = await post(decide, { decision: 'go', reason: '' });
      expect(missing.status).toBe(422);
      const decided = await post(decide, { decision: 'go', reason: 'The caterer needs an answer this week', conditions: '' });
      expect(decided.status).toBe(200);
      const status = await waitForIdea(client, first.ideaId, inStage('build'));
      expect(status.decisions[0]).toMatchObject({ decision: 'go', decidedBy: 'admin', actor: OWNER, reasons: ['The caterer needs an answer this week'] });
    });
  });

  test('a revised package flags the votes cast on the earlier one to the other reviewers', async () => {
    await withWeb(async ({ client, links }) => {
      const { ideaId } = await client.submitIdea(idea({ process: 'package-review' }));
      await waitForIdea(client, ideaId, inStage('build'));
      await client.markReady(ideaId, { by: COUNTER, notes: 'Plan v1' });
      const round = await waitForIdea(client, ideaId, inReview('final'));
      const first = round.stage.ready!.fingerprint;
      const hamid = await get(links.review(ideaId, 'final', 1, HEAD_BAKER));
      expect(hamid.body).toContain(`<code>${first}</code>`);
      expect((await post(links.review(ideaId, 'final', 1, HEAD_BAKER), { decision: 'go', 'score.impact': '4', fingerprint: first, comment: '', conditions: '' })).status).toBe(200);

      await client.markReady(ideaId, { by: COUNTER, notes: 'Plan v2: two shops, not one' });
      const revised = await client.getIdea(ideaId);
      expect(revised.round!.packageFingerprint).not.toBe(first);
      expect(revised.timeline.find((entry) => entry.type === 'ready_for_review' && entry.detail.revised)).toMatchObject({ detail: { notes: 'Plan v2: two shops, not one' } });

      const olivia = await get(links.review(ideaId, 'final', 1, OWNER));
      expect(olivia.body).toContain('Plan v2: two shops, not one');
      expect(olivia.body).toContain('The champion revised the package after Hamid Karimi voted go: those votes were cast on an earlier version.');
      const vote = revised.timeline.find((entry) => entry.type === 'vote_cast');
      expect(vote!.detail).toMatchObject({ fingerprint: first, via: 'link' });
    });
  });

  test('link pages are rate limited by the socket address: a spoofed X-Forwarded-For does not escape a 429; /healthz answers', async () => {
    await withWeb(async ({ url, links }) => {
      expect((await get(`${url}/healthz`)).status).toBe(200);
      const link = links.pending(HEAD_BAKER);
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) statuses.push((await get(link)).status);
      expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
      expect(statuses.slice(5)).toEqual([429, 429]);
      const spoofed: number[] = [];
      for (let i = 0; i < 20; i++) {
        const response = await fetch(link, { headers: { 'X-Forwarded-For': `203.0.113.${i + 1}`, 'X-Real-IP': `198.51.100.${i + 1}`, Forwarded: `for=192.0.2.${i + 1}` } });
        spoofed.push(response.status);
        await response.text();
      }
      expect(spoofed).toEqual(Array(20).fill(429));
      expect((await get(`${url}/healthz`)).status).toBe(200);
    }, 5);
  });

  test('behind a proxy the operator names (STAGEGATE_TRUST_PROXY), the limit is per client the proxy reports', async () => {
    const settings = { ...testSettings({ trustProxy: 'loopback' }), linkSecret: SECRET };
    await withStack(async ({ client }) => {
      const web = await startWebServer({ client, settings, port: 0, rateLimitPerMinute: 2 });
      try {
        const link = linkBuilder({ ...settings, publicUrl: web.url }).pending(HEAD_BAKER);
        const from = async (address: string) => {
          const response = await fetch(link, { headers: { 'X-Forwarded-For': address } });
          await response.text();
          return response.status;
        };
        expect([await from('203.0.113.1'), await from('203.0.113.1'), await from('203.0.113.1')]).toEqual([200, 200, 429]);
        expect(await from('203.0.113.2')).toBe(200);
      } finally {
        await web.close();
      }
    }, settings);
  });
});
