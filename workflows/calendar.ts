import type { Calendar } from '../config/settings';

/**
 * Business time: durations that count only working days in the firm's time zone. Pure and
 * deterministic (Intl's time-zone data only), so workflow code can use it for timers.
 */

const DAY = 24 * 60 * 60 * 1000;

/** An instant as the ISO text that states, events and messages carry; now (the workflow's now) by default. */
export const iso = (millis: number = Date.now()) => new Date(millis).toISOString();

/** The day (YYYY-MM-DD) an instant falls on in the time zone, UTC without one. */
export function localDate(instant: number, timeZone: string | undefined): string {
  return timeZone ? localParts(instant, timeZone).date : iso(instant).slice(0, 10);
}

/** The local date (YYYY-MM-DD), ISO weekday and milliseconds since local midnight of an instant. */
function localParts(instant: number, timeZone: string): { date: string; weekday: number; sinceMidnight: number } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      weekday: 'short',
      hourCycle: 'h23',
    })
      .formatToParts(new Date(instant))
      .map((part) => [part.type, part.value]),
  );
  const weekday = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(parts.weekday!) + 1;
  const sinceMidnight = ((Number(parts.hour) * 60 + Number(parts.minute)) * 60 + Number(parts.second)) * 1000 + (instant % 1000);
  return { date: `${parts.year}-${parts.month}-${parts.day}`, weekday, sinceMidnight };
}

function isWorkingDay(calendar: Calendar, parts: { date: string; weekday: number }): boolean {
  return calendar.workingDays.includes(parts.weekday) && !calendar.holidays.includes(parts.date);
}

/**
 * The instant `duration` after `start`, counting only the hours of working days: time on
 * weekends and holidays does not pass. Without a calendar, plain elapsed time.
 */
export function addBusinessTime(start: number, duration: number, calendar?: Calendar): number {
  if (!calendar) return start + duration;
  let now = start;
  let left = duration;
  // Bounded: a year of non-working days would be a broken calendar, not a long wait.
  for (let guard = 0; guard < 3660; guard++) {
    const parts = localParts(now, calendar.timeZone);
    const toMidnight = DAY - parts.sinceMidnight;
    if (!isWorkingDay(calendar, parts)) {
      now += toMidnight;
      continue;
    }
    if (left <= toMidnight) return now + left;
    left -= toMidnight;
    now += toMidnight;
  }
  return now + left;
}
