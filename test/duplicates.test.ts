import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { findSimilarOpenIdeas, SIMILAR_LISTED, SIMILARITY_THRESHOLD, similarIdeas, trigrams, type IdeaText } from '../activities/similar';
import { openStore } from '../store';
import { testRunDir } from './paths';
import { openSealedStore } from '../codec';
import { categoryOfVotes } from '../workflows/category';
import type { IdeaStatus, StageGateClient } from '../client/sdk';
import { COUNTER, HEAD_BAKER, OWNER, SHOP_MANAGER, eventually, idea, inReview, messageTo, scores, settled, testSettings, waitForIdea, withStack } from './helpers';
import { mailboxForEachTest } from './mailbox';
import { get, post, tokenOf, withWeb } from './web-helpers';

const good = scores(4, 'feasibility', 'impact');

const dayOldBread = {
  title: 'Half price for day-old bread',
  description: "Sell yesterday's loaves at half price in the first hour, so less bread is thrown away.",
  submitter: { email: 'maya@cornerbakery.example', name: 'Maya Chen' },
  source: 'employee' as const,
};
const yesterdaysBread = {
  title: "Discount on yesterday's bread",
  description: 'Offer day-old bread and loaves at a discount instead of throwing them away at closing time.',
  submitter: { email: 'rosa@regular.example', name: 'Rosa Diaz' },
  source: 'customer' as const,
};
const loyaltyCards = {
  title: 'Loyalty cards',
  description: 'Stamp cards: the tenth coffee is free.',
  submitter: { email: 'ben@regular.example', name: 'Ben Okafor' },
  source: 'customer' as const,
};

/** What a refused command must leave alone: status, round, timeline and the history's length. */
async function snapshot(client: StageGateClient, ideaId: string) {
  await settled(client, ideaId);
  const status: IdeaStatus = await client.getIdea(ideaId);
  const { historyLength } = await client.client.workflow.getHandle(`idea-${ideaId}`).describe();
  return { status: status.status, round: status.round, timeline: status.timeline, credited: status.credited, historyLength };
}

describe('similarity and the category rule', () => {
  test('the two day-old bread discounts are alike; loyalty cards and bread-baking classes are like neither', () => {
    const classes = { title: 'Sourdough baking classes', description: 'Teach customers to bake bread at home on Sunday afternoons.' };
    const [a, b, c, d] = [dayOldBread, yesterdaysBread, loyaltyCards, classes].map((text, index) => ({ ideaId: `i${index}`, ...text }));
    expect(similarIdeas(b!, [a!, c!, d!]).map((found) => found.ideaId)).toEqual(['i0']);
    expect(similarIdeas(c!, [a!, b!, d!])).toEqual([]);
    expect(similarIdeas(d!, [a!, b!, c!])).toEqual([]);
    expect(similarIdeas(a!, [a!])[0]!.score).toBe(1);
  });

  test('the scores are the TF-IDF cosine of the trigrams, computed plainly, over a corpus of 300 ideas', () => {
    // The plain computation, a weighted vector per idea: what similarIdeas computes without building them.
    const plainly = (idea: IdeaText, others: IdeaText[]) => {
      const corpus = [idea, ...others].map(trigrams);
      const documents = new Map<string, number>();
      for (const grams of corpus) for (const gram of grams.keys()) documents.set(gram, (documents.get(gram) ?? 0) + 1);
      const weighted = corpus.map((grams) => new Map([...grams].map(([gram, count]) => [gram, count * (Math.log((1 + corpus.length) / (1 + documents.get(gram)!)) + 1)])));
      const norm = (vector: Map<string, number>) => Math.sqrt([...vector.values()].reduce((sum, value) => sum + value * value, 0));
      const [mine, ...theirs] = weighted;
      return theirs
        .map((vector, index) => {
          let dot = 0;
          for (const [gram, weight] of mine!) dot += weight * (vector.get(gram) ?? 0);
          const score = norm(mine!) === 0 || norm(vector) === 0 ? 0 : dot / (norm(mine!) * norm(vector));
          return { ideaId: others[index]!.ideaId, title: others[index]!.title, score: Math.round(score * 100) / 100 };
        })
        .filter((similar) => similar.score >= SIMILARITY_THRESHOLD)
        .sort((a, b) => b.score - a.score || a.ideaId.localeCompare(b.ideaId))
        .slice(0, SIMILAR_LISTED);
    };
    const words = ['bread', 'loaves', 'day-old', 'discount', 'coffee', 'stamp', 'card', 'oven', 'night', 'shift', 'flour', 'supplier', 'vegan', 'croissant', 'window', 'price', 'waste', 'delivery', 'bicycle', 'café'];
    const ideas: IdeaText[] = Array.from({ length: 300 }, (_, n) => ({
      ideaId: `i${n}`,
      title: Array.from({ length: 2 + (n % 4) }, (_, i) => words[(n * 7 + i * 11) % words.length]).join(' '),
      description: n % 9 === 0 ? '' : Array.from({ length: 3 + (n % 13) }, (_, i) => words[(n * 3 + i * 5) % words.length]).join(' '),
    }));
    let compared = 0;
    for (const idea of ideas.slice(0, 40)) {
      const found = similarIdeas(idea, ideas.filter((other) => other !== idea));
      expect(found).toEqual(plainly(idea, ideas.filter((other) => other !== idea)));
      compared += found.length;
    }
    expect(compared).toBeGreaterThan(40);
  });

  test('a worker reads each open idea once: later submissions read only the few found alike, and find what a fresh read finds', async () => {
    const store = await openStore({ dataDir: mkdtempSync(join(testRunDir(), 'similar-')) });
    try {
      const words = ['bread', 'loaves', 'day-old', 'discount', 'coffee', 'stamp', 'card', 'oven', 'night', 'shift', 'flour', 'supplier', 'vegan', 'croissant', 'window', 'price'];
      const text = (n: number) => ({ title: Array.from({ length: 3 }, (_, i) => words[(n * 7 + i * 5) % words.length]).join(' '), description: Array.from({ length: 6 }, (_, i) => words[(n * 3 + i * 11) % words.length]).join(' ') });
      const submit = (n: number) => store.appendEvent({ id: `s${n}:1`, ideaId: `s${n}`, seq: 1, type: 'submitted', at: new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString(), process: 'express', processVersion: 1, source: 'employee', detail: text(n) });
      for (let n = 0; n < 60; n++) await submit(n);
      // What the store is asked for, through the store itself: each idea id an events() call names.
      const asked: string[] = [];
      const counted = new Proxy(store, { get: (target, key) => (key === 'events' ? (filter: { ideaIds?: string[] }) => (asked.push(...(filter.ideaIds ?? [])), target.events(filter)) : Reflect.get(target, key, target)) });
      const first = await findSimilarOpenIdeas(counted, { ideaId: 'new-1', ...text(7) });
      expect(first.length).toBeGreaterThan(0);
      expect(new Set(asked).size).toBe(60);
      expect(asked.length).toBeLessThanOrEqual(60 + 2 * SIMILAR_LISTED);
      asked.length = 0;
      await submit(60);
      const second = await findSimilarOpenIdeas(counted, { ideaId: 'new-2', ...text(13) });
      // The one new idea, and the titles of those found.
      expect(asked.length).toBeLessThanOrEqual(1 + 2 * SIMILAR_LISTED);
      expect(asked).toContain('s60');
      // The same as the plain computation over every open idea, read afresh.
      const open = (await store.events({ types: ['submitted'] })).map((event) => ({ ideaId: event.ideaId, ...(event.detail as { title: string; description: string }) }));
      expect(second).toEqual(similarIdeas({ ideaId: 'new-2', ...text(13) }, open));
      expect(first).toEqual(similarIdeas({ ideaId: 'new-1', ...text(7) }, open.filter((idea) => idea.ideaId !== 's60')));
    } finally {
      await store.close();
    }
  });

  test('the category most votes named wins; a tie goes to the one named first; none named, none set', () => {
    expect(categoryOfVotes([{ category: 'service' }, { category: 'product' }, { category: 'product' }])).toEqual({ category: 'product', votes: 2 });
    expect(categoryOfVotes([{ category: 'service' }, {}, { category: 'product' }])).toEqual({ category: 'service', votes: 1 });
    expect(categoryOfVotes([{}, {}])).toBeUndefined();
  });
});

describe('category at the first gate', () => {
  test('an idea submitted without a category takes the one most votes named at its first gate', async () => {
    await withStack(async ({ client, store }) => {
      const { category: _none, ...uncategorised } = idea();
      const { ideaId } = await client.submitIdea(uncategorised);
      const review = await waitForIdea(client, ideaId, inReview('screen'));
      expect(review.category).toBeUndefined();
      await client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'go', scores: good, category: 'product' });
      await client.castVote(ideaId, { reviewer: SHOP_MANAGER, decision: 'go', scores: good, category: 'product' });
      const after = await waitForIdea(client, ideaId, (status) => status.stage.id === 'build');
      expect(after.category).toBe('product');
      await eventually(async () => {
        const types = (await store.events({ ideaId })).map((event) => event.type);
        expect(types.slice(types.indexOf('categorised'), types.indexOf('categorised') + 2)).toEqual(['categorised', 'decided']);
      });
      const categorised = (await store.events({ ideaId, types: ['categorised'] }))[0]!;
      expect(categorised.detail).toMatchObject({ category: 'product', decidedBy: 'reviewers', count: 2 });

      // Once it has one, a vote naming a category is refused (nothing would count it), and an admin can still change it.
      await client.markReady(ideaId, { by: COUNTER, notes: 'Plan done' });
      await waitForIdea(client, ideaId, inReview('final'));
      await expect(client.castVote(ideaId, { reviewer: OWNER, decision: 'go', scores: { impact: 4 }, category: 'service' })).rejects.toMatchObject({ code: 'wrong-status' });
      await client.categorise(ideaId, { category: 'service', by: OWNER });
      expect((await waitForIdea(client, ideaId, (status) => status.category === 'service')).category).toBe('service');
      await expect(client.categorise(ideaId, { category: 'process', by: HEAD_BAKER })).rejects.toMatchObject({ code: 'not-allowed' });
    });
  });
});

describe('duplicates', () => {
  const box = mailboxForEachTest();

  test('similar open ideas are found for two day-old bread discounts, not for an unrelated one; a merge credits and tells the submitter', async () => {
    // Sealed store and real SMTP: the search opens titles and descriptions under each idea's key, and the submitter's email goes out.
    const settings = testSettings({ codecKeys: `k1:${randomBytes(32).toString('base64')}`, publicUrl: 'https://ideas.cornerbakery.example', mail: { from: 'ideas@cornerbakery.example', smtp: { host: '127.0.0.1', port: box.port } } });
    await withStack(async ({ client, store }) => {
      const survivor = (await client.submitIdea(idea(dayOldBread))).ideaId;
      await waitForIdea(client, survivor, inReview('screen'));
      await client.createCampaign({ id: 'less-waste-2027', question: 'How do we waste less bread?', description: 'Ideas for the bread we throw away each evening.', audience: ['staff', 'customers'], by: OWNER });
      const duplicate = (await client.submitIdea(idea({ ...yesterdaysBread, campaign: 'less-waste-2027' }))).ideaId;
      const unrelated = (await client.submitIdea(idea(loyaltyCards))).ideaId;

      const found = await waitForIdea(client, duplicate, inReview('screen'));
      expect(found.similar).toEqual([{ ideaId: survivor, title: dayOldBread.title, score: expect.any(Number) }]);
      expect(found.campaign).toBe('less-waste-2027');
      expect((await waitForIdea(client, unrelated, inReview('screen'))).similar).toEqual([]);
      expect((await client.getIdea(survivor)).similar).toEqual([]);
      const recorded = await eventually(async () => (await store.events({ ideaId: duplicate, types: ['similar_found', 'submitted'] })).map((event) => [event.type, event.detail]));
      expect(JSON.stringify(recorded)).not.toContain(dayOldBread.title);

      await client.merge(duplicate, { into: survivor, by: HEAD_BAKER, reason: 'The same day-old bread discount' });
      expect(await client.outcome(duplicate)).toMatchObject({ status: 'merged', into: survivor });
      const merged = await client.getIdea(duplicate);
      expect(merged).toMatchObject({ status: 'merged', mergedInto: { ideaId: survivor, title: dayOldBread.title } });
      const credited = await waitForIdea(client, survivor, (status) => (status.credited ?? []).length > 0);
      expect(credited.credited).toEqual([{ email: 'rosa@regular.example', name: 'Rosa Diaz', from: duplicate, title: yesterdaysBread.title, at: expect.any(String) }]);
      expect(credited.status).toBe('in-review');

      const email = await eventually(() => {
        const found = box.mail.received.find((message) => message.subject?.includes('was merged into') && JSON.stringify(message.to).includes('rosa@regular.example'));
        if (!found) throw new Error('no merged email to Rosa yet');
        return found;
      });
      expect(email.text).toContain('The same day-old bread discount');
      expect(email.text).toContain(`You are credited on "${dayOldBread.title}"`);

      const sealed = await openSealedStore(settings);
      try {
        await eventually(async () => {
          expect((await sealed.events({ ideaId: survivor, types: ['credited'] })).map((event) => event.detail)).toEqual([expect.objectContaining({ from: duplicate, people: ['rosa@regular.example'] })]);
          expect((await sealed.events({ ideaId: duplicate, types: ['merged'] }))[0]!.detail).toMatchObject({ into: survivor, credited: true, reason: 'The same day-old bread discount' });
        });
        await messageTo(sealed, duplicate, 'rosa@regular.example', 'merged');
      } finally {
        await sealed.close();
      }
      expect((await client.listIdeas({ status: 'merged' })).map((summary) => summary.ideaId)).toEqual([duplicate]);
      expect(await client.report('kill-rate')).toMatchObject({ merged: 1, killed: 0 });
    }, settings);
  });

  test('refused merges change nothing: into itself, an ended idea, a chain or cycle, by someone neither screener nor admin', async () => {
    await withStack(async ({ client }) => {
      const a = (await client.submitIdea(idea(dayOldBread))).ideaId;
      const b = (await client.submitIdea(idea(yesterdaysBread))).ideaId;
      const c = (await client.submitIdea(idea(loyaltyCards))).ideaId;
      const killed = (await client.submitIdea(idea({ title: 'Bread vending machine', description: 'A machine outside for late loaves.' }))).ideaId;
      for (const id of [a, b, c, killed]) await waitForIdea(client, id, inReview('screen'));
      await client.overrideDecision(killed, { by: OWNER, decision: 'kill', reason: 'No room outside' });
      await client.outcome(killed);
      await client.merge(b, { into: a, by: OWNER, reason: 'Same discount' });
      await client.outcome(b);
      await waitForIdea(client, a, (status) => (status.credited ?? []).length === 1);

      const before = { a: await snapshot(client, a), c: await snapshot(client, c) };
      const refusals: [string, () => Promise<unknown>, string, RegExp][] = [
        ['into itself', () => client.merge(c, { into: c, by: HEAD_BAKER }), 'invalid-input', /merge: into: an idea cannot be merged into itself/],
        ['into a killed idea', () => client.merge(c, { into: killed, by: HEAD_BAKER }), 'invalid-merge', /is killed/],
        ['into a merged idea (a chain)', () => client.merge(c, { into: b, by: HEAD_BAKER }), 'invalid-merge', new RegExp(`itself merged into ${a}: merge into ${a} instead`)],
        ['back into its own duplicate (a cycle)', () => client.merge(a, { into: b, by: HEAD_BAKER }), 'invalid-merge', /merging back would make a cycle/],
        ['an idea already merged', () => client.merge(b, { into: c, by: HEAD_BAKER }), 'idea-ended', /already merged/],
        ['by the champion, neither screener nor admin', () => client.merge(c, { into: a, by: COUNTER }), 'not-allowed', /a screener \(a reviewer of Screen\)/],
        ['into an unknown idea', () => client.merge(c, { into: 'no-such-idea', by: HEAD_BAKER }), 'unknown-idea', /no-such-idea/],
      ];
      for (const [what, attempt, code, message] of refusals) {
        const refused = await attempt().then(() => undefined, (err: unknown) => err);
        expect({ what, code: (refused as { code?: string }).code }).toEqual({ what, code });
        expect((refused as Error).message).toMatch(message);
      }
      expect({ a: await snapshot(client, a), c: await snapshot(client, c) }).toEqual(before);
    });
  });

  test('two opposite merges at the same instant: at most one succeeds, and credit only where a duplicate really ended merged', async () => {
    await withStack(async ({ client }) => {
      for (let attempt = 1; attempt <= 6; attempt += 1) {
        const a = (await client.submitIdea(idea(dayOldBread))).ideaId;
        const b = (await client.submitIdea(idea(yesterdaysBread))).ideaId;
        for (const id of [a, b]) await waitForIdea(client, id, inReview('screen'));
        const results = await Promise.allSettled([
          client.merge(a, { into: b, by: HEAD_BAKER, reason: 'Same discount' }),
          client.merge(b, { into: a, by: SHOP_MANAGER, reason: 'Same discount' }),
        ]);
        await settled(client, a, b);
        const ideas = { [a]: await client.getIdea(a), [b]: await client.getIdea(b) };
        const merged = Object.values(ideas).filter((status) => status.status === 'merged');
        expect({ attempt, bothMerged: merged.length === 2 }).toEqual({ attempt, bothMerged: false });
        expect({ attempt, underWay: Object.values(ideas).filter((status) => status.status === 'in-review').length }).toEqual({ attempt, underWay: 2 - merged.length });
        expect({ attempt, accepted: results.filter((result) => result.status === 'fulfilled').length }).toEqual({ attempt, accepted: merged.length });
        const refusals = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as Error & { code?: string }] : []));
        for (const refused of refusals) expect({ attempt, code: refused.code }).toEqual({ attempt, code: expect.stringMatching(/^(invalid-merge|idea-ended)$/) });
        // Both refused: each says to try again, and nothing is left claimed, so trying again works.
        if (refusals.length === 2) for (const refused of refusals) expect(refused.message).toMatch(/try again/);
        // A credit only from a duplicate that ended merged into the idea credited.
        for (const status of Object.values(ideas)) {
          for (const credit of status.credited ?? []) expect({ attempt, credit: credit.from, into: ideas[credit.from]!.mergedInto?.ideaId }).toEqual({ attempt, credit: credit.from, into: status.ideaId });
        }
        for (const status of merged) expect({ attempt, credited: ideas[status.mergedInto!.ideaId]!.credited!.map((credit) => credit.from) }).toEqual({ attempt, credited: [status.ideaId] });
        if (merged.length === 0) {
          await client.merge(a, { into: b, by: HEAD_BAKER, reason: 'Same discount' });
          expect(await client.outcome(a)).toMatchObject({ status: 'merged', into: b });
        }
      }
    });
  });

  test('the review page lists similar ideas, asks for a category, and lets a screener merge', async () => {
    await withWeb(async ({ client, links }) => {
      const { category: _none, ...withoutCategory } = idea(yesterdaysBread);
      const survivor = (await client.submitIdea(idea(dayOldBread))).ideaId;
      await waitForIdea(client, survivor, inReview('screen'));
      const duplicate = (await client.submitIdea(withoutCategory)).ideaId;
      await waitForIdea(client, duplicate, inReview('screen'));
      const link = links.review(duplicate, 'screen', 1, SHOP_MANAGER);
      const page = await get(link);
      expect(page.status).toBe(200);
      expect(page.body).toContain('Similar ideas');
      expect(page.body).toContain(`Merge this idea into “${dayOldBread.title}”`);
      expect(page.body).toContain('Which kind of idea is it?');
      expect(page.body).toContain('uncategorised');

      // Hamid names a category with his vote; a category that is not one is refused on the page, nothing recorded.
      const hamid = links.review(duplicate, 'screen', 1, HEAD_BAKER);
      const vote = { 'score.feasibility': '4', 'score.impact': '4', decision: 'go', comment: '', conditions: '' };
      const refused = await post(hamid, { ...vote, category: 'magic' });
      expect(refused.status).toBe(422);
      expect(refused.body).toContain('category');
      expect((await client.getIdea(duplicate)).round!.votes).toEqual([]);
      expect((await post(hamid, { ...vote, category: 'service' })).status).toBe(200);
      expect((await client.getIdea(duplicate)).round!.votes.map((cast) => cast.category)).toEqual(['service']);

      const done = await post(link, { 'merge-into': survivor, 'merge-reason': 'Same discount' });
      expect(done.status).toBe(200);
      expect(done.body).toContain('is now part of');
      expect(tokenOf(link)).toBeTruthy();
      expect((await client.getIdea(duplicate)).status).toBe('merged');
      expect((await waitForIdea(client, survivor, (status) => (status.credited ?? []).length > 0)).credited![0]!.email).toBe('rosa@regular.example');
    });
  });
});
