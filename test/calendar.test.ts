import { addBusinessTime } from '../workflows/calendar';

const hours = (n: number) => n * 3600 * 1000;
const days = (n: number) => hours(24 * n);
const at = (iso: string) => Date.parse(iso);

describe('business time for deadlines and reminders', () => {
  const london = { timeZone: 'Europe/London', workingDays: [1, 2, 3, 4, 5], holidays: ['2026-12-25'] };

  test('without a calendar it is plain elapsed time', () => {
    expect(addBusinessTime(at('2026-11-20T10:00:00Z'), days(3))).toBe(at('2026-11-23T10:00:00Z'));
  });

  test('a weekend does not count: 3 days from Friday 10:00 is Wednesday 10:00', () => {
    // 2026-11-20 is a Friday; London is on UTC in November.
    expect(addBusinessTime(at('2026-11-20T10:00:00Z'), days(3), london)).toBe(at('2026-11-25T10:00:00Z'));
  });

  test('a holiday does not count: 1 day from Thursday 24 December 09:00 is Monday 28 December 09:00', () => {
    expect(addBusinessTime(at('2026-12-24T09:00:00Z'), days(1), london)).toBe(at('2026-12-28T09:00:00Z'));
  });

  test('starting on a weekend, the clock starts on Monday at midnight local time', () => {
    expect(addBusinessTime(at('2026-11-21T15:00:00Z'), hours(12), london)).toBe(at('2026-11-23T12:00:00Z'));
  });

  test('local midnight follows the time zone, daylight saving included', () => {
    const berlin = { timeZone: 'Europe/Berlin', workingDays: [1, 2, 3, 4, 5], holidays: [] };
    // Saturday 2026-06-06 12:00 in Berlin is 10:00Z (UTC+2); the clock starts Monday 00:00 Berlin = Sunday 22:00Z.
    expect(addBusinessTime(at('2026-06-06T10:00:00Z'), hours(1), berlin)).toBe(at('2026-06-07T23:00:00Z'));
  });

  test('a six-day week counts Saturdays', () => {
    const bakery = { timeZone: 'UTC', workingDays: [1, 2, 3, 4, 5, 6], holidays: [] };
    expect(addBusinessTime(at('2026-11-20T10:00:00Z'), days(2), bakery)).toBe(at('2026-11-23T10:00:00Z'));
  });
});

describe('a journey on a business calendar', () => {
  test('gate deadlines and stage due dates skip the days the firm does not work', async () => {
    const { withStack, testSettings, idea, inReview, waitForIdea } = await import('./helpers');
    // Today and the next six days are holidays: a 1h deadline can only start counting a week from now.
    const today = new Date();
    const holidays = [...Array(7).keys()].map((offset) => new Date(today.getTime() + offset * days(1)).toISOString().slice(0, 10));
    const settings = testSettings({ calendar: { timeZone: 'UTC', workingDays: [1, 2, 3, 4, 5, 6, 7], holidays } });
    await withStack(async ({ client }) => {
      const { ideaId } = await client.submitIdea(idea());
      const status = await waitForIdea(client, ideaId, inReview('screen'));
      const firstWorkingDay = Date.parse(`${new Date(today.getTime() + days(7)).toISOString().slice(0, 10)}T00:00:00Z`);
      expect(Date.parse(status.round!.deadlineAt)).toBe(firstWorkingDay + hours(1));
      expect(Date.parse(status.stage.dueAt)).toBe(firstWorkingDay + hours(1));
    }, settings);
  });
});
