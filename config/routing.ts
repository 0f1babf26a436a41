import { z } from 'zod';
import { IDEA_CATEGORIES, IDEA_HORIZONS, IDEA_SOURCES, type IdeaCategory, type IdeaHorizon, type IdeaSource } from './idea';
import { LIMITS, requiredText } from './text';

/** The process ideas follow when the caller names none and no routing rules are set. */
export const DEFAULT_PROCESS = 'smb-lite';

const ruleId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'expected a short id of lower-case letters, digits, - and _, like small-incremental');
/** One value, or a list of which any matches. */
const anyOf = <Item extends z.ZodType>(item: Item) => z.union([item, z.array(item).min(1, 'expected at least one value')]).transform((value) => (Array.isArray(value) ? value : [value]) as z.output<Item>[]);
const amount = z.number().nonnegative();

/** What an idea must be for a rule to match it: every condition given holds; a rule without any is the default. */
export const routingConditionsSchema = z
  .object({
    category: anyOf(z.enum(IDEA_CATEGORIES)).optional(),
    horizon: anyOf(z.enum(IDEA_HORIZONS)).optional(),
    source: anyOf(z.enum(IDEA_SOURCES)).optional(),
    /** The idea's estimated cost is at most / at least this; an idea without an estimate matches neither. */
    estimatedCost: z
      .object({ atMost: amount.optional(), atLeast: amount.optional() })
      .strict()
      .refine((range) => range.atMost !== undefined || range.atLeast !== undefined, 'expected atMost, atLeast or both')
      .refine((range) => range.atMost === undefined || range.atLeast === undefined || range.atLeast <= range.atMost, { path: ['atLeast'], message: 'must not be more than atMost' })
      .optional(),
    /** Campaign ids: the idea answers one of them. */
    campaign: anyOf(z.string().min(1).max(LIMITS.id)).optional(),
    /** Strategic goal ids: the idea serves at least one of them. */
    strategicGoals: anyOf(z.string().min(1).max(LIMITS.goal)).optional(),
  })
  .strict();
export type RoutingConditions = z.output<typeof routingConditionsSchema>;

/** One routing rule: its id and name, what it matches, the process it sends ideas to and, optionally, their champion. */
export const routingRuleSchema = z
  .object({
    id: ruleId,
    name: requiredText(LIMITS.title).optional(),
    when: routingConditionsSchema.prefault({}),
    /** A process template id of `processesDir`, checked at startup. */
    process: z.string().min(1).max(LIMITS.id, `at most ${LIMITS.id} characters`),
    /** Who carries the routed ideas when the submission names nobody; a person of the people directory, checked at startup. */
    champion: z.email().max(254).transform((email) => email.toLowerCase()).optional(),
  })
  .strict();
export type RoutingRule = z.output<typeof routingRuleSchema>;

const isDefault = (rule: RoutingRule) => Object.values(rule.when).every((condition) => condition === undefined);

/** The rules in order, first match wins: ids are unique, the last rule is the default (no conditions) and only the last. */
export const routingSchema = z.array(routingRuleSchema).superRefine((rules, ctx) => {
  rules.forEach((rule, index) => {
    if (rules.findIndex((other) => other.id === rule.id) !== index) ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `"${rule.id}" is used twice` });
    if (index < rules.length - 1 && isDefault(rule)) ctx.addIssue({ code: 'custom', path: [index, 'when'], message: 'a rule without conditions matches every idea, so only the last rule (the default) may have none' });
  });
  const last = rules[rules.length - 1];
  if (last && !isDefault(last)) ctx.addIssue({ code: 'custom', path: [rules.length - 1, 'when'], message: 'the last rule is the default and has no conditions, so every idea goes somewhere; add one like { id: default, process: smb-lite }' });
});

/** What routing reads of an idea: the fields as submitted. */
export interface RoutedIdea {
  category?: IdeaCategory;
  horizon: IdeaHorizon;
  source: IdeaSource;
  strategicGoals: readonly string[];
  estimatedCost?: number;
  campaign?: string;
}

/** Why one condition holds (`met`) or does not, in words. */
interface Check {
  met: boolean;
  why: string;
}

function checks(when: RoutingConditions, idea: RoutedIdea): Check[] {
  const list = (values: readonly string[]) => values.join(' or ');
  const oneOf = (field: string, value: string | undefined, allowed: string[] | undefined): Check[] => {
    if (!allowed) return [];
    if (value === undefined) return [{ met: false, why: `${field} is not given (the rule wants ${list(allowed)})` }];
    return [allowed.includes(value) ? { met: true, why: `${field} is ${value}` } : { met: false, why: `${field} is ${value}, not ${list(allowed)}` }];
  };
  const cost = (): Check[] => {
    const range = when.estimatedCost;
    if (!range) return [];
    const bounds = [...(range.atLeast !== undefined ? [`at least ${range.atLeast}`] : []), ...(range.atMost !== undefined ? [`at most ${range.atMost}`] : [])].join(' and ');
    if (idea.estimatedCost === undefined) return [{ met: false, why: `estimatedCost is not given (the rule wants ${bounds})` }];
    const met = (range.atLeast === undefined || idea.estimatedCost >= range.atLeast) && (range.atMost === undefined || idea.estimatedCost <= range.atMost);
    return [{ met, why: `estimatedCost ${idea.estimatedCost} is ${met ? '' : 'not '}${bounds}` }];
  };
  const goals = (): Check[] => {
    if (!when.strategicGoals) return [];
    const served = idea.strategicGoals.filter((goal) => when.strategicGoals!.includes(goal));
    return [served.length > 0 ? { met: true, why: `strategicGoals include ${list(served)}` } : { met: false, why: `strategicGoals ${idea.strategicGoals.length ? `are ${idea.strategicGoals.join(', ')}` : 'are none'}, not ${list(when.strategicGoals)}` }];
  };
  return [
    ...oneOf('category', idea.category, when.category),
    ...oneOf('horizon', idea.horizon, when.horizon),
    ...oneOf('source', idea.source, when.source),
    ...cost(),
    ...oneOf('campaign', idea.campaign, when.campaign),
    ...goals(),
  ];
}

/** How one rule judged an idea: matched or not, and why in one sentence. */
export interface RuleVerdict {
  rule: string;
  matched: boolean;
  why: string;
}

/** The verdict of one rule: every condition must hold; a rule without conditions is the default. */
export function judgeRule(rule: RoutingRule, idea: RoutedIdea): RuleVerdict {
  const results = checks(rule.when, idea);
  if (results.length === 0) return { rule: rule.id, matched: true, why: 'the default rule: no earlier rule matched' };
  const failed = results.filter((check) => !check.met);
  return failed.length === 0
    ? { rule: rule.id, matched: true, why: results.map((check) => check.why).join('; ') }
    : { rule: rule.id, matched: false, why: failed.map((check) => check.why).join('; ') };
}

/** Where routing sends an idea: the matching rule, the process, the champion if the rule names one, and the rules before it that did not match. */
export interface Route {
  rule: RoutingRule;
  why: string;
  /** The earlier rules, each with why it did not match. */
  skipped: RuleVerdict[];
}

/** The first rule that matches the idea; undefined when there are no rules (the idea goes to DEFAULT_PROCESS). */
export function routeIdea(rules: readonly RoutingRule[], idea: RoutedIdea): Route | undefined {
  const skipped: RuleVerdict[] = [];
  for (const rule of rules) {
    const verdict = judgeRule(rule, idea);
    if (verdict.matched) return { rule, why: verdict.why, skipped };
    skipped.push(verdict);
  }
  // The schema makes the last rule match everything, so only an empty list ends here.
  return undefined;
}

/**
 * What the rules name that other configuration files must hold: each rule's process among the
 * process templates, its champion in the people directory. One message per problem, naming the
 * rule's path. (The settings check a rule's goals themselves.)
 */
export function routingProblems(rules: readonly RoutingRule[], known: { processes: readonly string[]; people: readonly string[] }): string[] {
  return rules.flatMap((rule, index) => [
    ...(known.processes.includes(rule.process) ? [] : [`routing[${index}].process: no process "${rule.process}" (rule ${rule.id}); the processes are ${known.processes.join(', ')}`]),
    ...(rule.champion === undefined || known.people.includes(rule.champion) ? [] : [`routing[${index}].champion: ${rule.champion} (rule ${rule.id}) is not in the people directory`]),
  ]);
}
