/** Text that email and pages share: HTML escaping and the way times are written. */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe inside HTML elements and quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char]!);
}

const formats = new Map<string, { when: Intl.DateTimeFormat; day: Intl.DateTimeFormat }>();

/** The time formats of messages and pages in one time zone; formatters are kept per zone, as making one is far slower than using it. */
export function clockFor(timeZone = 'UTC') {
  let format = formats.get(timeZone);
  if (!format) {
    format = {
      when: new Intl.DateTimeFormat('en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone, timeZoneName: 'short' }),
      day: new Intl.DateTimeFormat('en-GB', { weekday: 'long', day: 'numeric', month: 'long', timeZone }),
    };
    formats.set(timeZone, format);
  }
  const { when, day } = format;
  return {
    /** "Thursday 5 November 2026 at 17:00 CET" */
    when: (isoTime: string) => when.format(new Date(isoTime)),
    /** "Thursday 5 November", short enough for a subject */
    day: (isoTime: string) => day.format(new Date(isoTime)),
  };
}
