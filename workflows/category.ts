import type { IdeaCategory, Vote } from './inputs';

/**
 * The category a gate round's reviewers gave an uncategorised idea: the one most votes named;
 * between categories named equally often, the one named first. Undefined when no vote named one.
 */
export function categoryOfVotes(votes: readonly Pick<Vote, 'category'>[]): { category: IdeaCategory; votes: number } | undefined {
  const counts = new Map<IdeaCategory, number>();
  for (const vote of votes) if (vote.category) counts.set(vote.category, (counts.get(vote.category) ?? 0) + 1);
  let best: { category: IdeaCategory; votes: number } | undefined;
  // A Map iterates in the order categories were first named, so the first named wins a tie.
  for (const [category, count] of counts) if (!best || count > best.votes) best = { category, votes: count };
  return best;
}
