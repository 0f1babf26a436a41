import fc from 'fast-check';
import { kpiValueSchemaFor } from '../client/sdk';
import { durationSchema, MAX_DURATION_MS } from '../config/duration';
import { DECISIONS, type Criterion, type Decision } from '../config/process';
import { cleanText } from '../config/text';
import { decideGate, votesNeeded, type ScoredVote } from '../workflows/gate-rules';
import { answersToCarry, kpiNumberProblem, numberSeparators, parseKpiNumber } from '../workflows/kpi-rules';

/** Properties of the parsers and rules every channel shares, over many generated inputs (fast-check). */

describe("the KPI number grammar, in the firm's locale", () => {
  const LOCALES = ['en-GB', 'de-DE', 'fr-FR', 'de-CH', 'en-US', 'it-IT'] as const;
  const locale = fc.constantFrom(...LOCALES);
  /** An exact decimal: an integer scaled by a power of ten, so writing it and reading it back are both exact. */
  const decimal = fc.tuple(fc.oneof(fc.integer({ min: -1e12, max: 1e12 }), fc.integer({ min: -999_999, max: 999_999 })), fc.integer({ min: 0, max: 4 })).map(([units, places]) => ({ value: units / 10 ** places + 0, places }));

  test('any number Intl.NumberFormat writes in the locale without grouping reads back as itself', () => {
    fc.assert(
      fc.property(locale, decimal, (tag, { value, places }) => {
        const written = new Intl.NumberFormat(tag, { useGrouping: false, maximumFractionDigits: places }).format(value).replace('\u2212', '-');
        expect(parseKpiNumber(written, numberSeparators(tag))).toBe(value);
        expect(parseKpiNumber(` ${written} `, numberSeparators(tag))).toBe(value);
      }),
    );
  });

  test('written with the grouping Intl uses, a number reads back as itself unless one "." or "," group alone makes it ambiguous, and then it is refused', () => {
    fc.assert(
      fc.property(locale, decimal, (tag, { value, places }) => {
        const separators = numberSeparators(tag);
        const written = new Intl.NumberFormat(tag, { maximumFractionDigits: places, minimumFractionDigits: 0 }).format(value).replace('\u2212', '-');
        const groups = written.split(/[.,'’\s\u00a0\u202f]/).length - 1 - (written.includes(separators.decimal) ? 1 : 0);
        const alone = groups === 1 && !written.includes(separators.decimal) && '.,'.includes(separators.group);
        if (alone) {
          expect(parseKpiNumber(written, separators)).toBeUndefined();
          expect(kpiNumberProblem(written, separators)).toMatch(/could mean -?\d+ or -?\d+[.,]\d+: write -?\d+ \(without "[.,]"\) for the whole number/);
        } else {
          expect(parseKpiNumber(written, separators)).toBe(value);
        }
      }),
    );
  });

  test('1–3 digits, one "." or "," and three digits is refused wherever that mark is not the decimal separator, and the refusal says both readings', () => {
    fc.assert(
      fc.property(locale, fc.constantFrom('', '-', '+'), fc.stringMatching(/^[1-9]\d{0,2}$/), fc.stringMatching(/^\d{3}$/), fc.constantFrom('.', ','), (tag, sign, head, tail, mark) => {
        const separators = numberSeparators(tag);
        fc.pre(mark !== separators.decimal);
        const text = `${sign}${head}${mark}${tail}`;
        expect(parseKpiNumber(text, separators)).toBeUndefined();
        const whole = `${sign === '+' ? '+' : sign}${head}${tail}`;
        expect(kpiNumberProblem(text, separators)).toContain(`could mean ${whole} or `);
      }),
    );
  });

  test('en-GB and de-DE, case by case', () => {
    const en = numberSeparators('en-GB');
    const de = numberSeparators('de-DE');
    expect([en.decimal, en.group, de.decimal, de.group]).toEqual(['.', ',', ',', '.']);
    const read = (text: string, separators: typeof en) => parseKpiNumber(text, separators);
    for (const [text, inEn, inDe] of [
      ['1250', 1250, 1250],
      ['4.5', 4.5, undefined],
      ['4,5', undefined, 4.5],
      ['1,250', undefined, 1.25],
      ['1.250', 1.25, undefined],
      ['1,250.5', 1250.5, undefined],
      ['1.250,5', undefined, 1250.5],
      ['1,250,000', 1250000, undefined],
      ['1.250.000', undefined, 1250000],
      ['-3', -3, -3],
      ['0x10', undefined, undefined],
      ['1e3', undefined, undefined],
      ['12,34', undefined, 12.34],
    ] as const) {
      expect([text, read(text, en)]).toEqual([text, inEn]);
      expect([text, read(text, de)]).toEqual([text, inDe]);
    }
    expect(kpiNumberProblem('1,250', en)).toBe('"1,250" could mean 1250 or 1.25: write 1250 (without ",") for the whole number, or 1.25 for the fraction (in en-GB the decimal separator is ".")');
    expect(kpiNumberProblem('1.250', de)).toBe('"1.250" could mean 1250 or 1,25: write 1250 (without ".") for the whole number, or 1,25 for the fraction (in de-DE the decimal separator is ",")');
    expect(kpiNumberProblem('4,5', en)).toBe('"4,5" is not a number in en-GB: the decimal separator is ".", so write 4.5 ("," only groups thousands, as in 1,250.5)');
    expect(kpiNumberProblem('4.5', de)).toBe('"4.5" is not a number in de-DE: the decimal separator is ",", so write 4,5 ("." only groups thousands, as in 1.250,5)');
    expect(kpiNumberProblem('1 250', numberSeparators('fr-FR'))).toBeUndefined();
    expect(parseKpiNumber('1\u202f250,5', numberSeparators('fr-FR'))).toBe(1250.5);
  });

  test('hex, octal, binary, exponents, Infinity, NaN, underscores and two decimal separators are refused in every locale', () => {
    const refused = fc.oneof(
      fc.stringMatching(/^[+-]?0[xX][0-9a-fA-F]{1,8}$/),
      fc.stringMatching(/^[+-]?0[oObB][0-7]{1,8}$/),
      fc.stringMatching(/^[+-]?\d{1,6}(\.\d{1,4})?[eE][+-]?\d{1,3}$/),
      fc.constantFrom('Infinity', '-Infinity', '+Infinity', 'NaN', '', ' ', '.', ',', '-', '+', '1_000', '--1', '+-1'),
      fc.tuple(fc.stringMatching(/^\d{1,4}$/), fc.stringMatching(/^\d{1,4}$/), fc.stringMatching(/^\d{1,4}$/)).map((parts) => parts),
    );
    fc.assert(
      fc.property(locale, refused, (tag, sample) => {
        const separators = numberSeparators(tag);
        const text = Array.isArray(sample) ? sample.join(separators.decimal) : sample;
        expect(parseKpiNumber(text, separators)).toBeUndefined();
      }),
    );
  });

  test('whatever is typed, the answer is a finite number or a refusal, and the SDK refuses it with the same words as the CLI and the KPI page', () => {
    fc.assert(
      fc.property(locale, fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.stringMatching(/^[-+0-9.,xXeE ]{0,12}$/)), (tag, text) => {
        const separators = numberSeparators(tag);
        const value = parseKpiNumber(text, separators);
        const parsed = kpiValueSchemaFor(separators).safeParse(text);
        if (value === undefined) {
          expect(parsed.success).toBe(false);
          expect(parsed.error!.issues[0]!.message).toBe(kpiNumberProblem(text, separators));
        } else {
          expect(Number.isFinite(value)).toBe(true);
          expect(/^\s*[+-]?[0-9.,'’ \u00a0\u202f]*\s*$/.test(text)).toBe(true);
          expect(parsed).toEqual({ success: true, data: value });
        }
      }),
    );
  });
});

describe("what a pilot carries of the updates it answered", () => {
  const HOUR = 3_600_000;
  const T0 = Date.parse('2026-12-01T00:00:00Z');
  /** Updates answered an hour apart, oldest first, each with 1 to 5 receipts (a form of several KPIs). */
  const answered = fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 60 }).map((sizes) =>
    sizes.map((size, n): [string, { at: string }[]] => [`update-${n}`, Array.from({ length: size }, () => ({ at: new Date(T0 + n * HOUR).toISOString() }))]),
  );

  test('the newest updates answered since the window opened, whole, up to the most receipts, oldest first', () => {
    fc.assert(
      fc.property(answered, fc.integer({ min: 0, max: 70 }), fc.integer({ min: 0, max: 120 }), (answers, sinceHours, maxReceipts) => {
        const since = T0 + sinceHours * HOUR;
        const kept = answersToCarry(answers, since, maxReceipts);
        const ids = answers.map(([id]) => id);
        // A run of the newest, in the order they were answered.
        expect(kept.map((one) => one.updateId)).toEqual(ids.slice(ids.length - kept.length));
        expect(kept.every((one) => Date.parse(one.receipts[0]!.at) >= since)).toBe(true);
        expect(kept.reduce((sum, one) => sum + one.receipts.length, 0)).toBeLessThanOrEqual(maxReceipts);
        // The next older one is left out only because it is too old or would pass the most receipts.
        const next = answers[answers.length - kept.length - 1];
        if (next) expect(Date.parse(next[1][0]!.at) < since || kept.reduce((sum, one) => sum + one.receipts.length, 0) + next[1].length > maxReceipts).toBe(true);
        // Nothing is split: each update keeps all its receipts.
        for (const one of kept) expect(one.receipts).toEqual(answers.find(([id]) => id === one.updateId)![1]);
      }),
    );
  });

  test('case by case: the window and the most receipts', () => {
    const at = (hours: number) => ({ at: new Date(T0 + hours * HOUR).toISOString() });
    const answers: [string, { at: string }[]][] = [['a', [at(0)]], ['form', [at(1), at(1), at(1)]], ['c', [at(2)]]];
    expect(answersToCarry(answers, T0, 10).map((one) => one.updateId)).toEqual(['a', 'form', 'c']);
    expect(answersToCarry(answers, T0 + HOUR, 10).map((one) => one.updateId)).toEqual(['form', 'c']);
    expect(answersToCarry(answers, T0, 3).map((one) => one.updateId)).toEqual(['c']);
    expect(answersToCarry(answers, T0, 0)).toEqual([]);
    expect(answersToCarry([], T0, 500)).toEqual([]);
  });
});

describe('the duration parser', () => {
  const UNITS: [string, number][] = [['ms', 1], ['s', 1_000], ['m', 60_000], ['h', 3_600_000], ['d', 86_400_000], ['w', 604_800_000]];

  test('a whole number and a unit is that many milliseconds, up to ten years, and refused past them', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.constantFrom(...UNITS), fc.constantFrom('', ' '), (count, [unit, factor], space) => {
        const parsed = durationSchema.safeParse(`${space}${count}${space}${unit}${space}`);
        if (count * factor <= MAX_DURATION_MS) expect(parsed).toEqual({ success: true, data: count * factor });
        else expect(parsed.success).toBe(false);
      }),
      { examples: [[3650, ['d', 86_400_000], '']] },
    );
  });

  test('whatever is written, the answer is a refusal or a positive number of milliseconds of at most ten years', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^-?\d{0,6}(\.\d{0,3})?\s?[a-z]{0,5}$/)), (text) => {
        const parsed = durationSchema.safeParse(text);
        if (parsed.success) {
          expect(parsed.data).toBeGreaterThan(0);
          expect(parsed.data).toBeLessThanOrEqual(MAX_DURATION_MS);
        } else {
          expect(parsed.error.issues[0]!.message).toMatch(/^expected a duration /);
        }
      }),
    );
  });

  test('zero, negative and unit-less durations are refused', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.constantFrom(...UNITS.map(([unit]) => unit)), (count, unit) => {
        expect(durationSchema.safeParse(`-${count}${unit}`).success).toBe(false);
        expect(durationSchema.safeParse(`0${unit}`).success).toBe(false);
        expect(durationSchema.safeParse(String(count)).success).toBe(false);
      }),
    );
  });
});

describe('the gate decision rules', () => {
  const criterion = fc.record({ id: fc.constantFrom('feasibility', 'impact', 'alignment'), label: fc.constant('c'), weight: fc.double({ min: 0.1, max: 5, noNaN: true }), minimum: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }) });
  const criteria = fc.uniqueArray(criterion, { minLength: 1, maxLength: 3, selector: (c) => c.id }) as fc.Arbitrary<Criterion[]>;
  const gate = fc.record({ criteria, passScore: fc.integer({ min: 1, max: 5 }) });
  const votesFor = (ids: string[]) =>
    fc.uniqueArray(
      fc.record({
        reviewer: fc.constantFrom('a@x.example', 'b@x.example', 'c@x.example', 'd@x.example', 'e@x.example'),
        decision: fc.constantFrom(...DECISIONS),
        scores: fc.tuple(...ids.map(() => fc.integer({ min: 1, max: 5 }))).map((values) => Object.fromEntries(ids.map((id, i) => [id, values[i]!]))),
        conditions: fc.array(fc.constantFrom('Keep the price under £3', 'Try one shop first'), { maxLength: 2 }),
        comment: fc.constant(''),
      }),
      { minLength: 1, maxLength: 5, selector: (vote) => vote.reviewer },
    ).map((votes) => votes.map((vote): ScoredVote => ({ ...vote, conditions: vote.decision === 'conditional-go' ? vote.conditions : [] })));
  const gateAndVotes = gate.chain((g) => votesFor(g.criteria.map((c) => c.id)).map((votes) => ({ gate: g, votes })));

  test('the outcome is a decision, its score on the 1–5 scale, and it does not depend on the order the votes came in', () => {
    fc.assert(
      fc.property(gateAndVotes, fc.integer(), ({ gate: g, votes }, seed) => {
        const outcome = decideGate(g, votes);
        expect(DECISIONS).toContain(outcome.decision);
        expect(outcome.score).toBeGreaterThanOrEqual(1);
        expect(outcome.score).toBeLessThanOrEqual(5);
        const shuffled = [...votes].sort((a, b) => ((a.reviewer.charCodeAt(0) * seed) % 7) - ((b.reviewer.charCodeAt(0) * seed) % 7));
        const again = decideGate(g, shuffled);
        expect(again.decision).toBe(outcome.decision);
        expect(again.score).toBe(outcome.score);
        expect(new Set(again.conditions)).toEqual(new Set(outcome.conditions));
      }),
    );
  });

  test('never a go past a must-meet knock-out or below the pass score; a conditional go carries only conditions reviewers set', () => {
    fc.assert(
      fc.property(gateAndVotes, ({ gate: g, votes }) => {
        const outcome = decideGate(g, votes);
        const goes = outcome.decision === 'go' || outcome.decision === 'conditional-go';
        if (outcome.knockOuts.length > 0 || outcome.score < g.passScore) expect(goes).toBe(false);
        if (outcome.decision === 'conditional-go') expect(outcome.conditions.length).toBeGreaterThan(0);
        const set = new Set(votes.flatMap((vote) => vote.conditions));
        for (const condition of outcome.conditions) expect(set.has(condition)).toBe(true);
        if (outcome.decision === 'go') expect(outcome.conditions).toEqual([]);
      }),
    );
  });

  test('a gate where every reviewer votes the same course takes it, unless going on is ruled out; a tie between courses is a hold', () => {
    fc.assert(
      fc.property(gateAndVotes, fc.constantFrom<Decision>('kill', 'hold', 'recycle'), ({ gate: g, votes }, course) => {
        expect(decideGate(g, votes.map((vote) => ({ ...vote, decision: course, conditions: [] }))).decision).toBe(course);
        const full = votes.map((vote) => ({ ...vote, decision: 'go' as const, conditions: [], scores: Object.fromEntries(g.criteria.map((c) => [c.id, 5])) }));
        expect(decideGate(g, full).decision).toBe('go');
        if (votes.length >= 2 && votes.length % 2 === 0) {
          const split = votes.map((vote, i) => ({ ...vote, decision: i % 2 === 0 ? ('kill' as const) : ('recycle' as const), conditions: [] }));
          expect(decideGate(g, split).decision).toBe('hold');
        }
      }),
    );
  });

  test('a quorum needs between one and all of the reviewers', () => {
    const quorum = fc.oneof(fc.constantFrom('any' as const, 'all' as const, 'majority' as const), fc.integer({ min: 1, max: 50 }).map((atLeast) => ({ atLeast })));
    fc.assert(
      fc.property(quorum, fc.integer({ min: 1, max: 50 }), (q, reviewers) => {
        const needed = votesNeeded(q, reviewers);
        expect(needed).toBeGreaterThanOrEqual(1);
        expect(needed).toBeLessThanOrEqual(reviewers);
        if (q === 'majority') expect(needed * 2).toBeGreaterThan(reviewers);
      }),
    );
  });
});

describe('the cleaning of names and titles', () => {
  test('no invisible formatting character survives, and cleaning twice changes nothing more', () => {
    const invisible = fc.constantFrom('\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u200b', '\u200c', '\u200d', '\u200e', '\u200f', '\u2060', '\u2061', '\u2062', '\u2063', '\u2064', '\ufeff', '\u00ad', '\u{e0041}');
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ maxLength: 5 }), invisible), { maxLength: 12 }), (pieces) => {
        const cleaned = cleanText(pieces.join(''));
        expect(cleaned).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u200b-\u200f\u2060-\u2064\ufeff]/);
        expect(cleanText(cleaned)).toBe(cleaned);
      }),
    );
  });
});
