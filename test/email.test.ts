import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../activities';
import { createMailer, messageIdFor } from '../activities/email/mailer';
import { startWebServer } from '../client/web/server';
import { REDACTED_LINK, verifyLink } from '../links';
import type { Notification } from '../workflows/notification';
import { openStore, type Store } from '../store';
import type { StageGateClient } from '../client/sdk';
import { loadSettings, type Settings } from '../config/settings';
import { createStageGateWorker } from '../worker/worker';
import { ideaWorkflowId } from '../workflows/messages';
import { ARTEFACTS_DIR } from './paths';
import { Mailbox } from './mailbox';
import { HEAD_BAKER, SHOP_MANAGER, TEST_LINK_SECRET, eventually, idea, inReview, scores, testSettings, waitForIdea, withStack } from './helpers';

const PUBLIC_URL = 'https://ideas.cornerbakery.example';
const FROM = 'Corner Bakery ideas <ideas@cornerbakery.example>';

let mail: Mailbox;
let port: number;
beforeEach(async () => {
  mail = new Mailbox();
  port = await mail.start();
});
afterEach(() => mail.close());

const mailSettings = (overrides: Parameters<typeof testSettings>[0] = {}) =>
  testSettings({ publicUrl: PUBLIC_URL, mail: { from: FROM, smtp: { host: '127.0.0.1', port } }, ...overrides });

/** The one message to this address with this subject, once it has arrived. */
const arrived = (address: string, subject: string) =>
  eventually(() => {
    const found = mail.to(address, subject);
    if (found.length !== 1) throw new Error(`${found.length} messages "${subject}" to ${address}`);
    return found[0]!;
  });

interface ActivityRun {
  type: string;
  purpose?: string;
  attempt: number;
  failure?: { applicationFailureInfo?: { type?: string | null; nonRetryable?: boolean | null } | null };
}

/** Each activity of an idea's history with the attempt that ended it: more than 1 means Temporal retried it. */
async function activityRuns(client: StageGateClient, ideaId: string): Promise<ActivityRun[]> {
  const { events } = await client.client.workflow.getHandle(ideaWorkflowId(ideaId)).fetchHistory();
  const runs = new Map<string, ActivityRun>();
  for (const event of events ?? []) {
    const id = String(event.eventId);
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) {
      const input = JSON.parse(Buffer.from(scheduled.input!.payloads![0]!.data!).toString('utf8')) as { purpose?: string };
      runs.set(id, { type: scheduled.activityType!.name!, purpose: input.purpose, attempt: 0 });
    }
    const started = event.activityTaskStartedEventAttributes;
    if (started) runs.get(String(started.scheduledEventId))!.attempt = started.attempt!;
    const failed = event.activityTaskFailedEventAttributes;
    if (failed) runs.get(String(failed.scheduledEventId))!.failure = failed.failure!;
  }
  return [...runs.values()];
}

describe('email through a real SMTP server', () => {
  test('reviewers get a review request with HTML and text parts, a signed review link and a deterministic Message-ID', async () => {
    await withStack(async ({ client, store, settings }) => {
      const { ideaId, workflowId } = await client.submitIdea(idea({ title: 'Loyalty cards', description: 'Stamp cards: the tenth coffee is free.' }));
      await waitForIdea(client, ideaId, inReview('screen'));
      // Message ids name the journey's first run, so an idea id used again gets messages of its own.
      const journey = (await client.client.workflow.getHandle(workflowId).describe()).runId;

      for (const reviewer of [HEAD_BAKER, SHOP_MANAGER]) {
        const email = await arrived(reviewer, 'your decision is needed');
        expect(email.subject).toMatch(/^Screen for "Loyalty cards": your decision is needed by \w+day \d+ \w+$/);
        expect(email.from?.value).toEqual([{ name: 'Corner Bakery ideas', address: 'ideas@cornerbakery.example' }]);
        expect(email.text).toContain('Stamp cards: the tenth coffee is free.');
        expect(email.html).toContain('Stamp cards: the tenth coffee is free.');

        const review = new RegExp(`href="${PUBLIC_URL}/review/([^"]+)"`).exec(email.html as string);
        expect(verifyLink(TEST_LINK_SECRET, review![1]!, 'review')).toMatchObject({ purpose: 'review', email: reviewer, ideaId, gate: 'screen', round: 1 });
        expect(email.text).toContain(`${PUBLIC_URL}/review/${review![1]}`);
        const pending = new RegExp(`href="${PUBLIC_URL}/reviewer/([^"]+)"`).exec(email.html as string);
        expect(verifyLink(TEST_LINK_SECRET, pending![1]!, 'reviewer')).toMatchObject({ purpose: 'reviewer', email: reviewer });

        const kept = (await store.outbox({ ideaId, to: reviewer })).find((message) => message.purpose === 'review-request')!;
        expect(kept.id).toBe(`${ideaId}/${journey}/screen/1/review-request/${reviewer}/2`);
        expect(email.messageId).toBe(messageIdFor(kept.id, settings.mail.from));
        expect(email.messageId).toMatch(/^<[0-9a-f]{32}@cornerbakery\.example>$/);
        expect(kept).toMatchObject({ messageId: email.messageId, subject: email.subject });
        // Once delivered, the outbox keeps the message without its links: reading the database lets nobody vote.
        const delivered = await eventually(async () => {
          const [message] = await store.outbox({ id: kept.id });
          expect(message!.sentAt).toBeDefined();
          expect(message!.text).not.toContain(`${PUBLIC_URL}/review`);
          return message!;
        });
        expect(delivered.html).toBe((email.html as string).replaceAll(`${PUBLIC_URL}/review/${review![1]}`, REDACTED_LINK).replaceAll(`${PUBLIC_URL}/reviewer/${pending![1]}`, REDACTED_LINK));
        expect(delivered.text).toContain(`Review and decide:\n  ${REDACTED_LINK}`);
        expect(`${delivered.text}${delivered.html}`).not.toMatch(/\/(review|reviewer|decide|kpi)\/[A-Za-z0-9_-]{20,}/);
        if (reviewer === HEAD_BAKER) writeFileSync(join(ARTEFACTS_DIR, 'review-request-email.html'), email.html as string);
      }
      expect((await arrived('grace@customer.example', 'your idea')).subject).toBe('Thank you: your idea "Loyalty cards" is in');
    }, mailSettings());
  });

  test('end to end: the link in the email opens the page, which changes nothing; the vote there moves the journey, and the submitter hears why by email', async () => {
    await withStack(async ({ client, settings }) => {
      const web = await startWebServer({ client, settings, port: 0 });
      try {
        const { ideaId } = await client.submitIdea(idea({ title: 'Loyalty cards' }));
        await waitForIdea(client, ideaId, inReview('screen'));
        for (const [reviewer, comment] of [
          [HEAD_BAKER, 'Regulars keep asking'],
          [SHOP_MANAGER, 'Cheap to print'],
        ] as const) {
          const email = await arrived(reviewer, 'your decision is needed');
          const link = new RegExp(`href="(${PUBLIC_URL}/review/[^"]+)"`).exec(email.html as string)![1]!.replace(PUBLIC_URL, web.url);
          const page = await fetch(link);
          expect(page.status).toBe(200);
          expect((await client.getIdea(ideaId)).round!.votes.some((vote) => vote.reviewer === reviewer)).toBe(false);
          const vote = await fetch(link, { method: 'POST', body: new URLSearchParams({ decision: 'go', 'score.feasibility': '4', 'score.impact': '5', comment, conditions: '' }) });
          expect(vote.status).toBe(200);
          expect(await vote.text()).toMatch(/Recorded: go, by you, at /);
        }
        await waitForIdea(client, ideaId, (status) => status.stage.id === 'build');
        const decision = await arrived('grace@customer.example', 'Screen decided go');
        expect(decision.text).toContain('Hamid Karimi (go): Regulars keep asking');
        expect(decision.text).toContain('Sofia Rossi (go): Cheap to print');
      } finally {
        await web.close();
      }
    }, mailSettings());
  });

  test('text people wrote is escaped in the HTML', async () => {
    await withStack(async ({ client }) => {
      const { ideaId } = await client.submitIdea(idea({ title: 'Pumpkin <script>alert("title")</script> pastry', submitter: { email: 'grace@customer.example', name: 'Grace <b>Hall</b>' } }));
      await waitForIdea(client, ideaId, inReview('screen'));
      const request = await arrived(HEAD_BAKER, 'your decision is needed');
      expect(request.html).not.toMatch(/<script|<b>/);
      expect(request.html).toContain('Pumpkin &lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt; pastry');
      expect(request.html).toContain('from Grace &lt;b&gt;Hall&lt;/b&gt;');

      const comment = 'Too close to Christmas <script>document.location="https://evil.example"</script>';
      await client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'kill', scores: scores(1, 'feasibility', 'impact'), comment });
      await client.castVote(ideaId, { reviewer: SHOP_MANAGER, decision: 'kill', scores: scores(2, 'feasibility', 'impact') });
      const decision = await arrived('grace@customer.example', 'decided kill');
      expect(decision.html).not.toMatch(/<script|<b>/);
      expect(decision.html).toContain('Too close to Christmas &lt;script&gt;document.location=&quot;https://evil.example&quot;&lt;/script&gt;');
      expect(decision.text).toContain(comment);
    }, mailSettings());
  });

  test('a recipient refused for good (550) is not retried; the others get the message and the journey goes on', async () => {
    mail.refuse(SHOP_MANAGER, 550);
    await withStack(async ({ client, store }) => {
      const { ideaId } = await client.submitIdea(idea());
      const status = await waitForIdea(client, ideaId, (s) => inReview('screen')(s) && s.undelivered.length > 0);
      expect(status.undelivered).toEqual([expect.objectContaining({ purpose: 'review-request', to: SHOP_MANAGER, error: expect.stringContaining('550 No such mailbox here') })]);

      await arrived(HEAD_BAKER, 'your decision is needed');
      expect(mail.to(SHOP_MANAGER)).toEqual([]);
      expect(mail.attempts.get(SHOP_MANAGER)).toBe(1);
      const kept = (await store.outbox({ ideaId, to: SHOP_MANAGER }))[0]!;
      expect(kept).toMatchObject({ purpose: 'review-request', rejection: '550 No such mailbox here' });
      expect(kept.sentAt).toBeUndefined();

      const request = (await activityRuns(client, ideaId)).find((run) => run.purpose === 'review-request')!;
      expect(request.attempt).toBe(1);
      expect(request.failure?.applicationFailureInfo).toMatchObject({ type: 'smtp-rejected', nonRetryable: true });

      // The journey went on: the round is open and decides as usual.
      await client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'go', scores: scores(4, 'feasibility', 'impact') });
      await client.castVote(ideaId, { reviewer: SHOP_MANAGER, decision: 'go', scores: scores(4, 'feasibility', 'impact') });
      await waitForIdea(client, ideaId, (s) => s.stage.id === 'build');
    }, mailSettings());
  });

  test('a temporary refusal (451) is retried and the message arrives exactly once, as does every other', async () => {
    mail.refuse(SHOP_MANAGER, 451);
    await withStack(async ({ client }) => {
      const { ideaId } = await client.submitIdea(idea());
      await waitForIdea(client, ideaId, inReview('screen'));
      await arrived(SHOP_MANAGER, 'your decision is needed');
      const request = await eventually(async () => {
        const run = (await activityRuns(client, ideaId)).find((r) => r.purpose === 'review-request')!;
        expect(run.attempt).toBeGreaterThan(0);
        return run;
      });
      expect(request.attempt).toBe(2);
      expect(request.failure).toBeUndefined();
      expect(mail.attempts.get(SHOP_MANAGER)).toBe(2);
      // Hamid's message went out on the first attempt; the retry did not send it again.
      expect(mail.attempts.get(HEAD_BAKER)).toBe(1);
      expect(mail.to(HEAD_BAKER, 'your decision is needed')).toHaveLength(1);
      expect(mail.to(SHOP_MANAGER, 'your decision is needed')).toHaveLength(1);
      expect((await client.getIdea(ideaId)).undelivered).toEqual([]);
    }, mailSettings());
  });
});

describe('the notify activity', () => {
  const reviewRequest: Notification = {
    purpose: 'review-request',
    seq: 2,
    to: [
      { email: HEAD_BAKER, name: 'Hamid Karimi' },
      { email: SHOP_MANAGER, name: 'Sofia Rossi' },
    ],
    idea: {
      ideaId: 'loyalty-cards',
      title: 'Loyalty cards',
      description: 'Stamp cards: the tenth coffee is free.',
      source: 'employee',
      submitter: { email: 'leo@cornerbakery.example', name: 'Leo Martin' },
      champion: { email: 'leo@cornerbakery.example', name: 'Leo Martin' },
      processName: 'SMB lite',
    },
    gate: { id: 'idea-screen', name: 'Idea screen', round: 1, deadlineAt: '2026-11-05T16:00:00Z', criteria: [{ id: 'impact', label: 'Impact' }], awaiting: [] },
  };

  /** The activities as a worker makes them, against the test's SMTP server; `run` gets them and the store. */
  async function withActivities(run: (activities: ReturnType<typeof createActivities>, store: Store) => Promise<void>, settings: Settings = mailSettings()) {
    const store = await openStore(settings);
    const mailer = settings.mail.smtp ? createMailer(settings.mail) : undefined;
    try {
      await run(createActivities({ store, settings, mailer }), store);
    } finally {
      mailer?.close();
      await store.close();
    }
  }

  test('run twice with the same notification, it sends each message once', async () => {
    await withActivities(async ({ notify }, store) => {
      await notify(reviewRequest);
      await notify(reviewRequest);
      expect(mail.received.map((email) => !Array.isArray(email.to) && email.to?.value[0]?.address).sort()).toEqual([HEAD_BAKER, SHOP_MANAGER]);
      expect(mail.attempts).toEqual(new Map([[HEAD_BAKER, 1], [SHOP_MANAGER, 1]]));
      expect((await store.outbox({ ideaId: 'loyalty-cards' })).map((message) => message.sentAt)).toEqual([expect.any(String), expect.any(String)]);
    });
  });

  test('a refusal for good fails without retrying once the others are sent; a retry neither resends nor asks the server again', async () => {
    mail.refuse(HEAD_BAKER, 550);
    await withActivities(async ({ notify }) => {
      for (let attempt = 1; attempt <= 2; attempt++) {
        const failure = await notify(reviewRequest).then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(failure).toBeInstanceOf(ApplicationFailure);
        expect(failure).toMatchObject({ type: 'smtp-rejected', nonRetryable: true, details: [{ rejected: [{ to: HEAD_BAKER, response: '550 No such mailbox here' }] }] });
      }
      expect(mail.received.map((email) => email.subject)).toEqual(['Idea screen for "Loyalty cards": your decision is needed by Thursday 5 November']);
      expect(mail.attempts).toEqual(new Map([[HEAD_BAKER, 1], [SHOP_MANAGER, 1]]));
    });
  });

  test('an unreachable mail server is a retryable failure and the message waits in the outbox', async () => {
    await mail.close();
    await withActivities(async ({ notify }, store) => {
      const failure = await notify(reviewRequest).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(failure).not.toBeInstanceOf(ApplicationFailure);
      expect(failure).toMatchObject({ code: 'ESOCKET', originalCode: 'ECONNREFUSED' });
      expect((await store.outbox({ ideaId: 'loyalty-cards' })).map((message) => [message.to.email, message.sentAt])).toEqual([[HEAD_BAKER, undefined]]);
    });
    mail = new Mailbox();
    await mail.start();
  });

  test('a server refusing our sender address (a worker setting, not the message) is retried', async () => {
    mail.senderRefusal = 550;
    await withActivities(async ({ notify }, store) => {
      const failure = await notify(reviewRequest).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(failure).not.toBeInstanceOf(ApplicationFailure);
      expect(failure).toMatchObject({ command: 'MAIL FROM', responseCode: 550 });
      expect((await store.outbox({ ideaId: 'loyalty-cards' })).map((message) => [message.sentAt, message.rejection])).toEqual([[undefined, undefined]]);
    });
  });

  test('without a mail server the messages stay in the outbox, with their HTML part', async () => {
    await withActivities(async ({ notify }, store) => {
      await notify(reviewRequest);
      expect((await store.outbox({ ideaId: 'loyalty-cards' })).map((message) => [message.to.email, message.sentAt, message.html?.startsWith('<!doctype html>')])).toEqual([
        [HEAD_BAKER, undefined, true],
        [SHOP_MANAGER, undefined, true],
      ]);
    }, testSettings());
  });

  test('a worker without a link-signing key refuses to start, naming STAGEGATE_LINK_SECRET', async () => {
    const settings = loadSettings({ env: {}, overrides: { dataDir: testSettings().dataDir } });
    await expect(createStageGateWorker({ settings })).rejects.toThrow(/STAGEGATE_LINK_SECRET/);
  });
});
