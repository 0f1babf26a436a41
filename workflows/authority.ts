import type { AuthorityHolder } from '../config/people';
import type { Criterion } from '../config/process';
import { decideGate, type ScoredVote } from './gate-rules';
import type { DecisionAuthority, DecisionRecord } from './state';

/**
 * Delegated authority in words and in decisions: pure functions the journey, the emails, the
 * review page and the CLI share, so each says the same of the same decision.
 */

/** An amount in the firm's currency as people write it: 1,200 or 12.5. */
export function amount(value: number): string {
  const [whole, fraction] = String(Math.round(value * 100) / 100).split('.');
  return `${whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${fraction ? `.${fraction}` : ''}`;
}

/** Where an authority comes from: "her own authority" is "own", a role's is named. */
export function sourceWords(source: AuthorityHolder['source']): string {
  return source === 'person' ? 'their own authority' : `the ${source.slice('role:'.length)} role's authority`;
}

/** "budget 300, estimated cost 250" */
export function figures(budget: number, estimatedCost: number): string {
  return `budget ${amount(budget)}, estimated cost ${amount(estimatedCost)}`;
}

/** Under which authority a decision was taken, as every message, page and report line says it. */
export function authorityOf(decision: Pick<DecisionRecord, 'decidedBy' | 'actor' | 'authority'>): string {
  switch (decision.decidedBy) {
    case 'authority': {
      const held = decision.authority!;
      return `${held.name} alone, under delegated authority (${sourceWords(held.source)}: ${figures(held.budget, held.estimatedCost)})`;
    }
    case 'reviewers':
      return "the committee (the gate's reviewers, by its quorum)";
    case 'admin':
      return `${decision.actor ?? 'an admin'}, overriding as admin or escalation contact`;
    case 'deadline':
      return "the deadline (the gate's rule for no decision)";
  }
}

/**
 * The round's decision when someone holding authority in it votes: the gate's rules (pass score,
 * must-meet minimums) applied to that one vote, taken by them alone.
 */
export function authorityDecision(gate: { criteria: readonly Criterion[]; passScore: number }, holder: AuthorityHolder, vote: ScoredVote, estimatedCost: number) {
  const outcome = decideGate(gate, [vote]);
  const authority: DecisionAuthority = { holder: holder.email, name: holder.name, budget: holder.budget, estimatedCost, source: holder.source };
  const under = `${holder.name} decided alone under delegated authority (${sourceWords(holder.source)}: ${figures(holder.budget, estimatedCost)}).`;
  return { ...outcome, decidedBy: 'authority' as const, actor: holder.email, authority, reasons: [under, ...outcome.reasons] };
}
