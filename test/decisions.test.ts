import { StageGateError } from '../client/sdk';
import { COUNTER, HEAD_BAKER, OWNER, SHOP_MANAGER, eventually, idea, messageTo, inReview, inStage, scores, waitForIdea, withStack } from './helpers';

const good = scores(4, 'feasibility', 'impact');

describe('gate decisions', () => {
  test('kill ends the journey and tells the submitter why', async () => {
    await withStack(async ({ client, store }) => {
      const { ideaId } = await client.submitIdea(idea());
      await waitForIdea(client, ideaId, inReview('screen'));
      await client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'kill', scores: scores(1, 'feasibility', 'impact'), comment: 'We have no oven space in autumn' });
      await client.castVote(ideaId, { reviewer: SHOP_MANAGER, decision: 'kill', scores: scores(2, 'feasibility', 'impact'), comment: 'Too close to Christmas' });

      expect(await client.outcome(ideaId)).toMatchObject({ status: 'killed' });
      const decision = await messageTo(store, ideaId, 'grace@customer.example', 'decision');
      expect(decision.subject).toContain('decided kill');
      expect(decision.text).toContain('We have no oven space in autumn');
      expect(decision.text).toContain('Most reviewers voted kill (2 of 2)');
      await eventually(async () => expect((await store.events({ ideaId })).map((event) => event.type).slice(-2)).toEqual(['decided', 'killed']));
    });
  });

  test('recycle sends the idea back with the feedback, and round 2 decides', async () => {
    await withStack(async ({ client, store }) => {
      const { ideaId } = await client.submitIdea(idea());
      await waitForIdea(client, ideaId, inReview('screen'));
      await client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'recycle', scores: good, comment: 'Bring a costing' });
      await client.castVote(ideaId, { reviewer: SHOP_MANAGER, decision: 'recycle', scores: good, comment: 'Which shops?' });

      const rework = await waitForIdea(client, ideaId, inStage('idea'));
      expect(rework.decisions.map((d) => d.decision)).toEqual(['recycle']);
      const feedback = await messageTo(store, ideaId, COUNTER, 'stage-entered');
      expect(feedback.text).toContain('Bring a costing');
      expect(feedback.text).toContain('Which shops?');

      await expect(client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'go', scores: good })).rejects.toMatchObject({ code: 'gate-closed' });
      await client.markReady(ideaId, { by: COUNTER, notes: 'Costing attached; two shops' });
      const round2 = await waitForIdea(client, ideaId, inReview('screen', 2));
      expect(round2.round!.votes).toEqual([]);
      await client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'go', scores: good, round: 2 });
      await client.castVote(ideaId, { reviewer: SHOP_MANAGER, decision: 'go', scores: good, round: 2 });
      const after = await waitForIdea(client, ideaId, inStage('build'));
      expect(after.decisions.map((d) => [d.round, d.decision])).toEqual([
        [1, 'recycle'],
        [2, 'go'],
      ]);
    });
  });

  test('a must-meet knock-out turns a go into rework, naming the criterion', async () => {
    await withStack(async ({ client }) => {
      const { ideaId } = await client.submitIdea(idea());
      await waitForIdea(client, ideaId, inReview('screen'));
      await client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'go', scores: { feasibility: 1, impact: 5 } });
      await client.castVote(ideaId, { reviewer: SHOP_MANAGER, decision: 'go', scores: { feasibility: 5, impact: 5 } });
      const status = await waitForIdea(client, ideaId, inStage('idea'));
      expect(status.decisions[0]).toMatchObject({ decision: 'recycle', decidedBy: 'reviewers' });
      expect(status.decisions[0]!.reasons.join(' ')).toContain('Must-meet criterion "feasibility" scored 1');
    });
  });

  test('hold parks the idea; resume opens a new round', async () => {
    await withStack(async ({ client, store }) => {
      const { ideaId } = await client.submitIdea(idea());
      await waitForIdea(client, ideaId, inReview('screen'));
      await expect(client.hold(ideaId, { by: HEAD_BAKER, reason: 'busy' })).rejects.toMatchObject({ code: 'not-allowed' });
      await client.hold(ideaId, { by: OWNER, reason: 'After the Christmas rush', revisitAfter: '60d' });
      const held = await waitForIdea(client, ideaId, (s) => s.status === 'on-hold');
      expect(held.hold).toMatchObject({ by: OWNER, reason: 'After the Christmas rush', returnTo: 'gate' });
      expect(Date.parse(held.hold!.revisitAt) - Date.parse(held.hold!.at)).toBeGreaterThanOrEqual(60 * 24 * 3600 * 1000 - 1000);
      await eventually(async () => expect((await store.outbox({ ideaId, to: 'grace@customer.example' })).map((m) => m.purpose)).toContain('held'));
      await expect(client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'go', scores: good })).rejects.toMatchObject({ code: 'gate-closed' });

      await client.resume(ideaId, { by: OWNER, reason: 'January is quiet' });
      await waitForIdea(client, ideaId, inReview('screen', 2));
      await eventually(async () => expect((await store.events({ ideaId })).map((e) => e.type)).toEqual(expect.arrayContaining(['held', 'resumed'])));
    });
  });

  test('a conditional go carries conditions the champion must mark met before the next gate opens', async () => {
    await withStack(async ({ client }) => {
      const { ideaId } = await client.submitIdea(idea());
      await waitForIdea(client, ideaId, inReview('screen'));
      await client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'conditional-go', scores: good, conditions: ['Check allergens with the supplier'] });
      await client.castVote(ideaId, { reviewer: SHOP_MANAGER, decision: 'go', scores: good });
      const building = await waitForIdea(client, ideaId, inStage('build'));
      expect(building.decisions[0]).toMatchObject({ decision: 'conditional-go', conditions: ['Check allergens with the supplier'] });
      expect(building.conditions).toEqual([{ gate: 'screen', text: 'Check allergens with the supplier', met: false }]);

      await client.markReady(ideaId, { by: COUNTER, notes: 'Plan done' });
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const waiting = await client.getIdea(ideaId);
      expect(waiting).toMatchObject({ status: 'in-stage', stage: { id: 'build' } });

      await client.markConditionsMet(ideaId, { by: COUNTER, reason: 'Supplier confirmed: no nuts' });
      const review = await waitForIdea(client, ideaId, inReview('final'));
      expect(review.conditions[0]!.met).toBe(true);
    });
  });

  test('an admin overrides an open round with a reason; others cannot', async () => {
    await withStack(async ({ client, store }) => {
      const { ideaId } = await client.submitIdea(idea());
      await waitForIdea(client, ideaId, inReview('screen'));
      await expect(client.overrideDecision(ideaId, { by: COUNTER, decision: 'go', reason: 'I like it' })).rejects.toMatchObject({ code: 'not-allowed' });
      await client.overrideDecision(ideaId, { by: OWNER, decision: 'go', reason: 'Our autumn range needs it now' });
      const status = await waitForIdea(client, ideaId, inStage('build'));
      expect(status.decisions[0]).toMatchObject({ decision: 'go', decidedBy: 'admin', actor: OWNER, reasons: ['Our autumn range needs it now'] });
      // The reviewers whose round was decided for them are told too.
      await eventually(async () => expect((await store.outbox({ ideaId, to: HEAD_BAKER })).map((m) => m.purpose)).toContain('decision'));
    });
  });

  test('the submitter withdraws; nobody else but an admin may', async () => {
    await withStack(async ({ client, store }) => {
      const { ideaId } = await client.submitIdea(idea());
      await waitForIdea(client, ideaId, inReview('screen'));
      await expect(client.withdraw(ideaId, { by: HEAD_BAKER })).rejects.toMatchObject({ code: 'not-allowed' });
      await client.withdraw(ideaId, { by: 'grace@customer.example', reason: 'Found one at the market' });
      expect(await client.outcome(ideaId)).toMatchObject({ status: 'withdrawn', reason: 'Found one at the market' });
      expect((await store.outbox({ ideaId, to: SHOP_MANAGER })).map((m) => m.purpose)).toContain('withdrawn');
      expect((await store.events({ ideaId })).at(-1)).toMatchObject({ type: 'withdrawn', actor: 'grace@customer.example' });
      await expect(client.withdraw(ideaId, { by: OWNER })).rejects.toMatchObject({ code: 'idea-ended' });
    });
  });

  test('submitting the same id twice returns the same journey, even after it ended', async () => {
    await withStack(async ({ client }) => {
      const ideaId = `same-${Date.now()}`;
      const first = await client.submitIdea(idea({ ideaId }));
      const again = await client.submitIdea(idea({ ideaId, title: 'Something else' }));
      expect(first).toMatchObject({ ideaId, created: true });
      expect(again).toMatchObject({ ideaId, workflowId: first.workflowId, created: false });
      expect((await client.getIdea(ideaId)).title).toBe('Pumpkin spice pastry');
      await client.withdraw(ideaId, { by: OWNER });
      await client.outcome(ideaId);
      expect(await client.submitIdea(idea({ ideaId }))).toMatchObject({ created: false });
    });
  });

  test('ideas are listed by stage, status, source and process through search attributes', async () => {
    await withStack(async ({ client }) => {
      const inIdea = await client.submitIdea(idea({ source: 'partner' }));
      const inBuild = await client.submitIdea(idea({ source: 'partner', title: 'Dessert platters' }));
      await waitForIdea(client, inBuild.ideaId, inReview('screen'));
      await client.overrideDecision(inBuild.ideaId, { by: OWNER, decision: 'go', reason: 'Caterer asked twice' });
      await waitForIdea(client, inBuild.ideaId, inStage('build'));

      const listed = async (filter: Parameters<typeof client.listIdeas>[0], id: string) => {
        const until = Date.now() + 10_000;
        for (;;) {
          const ids = (await client.listIdeas(filter)).map((summary) => summary.ideaId);
          if (ids.includes(id) || Date.now() > until) return ids;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      };
      expect(await listed({ stage: 'build', process: 'two-gates' }, inBuild.ideaId)).toContain(inBuild.ideaId);
      expect(await listed({ stage: 'build', process: 'two-gates' }, inBuild.ideaId)).not.toContain(inIdea.ideaId);
      expect(await listed({ status: 'in-review', source: 'partner' }, inIdea.ideaId)).toContain(inIdea.ideaId);
      const summary = (await client.listIdeas({ stage: 'build' })).find((s) => s.ideaId === inBuild.ideaId);
      expect(summary).toMatchObject({ title: 'Dessert platters', status: 'in-stage', stage: 'build', process: 'two-gates', source: 'partner' });
    });
  });
});

describe('rejected commands', () => {
  test('unknown ideas and unknown processes are named', async () => {
    await withStack(async ({ client }) => {
      await expect(client.getIdea('no-such-idea')).rejects.toMatchObject({ code: 'unknown-idea' });
      await expect(client.submitIdea(idea({ process: 'nope' }))).rejects.toMatchObject({ code: 'unknown-process', message: expect.stringContaining('two-gates') });
      await expect(client.submitIdea(idea({ title: '' }))).rejects.toThrow(/idea: title: /);
    });
  });

  test('without a worker, a vote says nothing was confirmed instead of hanging', async () => {
    const { StageGateClient } = await import('../client/sdk');
    const { testSettings } = await import('./helpers');
    const settings = testSettings({ updateTimeout: '2s' });
    const { ideaId } = await withStack(async ({ client }) => {
      const submitted = await client.submitIdea(idea());
      await waitForIdea(client, submitted.ideaId, inReview('screen'));
      return submitted;
    }, settings);
    const client = await StageGateClient.connect({ settings });
    try {
      const error = await client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'go', scores: good }).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(StageGateError);
      expect(error).toMatchObject({ code: 'no-worker', message: expect.stringContaining('nothing was confirmed') });
    } finally {
      await client.close();
    }
  });
});

describe('conditions before launch', () => {
  test('after a conditional go at the last gate the champion is reminded of the conditions, not told the stage is overdue', async () => {
    await withStack(async ({ client, store }) => {
      const { ideaId } = await client.submitIdea(idea({ process: 'final-conditions' }));
      await waitForIdea(client, ideaId, inReview('screen'));
      // The stage's planned second passes while the gate sits.
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      await client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'conditional-go', scores: { impact: 4 }, conditions: ['Check allergens with the supplier'] });
      const reminder = await messageTo(store, ideaId, COUNTER, 'conditions-reminder');
      expect(reminder.subject).toBe('Reminder: conditions for "Pumpkin spice pastry" are still open');
      expect(reminder.text).toContain('Check allergens with the supplier');
      expect((await store.outbox({ ideaId, to: COUNTER })).map((message) => message.purpose)).not.toContain('stage-overrun');
      await client.markConditionsMet(ideaId, { by: COUNTER, reason: 'Supplier confirmed' });
      expect(await client.outcome(ideaId)).toMatchObject({ status: 'launched' });
    });
  });
});

describe('when Temporal itself does not answer', () => {
  test('a vote says the server is unreachable, not that no worker answered', async () => {
    const { createServer, connect } = await import('node:net');
    const { Connection } = await import('@temporalio/client');
    const { StageGateClient } = await import('../client/sdk');
    const { testSettings } = await import('./helpers');
    const settings = testSettings({ updateTimeout: '2s' });
    // The server is reached through a proxy that the test can cut.
    const [host, port] = process.env.TEMPORAL_ADDRESS!.split(':') as [string, string];
    const sockets = new Set<import('node:net').Socket>();
    const proxy = createServer((inbound) => {
      const outbound = connect(Number(port), host);
      for (const socket of [inbound, outbound]) {
        sockets.add(socket);
        socket.on('error', () => socket.destroy());
        socket.on('close', () => sockets.delete(socket));
      }
      inbound.pipe(outbound).pipe(inbound);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const address = `127.0.0.1:${(proxy.address() as import('node:net').AddressInfo).port}`;
    const connection = await Connection.connect({ address });
    const client = await StageGateClient.connect({ settings, connection });
    try {
      await withStack(async (stack) => {
        const { ideaId } = await stack.client.submitIdea(idea());
        await waitForIdea(stack.client, ideaId, inReview('screen'));
        await new Promise<void>((resolve) => {
          proxy.close(() => resolve());
          for (const socket of sockets) socket.destroy();
        });
        const error = await client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'go', scores: good, gate: 'screen', round: 1 }).catch((err: unknown) => err);
        expect(error).toMatchObject({ code: 'server-unreachable', message: expect.stringContaining('The Temporal server (TEMPORAL_ADDRESS) did not answer') });
        // Nothing reached the journey.
        expect((await stack.client.getIdea(ideaId)).round!.votes).toEqual([]);
      }, settings);
    } finally {
      await connection.close();
    }
  });
});

describe('races a person could cause', () => {
  test('a "ready" given the moment an idea is submitted is kept, not lost when the journey enters the stage', async () => {
    await withStack(async ({ client }) => {
      const { ideaId } = await client.submitIdea(idea({ process: 'package-review' }));
      await client.markReady(ideaId, { by: COUNTER, notes: 'Plan done before anyone asked' });
      const status = await waitForIdea(client, ideaId, inReview('final'));
      expect(status.stage.ready).toMatchObject({ by: COUNTER, notes: 'Plan done before anyone asked' });
    });
  });
});
