import { voteSchema, ideaSubmissionSchema } from '../client/sdk';

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
});
