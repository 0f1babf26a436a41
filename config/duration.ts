import ms from 'ms';
import { z } from 'zod';

/** A human duration such as `3d`, `12h`, `30s` or `1.5h`, parsed to milliseconds. */
export const durationSchema = z.string().transform((text, ctx) => {
  const millis = /^\d+(\.\d+)?\s*(ms|s|m|h|d|w)$/.test(text.trim()) ? ms(text.trim() as ms.StringValue) : undefined;
  if (millis === undefined || !(millis > 0)) {
    ctx.addIssue({ code: 'custom', message: `expected a duration like 3d, 12h, 30s, got "${text}"` });
    return z.NEVER;
  }
  return millis;
});

export function formatDuration(millis: number): string {
  return ms(millis, { long: true });
}
