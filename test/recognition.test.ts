import { mkdtempSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startWebServer } from '../client/web/server';
import { recognitionReport, runReport, type Recognition, type ReportRange } from '../reports';
import { openStore } from '../store';
import { thanksFor } from '../workflows/recognition';
import { COUNTER, HEAD_BAKER, driveToLaunch, eventually, idea, inReview, testSettings, waitForIdea, withStack } from './helpers';
import { mailboxForEachTest } from './mailbox';
import { testRunDir } from './paths';
import { freshDatabaseUrl } from './postgres';

const ADMIN_KEY = 'recognition-test-admin-key-0123456789';
const basic = (key: string) => `Basic ${Buffer.from(`admin:${key}`).toString('base64')}`;

const MAYA = { email: 'maya@cornerbakery.example', name: 'Maya Chen' };
const ROSA = { email: 'rosa@regular.example', name: 'Rosa Diaz' };
const BEN = { email: 'ben@regular.example', name: 'Ben Okafor' };
const LEO = { email: COUNTER, name: 'Leo Martin' };

const dayOldBread = { title: 'Half price for day-old bread', description: "Sell yesterday's loaves at half price in the first hour, so less bread is thrown away.", submitter: MAYA, source: 'employee' as const };
const yesterdaysBread = { title: "Discount on yesterday's bread", description: 'Offer day-old bread and loaves at a discount instead of throwing them away at closing time.', submitter: ROSA, source: 'customer' as const };
const loyaltyCards = { title: 'Loyalty cards', description: 'Stamp cards: the tenth coffee is free.', submitter: BEN, champion: BEN, source: 'customer' as const };

describe('who is thanked at launch', () => {
  test('each person once, with every role they had, credited people with the duplicate that brought them', () => {
    const credited = [{ ...ROSA, from: 'dup-1', title: 'Dup', at: '2026-11-01T00:00:00.000Z' }, { ...LEO, from: 'dup-2', title: 'Other dup', at: '2026-11-02T00:00:00.000Z' }];
    expect(thanksFor(MAYA, LEO, credited)).toEqual([
      { person: MAYA, roles: ['submitter'] },
      { person: LEO, roles: ['champion', 'credited'], from: { ideaId: 'dup-2', title: 'Other dup' } },
      { person: ROSA, roles: ['credited'], from: { ideaId: 'dup-1', title: 'Dup' } },
    ]);
    expect(thanksFor(BEN, BEN, [])).toEqual([{ person: BEN, roles: ['submitter', 'champion'] }]);
  });
});

describe('recognition at launch', () => {
  const box = mailboxForEachTest();

  test('a mail server that is down holds no launch back: everyone is thanked in the events while no message goes out', async () => {
    // A port nobody listens on: every message waits, retried, behind the first.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const settings = testSettings({ mail: { from: 'ideas@cornerbakery.example', smtp: { host: '127.0.0.1', port } } });
    await withStack(async ({ client, store }) => {
      const { ideaId } = await client.submitIdea(idea(dayOldBread));
      await driveToLaunch(client, ideaId);
      const thanked = await eventually(async () => {
        const events = (await store.events({ ideaId })).filter((event) => event.type === 'recognised');
        expect(events).toHaveLength(2);
        return events.map((event) => event.detail.person);
      });
      expect(thanked).toEqual([MAYA.email, LEO.email]);
      expect((await client.getIdea(ideaId)).status).toBe('launched');
      expect((await store.outbox({ ideaId })).filter((message) => message.sentAt !== undefined)).toEqual([]);
    }, settings);
  }, 120_000);

  test('submitter, champion and a merged duplicate’s submitter are thanked by name; a submitter who champions is thanked once; the report agrees on SQLite and PostgreSQL and by period; the dashboard shows it', async () => {
    const settings = testSettings({ adminKey: ADMIN_KEY, publicUrl: 'https://ideas.cornerbakery.example', mail: { from: 'ideas@cornerbakery.example', smtp: { host: '127.0.0.1', port: box.port } } });
    await withStack(async ({ client, store }) => {
      const survivor = (await client.submitIdea(idea(dayOldBread))).ideaId;
      await waitForIdea(client, survivor, inReview('screen'));
      const duplicate = (await client.submitIdea(idea(yesterdaysBread))).ideaId;
      await waitForIdea(client, duplicate, (status) => inReview('screen')(status) && (status.similar ?? []).length > 0);
      await client.merge(duplicate, { into: survivor, by: HEAD_BAKER, reason: 'The same discount' });
      await waitForIdea(client, survivor, (status) => (status.credited ?? []).length === 1);
      await driveToLaunch(client, survivor);
      const own = (await client.submitIdea(idea(loyaltyCards))).ideaId;
      await driveToLaunch(client, own);

      // One `recognised` event per person, after the launch, naming them, their roles, the idea's source, and the duplicate that brought a credited person.
      const thanked = async (ideaId: string) => (await store.events({ ideaId })).filter((event) => event.type === 'recognised');
      const survivorThanks = await eventually(async () => {
        const events = await thanked(survivor);
        expect(events).toHaveLength(3);
        return events;
      });
      expect(survivorThanks.map((event) => event.detail)).toEqual([
        { person: MAYA.email, personName: MAYA.name, roles: ['submitter'], source: 'employee' },
        { person: LEO.email, personName: LEO.name, roles: ['champion'], source: 'employee' },
        { person: ROSA.email, personName: ROSA.name, roles: ['credited'], source: 'employee', from: duplicate, fromTitle: yesterdaysBread.title },
      ]);
      const types = (await store.events({ ideaId: survivor })).map((event) => event.type);
      expect(types.slice(-4)).toEqual(['launched', 'recognised', 'recognised', 'recognised']);
      const ownThanks = await eventually(async () => {
        const events = await thanked(own);
        expect(events.length).toBeGreaterThan(0);
        return events;
      });
      expect(ownThanks.map((event) => event.detail)).toEqual([{ person: BEN.email, personName: BEN.name, roles: ['submitter', 'champion'], source: 'customer' }]);

      // A thank-you each on the real SMTP server, by name, saying the role in the event's words.
      const thanks = (to: string, title: string) => box.mail.to(to, `"${title}" is launched: thank you`);
      await eventually(() => {
        for (const [person, title] of [[MAYA, dayOldBread.title], [LEO, dayOldBread.title], [ROSA, dayOldBread.title], [BEN, loyaltyCards.title]] as const) expect({ to: person.email, sent: thanks(person.email, title).length }).toEqual({ to: person.email, sent: 1 });
      }, 20_000);
      expect(thanks(MAYA.email, dayOldBread.title)[0]!.subject).toBe(`"${dayOldBread.title}" is launched: thank you, Maya Chen (submitter)`);
      expect(thanks(LEO.email, dayOldBread.title)[0]!.subject).toBe(`"${dayOldBread.title}" is launched: thank you, Leo Martin (champion)`);
      const toRosa = thanks(ROSA.email, dayOldBread.title)[0]!;
      expect(toRosa.subject).toBe(`"${dayOldBread.title}" is launched: thank you, Rosa Diaz (credited)`);
      expect(toRosa.text).toContain(`your idea "${yesterdaysBread.title}" was the same one, merged into it`);
      expect(toRosa.html).toContain('Thank you, Rosa Diaz');
      expect(thanks(BEN.email, loyaltyCards.title)[0]!.subject).toBe(`"${loyaltyCards.title}" is launched: thank you, Ben Okafor (submitter and champion)`);
      expect((await store.outbox({ ideaId: own })).filter((message) => message.purpose === 'recognition')).toHaveLength(1);

      // The report, through the SDK: per person, per source.
      const report = (await client.report('recognition')) as Recognition;
      const row = (email: string) => report.people.find((person) => person.person === email);
      expect(row(MAYA.email)).toEqual({ person: MAYA.email, name: MAYA.name, submitted: 1, championed: 0, credited: 0, launched: 1, thanked: 1 });
      expect(row(ROSA.email)).toEqual({ person: ROSA.email, name: ROSA.name, submitted: 1, championed: 0, credited: 1, launched: 1, thanked: 1 });
      expect(row(LEO.email)).toEqual({ person: LEO.email, name: LEO.name, submitted: 0, championed: 2, credited: 0, launched: 1, thanked: 1 });
      expect(row(BEN.email)).toEqual({ person: BEN.email, name: BEN.name, submitted: 1, championed: 1, credited: 0, launched: 1, thanked: 1 });
      expect(report.sources).toEqual([
        { source: 'customer', submitted: 2, launched: 1, contributors: 3, thanks: 1 },
        { source: 'employee', submitted: 1, launched: 1, contributors: 3, thanks: 3 },
      ]);
      expect(report.total).toEqual({ people: 4, contributors: 4, launched: 2, thanks: 4 });

      // By period: before the first launch nobody was thanked yet; after the last event nothing happened.
      const events = await store.events({});
      const firstLaunch = events.find((event) => event.type === 'launched')!.at;
      const before = (await client.report('recognition', { to: firstLaunch })) as Recognition;
      expect(before.total).toMatchObject({ launched: 0, thanks: 0 });
      expect(before.people.find((person) => person.person === ROSA.email)).toMatchObject({ submitted: 1, credited: 1, launched: 0, thanked: 0 });
      const after = (await client.report('recognition', { from: new Date(Date.parse(events.at(-1)!.at) + 1).toISOString() })) as Recognition;
      expect(after).toEqual({ people: [], sources: [], months: [], total: { people: 0, contributors: 0, launched: 0, thanks: 0 } });

      // The same events in PostgreSQL give the same report, in SQL and over the events, for each period.
      const ranges: ReportRange[] = [{}, { to: firstLaunch }, { from: firstLaunch }];
      const postgres = await openStore({ dataDir: mkdtempSync(join(testRunDir(), 'recognition-')), databaseUrl: await freshDatabaseUrl() });
      try {
        for (const event of events) await postgres.appendEvent(event);
        for (const range of ranges) {
          const overEvents = recognitionReport.run(await store.events({ to: range.to }), range);
          expect(await runReport(recognitionReport, store, range)).toEqual(overEvents);
          expect(await runReport(recognitionReport, postgres, range)).toEqual(overEvents);
        }
      } finally {
        await postgres.close();
      }

      // The dashboard's recognition section names who contributed, the top people and the sources.
      const web = await startWebServer({ client, settings, events: store, port: 0 });
      try {
        const page = await fetch(`${web.url}/dashboard`, { headers: { authorization: basic(ADMIN_KEY) } });
        expect(page.status).toBe(200);
        const body = await page.text();
        const section = body.slice(body.indexOf('<section aria-labelledby="recognition">'), body.indexOf('<section aria-labelledby="all">'));
        expect(section).toContain('Recognition: who contributed');
        expect(section).toContain('4 people submitted, championed or were credited on ideas in this period; 4 thanks went out as 2 ideas launched.');
        // The top people drawn as bars under their names, most launched first, and listed in a table beside.
        expect(section).toContain('Top people: ideas launched that they submitted, championed or were credited on</title>');
        for (const person of [MAYA, ROSA, LEO, BEN]) expect(section).toMatch(new RegExp(`>${person.name}</text>[\\s\\S]*?>1 launched · thanked 1</text>`));
        for (const person of [MAYA, ROSA, LEO, BEN]) expect(section).toContain(`<td>${person.email}</td><td>${person.name}</td>`);
        expect(section).toContain('<caption>Top 4 people</caption>');
        expect(section).toContain('Contributors per source');
        expect(section).toMatch(/>customer<\/text>/);
        const csv = await fetch(`${web.url}/dashboard/reports/recognition.csv`, { headers: { authorization: basic(ADMIN_KEY) } });
        expect((await csv.text()).split('\r\n')[0]).toBe('person,name,submitted,championed,credited,launched,thanked');
      } finally {
        await web.close();
      }
    }, settings);
  }, 180_000);
});

