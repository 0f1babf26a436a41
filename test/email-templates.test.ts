import { compiledLayout, renderEmail } from '../activities/email/templates';
import { linkBuilder, verifyLink } from '../links';
import { NOTIFICATION_PURPOSES, type Notification, type NotificationPurpose } from '../workflows/notification';

const SECRET = 'test-link-secret-0123456789abcdef0123';
const links = linkBuilder({ publicUrl: 'https://ideas.cornerbakery.example', linkSecret: SECRET, linkTtl: 14 * 24 * 3600 * 1000 });
const hamid = { email: 'hamid@cornerbakery.example', name: 'Hamid Karimi' };
const leo = { email: 'leo@cornerbakery.example', name: 'Leo Martin' };

/** A notification of each purpose about the loyalty cards idea; `say` makes every piece of people's text. */
function notification(purpose: NotificationPurpose, say: (what: string) => string = (what) => what): Notification {
  return {
    purpose,
    seq: 4,
    to: [hamid],
    idea: {
      ideaId: 'loyalty-cards',
      title: say('Loyalty cards'),
      description: say('Stamp cards: the tenth coffee is free.'),
      source: 'employee',
      submitter: { email: leo.email, name: say('Leo Martin') },
      champion: { email: leo.email, name: say('Leo Martin') },
      processName: say('SMB lite'),
    },
    stage: { id: 'build', name: say('Build'), deliverables: [say('Card design')], dueAt: '2026-11-05T16:00:00Z', feedback: [say('Bring a costing')] },
    gate: {
      id: 'idea-screen',
      name: say('Idea screen'),
      round: 2,
      deadlineAt: '2026-11-05T16:00:00Z',
      criteria: [{ id: 'feasibility', label: say('Feasibility'), minimum: 3 }],
      awaiting: [say('Sofia Rossi')],
    },
    decision: {
      gate: 'idea-screen',
      gateName: say('Idea screen'),
      round: 2,
      decision: 'conditional-go',
      decidedBy: 'reviewers',
      at: '2026-11-04T10:00:00Z',
      score: 4.2,
      reasons: [say('Most reviewers voted go (2 of 2)')],
      conditions: [say('Print 500 cards first')],
      comments: [{ reviewer: say('Sofia Rossi'), decision: 'go', comment: say('Customers will love it') }],
    },
    hold: { by: 'olivia@cornerbakery.example', reason: say('After the Christmas rush'), at: '2026-11-04T10:00:00Z', revisitAt: '2026-12-04T10:00:00Z', returnTo: 'gate' },
    pilot: {
      stage: 'pilot',
      stageName: say('Pilot in two shops'),
      run: 1,
      endsAt: '2026-11-30T16:00:00Z',
      due: [{ id: 'weekly_sales', label: say('Weekly sales'), unit: say('pastries'), target: 600 }],
      alert: { kpi: 'weekly_sales', label: say('Weekly sales'), unit: say('pastries'), value: 350, threshold: 400, level: 'alert' },
    },
    reason: say('We found a supplier who does it already'),
    actor: say('leo@cornerbakery.example'),
    conditions: [{ gate: 'idea-screen', text: say('Print 500 cards first') }],
    survivor: { ideaId: 'stamp-cards', title: say('Stamp cards') },
  };
}

const tokenOf = (html: string, path: string) => new RegExp(`href="https://ideas\\.cornerbakery\\.example/${path}/([^"]+)"`).exec(html)?.[1];

describe('email messages', () => {
  test.each(NOTIFICATION_PURPOSES)('%s has a subject, a plain-text part and a filled HTML part that say the same', async (purpose) => {
    const email = await renderEmail(notification(purpose), hamid, { links });
    expect(email.subject).toContain('"Loyalty cards"');
    expect(email.text).toMatch(/^Hello Hamid Karimi,\n/);
    expect(email.text).toMatch(/\n-- \nstagegate · SMB lite · idea loyalty-cards$/);
    expect(email.html).toMatch(/^<!doctype html>/i);
    expect(email.html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(email.html).toContain('Hello Hamid Karimi,');
    expect(email.html).not.toMatch(/\{\{\w+\}\}/);
    // Every sentence of the text part is in the HTML part.
    const html = email.html.replace(/<[^>]+>/g, '').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
    for (const line of email.text.split('\n').map((l) => l.replace(/^ {2}(- )?/, '').replace(/:$/, '')).filter((l) => l && l !== '-- ' && !l.startsWith('https://'))) {
      expect(html).toContain(line);
    }
  });

  test.each(NOTIFICATION_PURPOSES)('%s escapes every piece of text people wrote', async (purpose) => {
    const email = await renderEmail(notification(purpose, (what) => `${what} <script>alert("x")</script> <img src=x onerror=alert(1)> & 'quoted'`), hamid, { links });
    expect(email.html).not.toMatch(/<script|<img/i);
    expect(email.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt; &amp; &#39;quoted&#39;');
    expect(email.text).toContain('<script>alert("x")</script>');
  });

  test('a review request carries a signed link to the review page and one to everything waiting on the reviewer', async () => {
    const email = await renderEmail(notification('review-request'), hamid, { links });
    expect(email.subject).toBe('Idea screen for "Loyalty cards": your decision is needed by Thursday 5 November');
    const review = verifyLink(SECRET, tokenOf(email.html, 'review')!, 'review');
    expect(review).toMatchObject({ purpose: 'review', email: hamid.email, ideaId: 'loyalty-cards', gate: 'idea-screen', round: 2 });
    expect(verifyLink(SECRET, tokenOf(email.html, 'reviewer')!, 'reviewer')).toMatchObject({ purpose: 'reviewer', email: hamid.email });
    expect(email.text).toContain(`Review and decide:\n  https://ideas.cornerbakery.example/review/${tokenOf(email.html, 'review')}`);
    expect(email.text).not.toContain('stagegate gate vote');
  });

  test('every reminder carries a freshly signed link', async () => {
    let now = Date.parse('2026-11-03T09:00:00Z');
    const ticking = linkBuilder({ publicUrl: 'https://ideas.cornerbakery.example', linkSecret: SECRET, linkTtl: 24 * 3600 * 1000 }, () => now);
    const first = await renderEmail(notification('review-reminder'), hamid, { links: ticking });
    now += 2 * 24 * 3600 * 1000;
    const second = await renderEmail(notification('review-reminder'), hamid, { links: ticking });
    expect(first.subject).toMatch(/^Reminder: Idea screen for "Loyalty cards"/);
    expect(() => verifyLink(SECRET, tokenOf(first.html, 'review')!, 'review', now)).toThrow(/expired/);
    expect(verifyLink(SECRET, tokenOf(second.html, 'review')!, 'review', now)).toMatchObject({ purpose: 'review', round: 2 });
  });

  test('an escalation lets the contact decide for the gate', async () => {
    const email = await renderEmail(notification('escalation'), hamid, { links });
    expect(verifyLink(SECRET, tokenOf(email.html, 'decide')!, 'decide')).toMatchObject({ purpose: 'decide', email: hamid.email, ideaId: 'loyalty-cards', gate: 'idea-screen', round: 2 });
    expect(email.text).toContain('Still waiting on: Sofia Rossi.');
  });

  test('a decision passes on the reasons and comments; only the champion is told to mark the conditions met', async () => {
    const toHamid = await renderEmail(notification('decision'), hamid, { links });
    const toChampion = await renderEmail(notification('decision'), leo, { links });
    for (const email of [toHamid, toChampion]) {
      expect(email.subject).toBe('"Loyalty cards": Idea screen decided conditional go');
      expect(email.text).toContain('with a weighted score of 4.2 out of 5');
      expect(email.text).toContain('Why:\n  - Most reviewers voted go (2 of 2)');
      expect(email.text).toContain('What the reviewers said:\n  - Sofia Rossi (go): Customers will love it');
    }
    expect(toHamid.text).toContain('Conditions Leo Martin must meet before the next gate:\n  - Print 500 cards first');
    expect(toHamid.text).not.toContain('conditions-met');
    expect(toChampion.text).toContain('Conditions you must meet before the next gate:\n  - Print 500 cards first');
    expect(toChampion.text).toContain('stagegate idea conditions-met loyalty-cards --by leo@cornerbakery.example');
  });

  test('rework tells the champion what the reviewers asked for; launch thanks the person by name', async () => {
    const rework = await renderEmail(notification('stage-entered'), leo, { links });
    expect(rework.text).toContain('What the reviewers asked for:\n  - Bring a costing');
    expect(rework.text).toContain('stagegate idea ready loyalty-cards --by leo@cornerbakery.example');
    const thanks = await renderEmail(notification('recognition'), leo, { links });
    expect(thanks.subject).toBe('"Loyalty cards" is launched: thank you, Leo Martin');
    expect(thanks.html).toContain('Thank you, Leo Martin');
    // From the recognition patch on, one message per person, saying their roles in the words of the `recognised` event.
    const both = await renderEmail({ ...notification('recognition'), thanks: { roles: ['submitter', 'champion'] } }, leo, { links });
    expect(both.subject).toBe('"Loyalty cards" is launched: thank you, Leo Martin (submitter and champion)');
    expect(both.text).toContain('As its submitter, you brought the idea.\n\nAs its champion, you carried it through every stage and gate.');
    expect(both.html).toContain('<strong>submitter and champion</strong>');
    const credited = await renderEmail({ ...notification('recognition'), thanks: { roles: ['credited'], from: { ideaId: 'stamp-cards', title: 'Stamp cards' } } }, hamid, { links });
    expect(credited.subject).toBe('"Loyalty cards" is launched: thank you, Hamid Karimi (credited)');
    expect(credited.text).toContain('You are credited because your idea "Stamp cards" was the same one, merged into it.');
  });

  test('times are in the business calendar time zone when there is one, else UTC', async () => {
    const utc = await renderEmail(notification('review-request'), hamid, { links });
    const berlin = await renderEmail(notification('review-request'), hamid, { links, timeZone: 'Europe/Berlin' });
    const tokyo = await renderEmail(notification('review-request'), hamid, { links, timeZone: 'Asia/Tokyo' });
    expect(utc.text).toContain('Thursday, 5 November 2026 at 16:00 UTC');
    expect(berlin.text).toContain('Thursday, 5 November 2026 at 17:00 CET');
    expect(berlin.html).toContain('<strong>Thursday, 5 November 2026 at 17:00 CET</strong>');
    expect(tokyo.subject).toContain('needed by Friday 6 November');
  });

  test('each layout is compiled once', async () => {
    const shape = { action: true, aside: false };
    expect(compiledLayout(shape)).toBe(compiledLayout(shape));
    await expect(compiledLayout(shape)).resolves.toContain('{{actionUrl}}');
  });
});
