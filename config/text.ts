import { z } from 'zod';

/**
 * People's text as stagegate keeps it, from config files and callers alike: one cleaning and one
 * table of limits, so a name or title reads the same in every email, page and report.
 */

/** Control characters no store can keep (NUL) or that only confuse; tab, newline and return stay. */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/**
 * Invisible formatting characters (Unicode category Cf): bidi overrides and isolates (U+202A–U+202E,
 * U+2066–U+2069) that make a name read backwards, zero-width spaces and joiners, word joiners,
 * invisible operators, byte-order marks, tag characters. Two are kept where they draw something:
 * a zero-width joiner between emoji (👩‍🍳) and the tag sequence of a subdivision flag (🏴󠁧󠁢󠁳󠁣󠁴󠁿).
 */
const INVISIBLE = /\u{1F3F4}[\u{E0061}-\u{E007A}]+\u{E007F}|\p{Extended_Pictographic}[\u{FE0F}\u{1F3FB}-\u{1F3FF}]?\u200D(?=\p{Extended_Pictographic})|\p{Cf}/gu;

const SINGLE_INVISIBLE = /^\p{Cf}$/u;

/** Text without control characters, lone surrogates (made U+FFFD) and invisible formatting characters. */
export function cleanText(value: string): string {
  return value
    .replace(CONTROL, '')
    .replace(LONE_SURROGATE, '\ufffd')
    .replace(INVISIBLE, (match) => (SINGLE_INVISIBLE.test(match) ? '' : match));
}

/**
 * The most any list or string that reaches a workflow may hold: far below Temporal's 2 MB payload
 * limit even all together, and each named in the error that refuses it.
 */
export const LIMITS = {
  name: 120,
  title: 200,
  description: 20_000,
  strategicGoals: 20,
  goal: 200,
  links: 20,
  link: 2_000,
  conditions: 20,
  condition: 500,
  comment: 5_000,
  reason: 5_000,
  notes: 10_000,
  kpiNote: 1_000,
  /** Ids: process, stage, gate, criterion, KPI, role. */
  id: 64,
  /** Lists in process templates: stages, criteria, deliverables, KPIs, recorders. */
  templateList: 20,
  /** The people and the roles one gate names as reviewers or escalation contacts. */
  selector: 50,
  /** The people directory of one organisation. */
  people: 10_000,
} as const;

/** Cleaned, trimmed, not empty, at most `max` characters. */
export const requiredText = (max: number) =>
  z
    .string()
    .transform(cleanText)
    .pipe(z.string().trim().min(1, 'must not be empty').max(max, `at most ${max} characters`));

/** Cleaned and trimmed, possibly empty, at most `max` characters. */
export const optionalText = (max: number) => z.string().transform(cleanText).pipe(z.string().trim().max(max, `at most ${max} characters`));

/** A list of at most `max` items. */
export const limitedList = <Item extends z.ZodType>(item: Item, max: number) => z.array(item).max(max, `at most ${max} items`);
