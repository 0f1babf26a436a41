import ms from 'ms';
import { z } from 'zod';

/** The longest duration anything may wait: ten years, so every due date stays a real date. */
export const MAX_DURATION_MS = 3650 * 24 * 60 * 60 * 1000;

/** A human duration such as `3d`, `12h`, `30s` or `1.5h`, parsed to milliseconds; at most ten years. */
export const durationSchema = z.string().transform((text, ctx) => {
  const millis = /^\d+(\.\d+)?\s*(ms|s|m|h|d|w)$/.test(text.trim()) ? ms(text.trim() as ms.StringValue) : undefined;
  if (millis === undefined || !(millis > 0)) {
    ctx.addIssue({ code: 'custom', message: `expected a duration like 3d, 12h, 30s, got "${text}"` });
    return z.NEVER;
  }
  if (millis > MAX_DURATION_MS) {
    ctx.addIssue({ code: 'custom', message: `expected a duration of at most 3650d (ten years), got "${text}"` });
    return z.NEVER;
  }
  return millis;
});

export function formatDuration(millis: number): string {
  return ms(millis, { long: true });
}
