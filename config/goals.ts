import { z } from 'zod';
import { LIMITS, optionalText, requiredText } from './text';

/** One strategic goal of the firm: what ideas say they serve, and what the portfolio report groups by. */
export const strategicGoalSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'expected a short id of lower-case letters, digits, - and _, like less-waste'),
    name: requiredText(LIMITS.title),
    description: optionalText(LIMITS.comment).default(''),
    /** The first day ideas may claim it (midnight UTC); always, when not given. */
    from: z.iso.date({ error: 'expected a date like 2027-01-01' }).optional(),
    /** The last day ideas may claim it; open-ended when not given. */
    until: z.iso.date({ error: 'expected a date like 2027-12-31' }).optional(),
  })
  .strict()
  .refine((goal) => !goal.from || !goal.until || goal.from <= goal.until, { path: ['until'], message: 'must not be before from' });
export type StrategicGoal = z.output<typeof strategicGoalSchema>;

/** The goals, ids unique. */
export const strategicGoalsSchema = z.array(strategicGoalSchema).superRefine((goals, ctx) => {
  goals.forEach((goal, index) => {
    if (goals.findIndex((other) => other.id === goal.id) !== index) ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `"${goal.id}" is used twice` });
  });
});

/** Whether a goal may be claimed on this day (YYYY-MM-DD, UTC). */
export function goalActive(goal: StrategicGoal, day: string): boolean {
  return (!goal.from || goal.from <= day) && (!goal.until || day <= goal.until);
}

/** Its active period in words: "from 2027-01-01 until 2027-12-31", "always". */
export function goalPeriod(goal: StrategicGoal): string {
  return [...(goal.from ? [`from ${goal.from}`] : []), ...(goal.until ? [`until ${goal.until}`] : [])].join(' ') || 'always';
}

/**
 * What is wrong with the goals an idea claims, one `strategicGoals[i]: ...` message each: a goal
 * that is not one of the firm's, or not active on `day`. Nothing is checked when the firm has set no goals.
 */
export function claimedGoalProblems(goals: readonly StrategicGoal[], claimed: readonly string[], day: string): string[] {
  if (goals.length === 0) return [];
  return claimed.flatMap((id, index) => {
    const goal = goals.find((candidate) => candidate.id === id);
    if (!goal) return [`strategicGoals[${index}]: "${id}" is not a strategic goal; the goals are ${goals.map((known) => known.id).join(', ')}`];
    if (!goalActive(goal, day)) return [`strategicGoals[${index}]: the goal "${id}" (${goal.name}) is active ${goalPeriod(goal)}, not on ${day}`];
    return [];
  });
}
