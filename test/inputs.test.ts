import { holdSchema, voteSchema, ideaSubmissionSchema } from '../client/sdk';

describe('what people type, at the SDK boundary', () => {
  test('control characters no store can keep are dropped; broken surrogates become a replacement character', () => {
    const vote = voteSchema.parse({ reviewer: 'Hamid@CornerBakery.example', decision: 'go', scores: { impact: 4 }, comment: 'Good\u0000 idea\u0007 \ud800!' });
    expect(vote).toMatchObject({ reviewer: 'hamid@cornerbakery.example', comment: 'Good idea \ufffd!', via: 'sdk' });
  });

  test('a title of only control characters is empty, and refused', () => {
    const result = ideaSubmissionSchema.safeParse({ title: '\u0000\u0001', description: 'x', source: 'employee', submitter: { email: 'a@b.example', name: 'A' }, category: 'product' });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.path).toEqual(['title']);
  });

  test('a duration past ten years is refused by name, before it can reach a timer', () => {
    const result = holdSchema.safeParse({ by: 'olivia@cornerbakery.example', reason: 'Later', revisitAfter: '100000000d' });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]).toMatchObject({ path: ['revisitAfter'], message: 'expected a duration of at most 3650d (ten years), got "100000000d"' });
    expect(holdSchema.parse({ by: 'olivia@cornerbakery.example', reason: 'Later', revisitAfter: '3650d' }).revisitAfter).toBe(3650 * 24 * 60 * 60 * 1000);
  });
});
