import { DECISIONS, type Criterion, type Decision, type DecisionLabels } from '../../config/process';
import { IDEA_CATEGORIES, type IdeaStatus, type KpiReceipt, type PendingReview, type PilotPlanTemplate, type PilotStatus, type VoteReceipt } from '../sdk';
import { againstTarget, type KpiSummary } from '../../workflows/kpi-rules';
import { authorityOf, figures } from '../../workflows/authority';
import { askedIn, authorityIn } from '../../workflows/round';
import { clockFor } from '../../text';
import { lineChart } from './charts';
import { html, type Html } from './html';
import { packagePlan } from './plan';

/** The pages reviewers and escalation contacts see; each a function of what it shows. */

export const DECISION_LABELS: Record<Decision, { label: string; hint: string }> = {
  go: { label: 'Go', hint: 'On to the next stage.' },
  'conditional-go': { label: 'Conditional go', hint: 'On to the next stage, once the conditions you set are met.' },
  kill: { label: 'Kill', hint: 'Stop here; the submitter hears why.' },
  hold: { label: 'Hold', hint: 'Park it for now; it comes back for review later.' },
  recycle: { label: 'Recycle', hint: 'Send it back for rework, then review it again.' },
};

/** The decisions as a page offers them, in the process template's own words where it has them. */
export function decisionChoices(labels: DecisionLabels | undefined): Record<Decision, { label: string; hint: string }> {
  return Object.fromEntries(DECISIONS.map((decision) => [decision, { ...DECISION_LABELS[decision], label: labels?.[decision] ?? DECISION_LABELS[decision].label }])) as Record<Decision, { label: string; hint: string }>;
}

/** A strategic goal an idea claims, as the firm's settings describe it (just the id when the firm set no goals). */
export interface ClaimedGoal {
  id: string;
  name: string;
  description: string;
}

export type Clock = (isoTime: string) => string;

/** Times on pages read as in the messages that link to them. */
export function clock(timeZone = 'UTC'): Clock {
  return clockFor(timeZone).when;
}

export interface VoteForm {
  decision?: string;
  scores: Record<string, string>;
  comment: string;
  conditions: string;
  fingerprint?: string;
  /** For an idea without a category: the one the reviewer chose. */
  category?: string;
}

export const EMPTY_FORM: VoteForm = { scores: {}, comment: '', conditions: '' };

function ideaSummary(idea: IdeaStatus, when: Clock): Html {
  const money = (value?: number) => (value === undefined ? undefined : value.toLocaleString('en-GB'));
  return html`<section aria-labelledby="idea-heading">
  <h2 id="idea-heading">The idea</h2>
  <p>${idea.description}</p>
  <p class="meta">A ${idea.source} idea from ${idea.submitter.name}, submitted ${when(idea.submittedAt)}. Champion: ${idea.champion.name}.
  ${idea.category ?? 'uncategorised'} · ${idea.horizon}${idea.estimatedCost !== undefined ? html` · estimated cost ${money(idea.estimatedCost)}` : ''}${idea.estimatedBenefit !== undefined ? html` · estimated benefit ${money(idea.estimatedBenefit)}` : ''}</p>
  ${idea.strategicGoals.length ? html`<p class="meta">Serves: ${idea.strategicGoals.join(', ')}</p>` : ''}
</section>`;
}

function gatePackage(idea: IdeaStatus, when: Clock, plan?: PilotPlanTemplate): Html {
  const ready = idea.stage.ready;
  return html`<section aria-labelledby="package-heading">
  <h2 id="package-heading">What the champion handed in</h2>
  ${idea.stage.deliverables.length ? html`<p>${idea.stage.name} was to deliver:</p><ul class="plain">${idea.stage.deliverables.map((item) => html`<li>${item}</li>`)}</ul>` : ''}
  ${idea.stage.pilot?.summary ? html`${pilotEnding(idea)}${kpiTable(idea.stage.pilot.summary)}${idea.stage.pilot.summary.map((kpi) => kpiTrend(kpi, when))}` : ''}
  ${packagePlan(idea, plan)}
  ${ready
    ? html`<p class="notes">${ready.notes || 'No notes.'}</p>
  ${ready.links.length ? html`<ul class="plain">${ready.links.map((link) => html`<li><a href="${link}" rel="noreferrer noopener">${link}</a></li>`)}</ul>` : ''}
  <p class="meta">Marked ready by ${ready.by}, ${when(ready.at)}. Package fingerprint <code>${ready.fingerprint}</code>.</p>`
    : html`<p class="meta">The idea as submitted.</p>`}
</section>`;
}

function earlierRounds(idea: IdeaStatus, when: Clock, labels?: DecisionLabels): Html {
  if (idea.decisions.length === 0) return html``;
  const choices = decisionChoices(labels);
  return html`<section aria-labelledby="earlier-heading">
  <h2 id="earlier-heading">What earlier rounds said</h2>
  ${idea.decisions.map(
    (decision) => html`<div class="card">
    <p><strong>${decision.gateName}, round ${decision.round}: ${choices[decision.decision].label}</strong>${decision.score !== undefined ? ` (score ${decision.score})` : ''} <span class="meta">${when(decision.at)} · decided by ${authorityOf(decision)}</span></p>
    <ul class="plain">${decision.reasons.map((reason) => html`<li>${reason}</li>`)}${decision.comments.filter((c) => c.comment).map((c) => html`<li>${c.reviewer} (${choices[c.decision].label}): ${c.comment}</li>`)}</ul>
  </div>`,
  )}
</section>`;
}

/** Votes cast on a package the champion has since revised. */
export function staleVotes(idea: IdeaStatus): { reviewerName: string; decision: Decision }[] {
  const round = idea.round;
  if (!round?.packageFingerprint) return [];
  return round.votes.filter((vote) => vote.fingerprint && vote.fingerprint !== round.packageFingerprint).map((vote) => ({ reviewerName: vote.reviewerName, decision: vote.decision }));
}

function scoreField(criterion: Criterion, value: string | undefined, error: boolean, goals: ClaimedGoal[]): Html {
  const name = `score.${criterion.id}`;
  // Alignment is judged against the goals the idea says it serves: the reviewer sees what they are.
  const alignment = criterion.id === 'alignment' && goals.length > 0;
  return html`<fieldset${error ? html` aria-invalid="true"` : ''}>
  <legend>${criterion.label}${criterion.minimum ? html` <span class="meta">(must be at least ${criterion.minimum})</span>` : ''}</legend>
  <div class="scale">
    ${[1, 2, 3, 4, 5].map((score) => html`<label><input type="radio" name="${name}" value="${score}" required${value === String(score) ? html` checked` : ''}> ${score}</label>`)}
  </div>
  <p class="hint">1 is poor, 5 is excellent.${alignment ? ' The idea says it serves:' : ''}</p>
  ${alignment ? html`<ul class="plain hint">${goals.map((goal) => html`<li><strong>${goal.name}</strong>${goal.description ? html`: ${goal.description}` : ''}</li>`)}</ul>` : ''}
</fieldset>`;
}

const CATEGORY_LABELS: Record<(typeof IDEA_CATEGORIES)[number], string> = {
  product: 'Product',
  process: 'Process',
  service: 'Service',
  'business-model': 'Business model',
};

/** For an idea without a category: the reviewer names one; the round's decision takes the one most votes named. */
function categoryField(idea: IdeaStatus, chosen: string | undefined): Html {
  if (idea.category) return html``;
  return html`<fieldset>
  <legend>Which kind of idea is it?</legend>
  <p class="hint">${idea.submitter.name} did not say. The gate's decision sets the category most reviewers name.</p>
  <div class="choices">
    ${IDEA_CATEGORIES.map((category) => html`<label><input type="radio" name="category" value="${category}"${chosen === category ? html` checked` : ''}><span>${CATEGORY_LABELS[category]}</span></label>`)}
  </div>
</fieldset>`;
}

/** Open ideas that looked like this one when it came in; a screener may merge it into one of them. */
function similarIdeas(idea: IdeaStatus, action: string, canMerge: boolean): Html {
  if (!idea.similar?.length) return html``;
  return html`<section aria-labelledby="similar-heading">
  <h2 id="similar-heading">Similar ideas</h2>
  <p class="meta">Open ideas that read alike when this one was submitted (1 is the same words).${canMerge ? ' If this one is a duplicate, merge it: it ends here, and its submitter is told and credited on the other.' : ''}</p>
  ${idea.similar.map(
    (similar) => html`<div class="card">
    <p><strong>${similar.title}</strong> <span class="meta">(${similar.ideaId}, ${similar.score.toFixed(2)})</span></p>
    ${canMerge
      ? html`<form method="post" action="${action}">
      <input type="hidden" name="merge-into" value="${similar.ideaId}">
      <label class="field" for="merge-reason-${similar.ideaId}">Why they are the same</label>
      <input type="text" id="merge-reason-${similar.ideaId}" name="merge-reason" value="">
      <p><button type="submit">Merge this idea into “${similar.title}”</button></p>
    </form>`
      : ''}
  </div>`,
  )}
</section>`;
}

/** The review page's form to hand the review to a colleague, who is emailed their own link; this reviewer's link stops working. */
function handOver(action: string, delegateTo: string | undefined, failed: boolean): Html {
  return html`<section aria-labelledby="hand-over-heading">
  <h2 id="hand-over-heading">Hand this review to a colleague</h2>
  <p class="meta">Away, or someone knows this better? Your colleague is emailed their own review link, and this one stops working. The idea's submitter and champion cannot take it.</p>
  <form method="post" action="${action}">
    <label class="field" for="delegate-to">Your colleague's email</label>
    <input type="email" id="delegate-to" name="delegate-to" required autocomplete="off" value="${delegateTo ?? ''}"${failed ? html` aria-invalid="true"` : ''}>
    <p><button type="submit">Hand this review over</button></p>
  </form>
</section>`;
}

/** The page after a reviewer handed their review to a colleague. */
export function handedOverPage(args: { idea: IdeaStatus; to: string; toName: string }): Html {
  return html`<div class="notice success" role="status"><p><strong>Handed over to ${args.toName} (${args.to}).</strong></p></div>
<h1>Thank you</h1>
<p>${args.toName} is emailed a review link for “${args.idea.title}”. The hand-over is recorded, and your link for this round no longer works.</p>`;
}

/** The page after a screener merged the idea from its review page. */
export function mergedPage(args: { idea: IdeaStatus; into: string }): Html {
  const survivor = args.idea.mergedInto?.title ?? args.into;
  return html`<div class="notice success" role="status"><p><strong>Merged: “${args.idea.title}” is now part of “${survivor}”.</strong></p></div>
<h1>Thank you</h1>
<p>${args.idea.submitter.name} is told, with your reason, and credited on “${survivor}”. Its review is closed; nothing more is needed here.</p>`;
}

export function reviewPage(args: { idea: IdeaStatus; reviewer: string; form: VoteForm; errors: string[]; action: string; pendingLink?: string; when: Clock; plan?: PilotPlanTemplate; labels?: DecisionLabels; goals?: ClaimedGoal[]; delegateTo?: string }): Html {
  const { idea, reviewer, form, errors, when } = args;
  const choices = decisionChoices(args.labels);
  const round = idea.round!;
  const me = askedIn(round).find((person) => person.email === reviewer);
  const held = authorityIn(round, reviewer);
  const stale = staleVotes(idea);
  return html`<h1>${round.gateName} for “${idea.title}”</h1>
<p class="meta">Round ${round.round} · your decision is needed by <strong>${when(round.deadlineAt)}</strong> · reviewing as ${me?.name ?? reviewer} (${reviewer})</p>
${errors.length ? html`<div class="notice error" role="alert"><p><strong>Nothing was recorded yet.</strong></p><ul class="plain">${errors.map((error) => html`<li>${error}</li>`)}</ul></div>` : ''}
${stale.length ? html`<div class="notice warning" role="status">The champion revised the package after ${stale.map((vote) => `${vote.reviewerName} voted ${choices[vote.decision].label.toLowerCase()}`).join(', ')}: those votes were cast on an earlier version.</div>` : ''}
${ideaSummary(idea, when)}
${similarIdeas(idea, args.action, round.gate === idea.screeners?.gate)}
${gatePackage(idea, when, args.plan)}
${earlierRounds(idea, when, args.labels)}
<section aria-labelledby="vote-heading">
  <h2 id="vote-heading">Your vote</h2>
  ${held && idea.estimatedCost !== undefined ? html`<div class="notice success" role="status"><p><strong>You may decide this alone under your delegated authority (${figures(held.budget, idea.estimatedCost)}).</strong> Your vote is the gate's decision${round.reviewers.some((person) => person.email === reviewer) ? ", whatever the rest of the committee votes" : ''}.</p></div>` : ''}
  <p class="meta">The gate decides once ${round.votesNeeded} of ${round.reviewers.length} reviewers have voted; ${round.votes.length ? `${round.votes.length} have so far` : 'nobody has yet'}. Waiting on ${round.reviewers.filter((person) => !person.voted).map((person) => person.name).join(', ')}.</p>
  <form method="post" action="${args.action}">
    <input type="hidden" name="fingerprint" value="${form.fingerprint ?? idea.stage.ready?.fingerprint ?? ''}">
    ${round.criteria.map((criterion) => scoreField(criterion, form.scores[criterion.id], errors.some((error) => error.includes(criterion.id)), args.goals ?? []))}
    <fieldset>
      <legend>Your decision</legend>
      <div class="choices">
        ${DECISIONS.map((decision) => html`<label><input type="radio" name="decision" value="${decision}" required${form.decision === decision ? html` checked` : ''}><span>${choices[decision].label}<small>${choices[decision].hint}</small></span></label>`)}
      </div>
    </fieldset>
    ${categoryField(idea, form.category)}
    <label class="field" for="conditions">Conditions, one per line</label>
    <textarea id="conditions" name="conditions" rows="3" aria-describedby="conditions-hint">${form.conditions}</textarea>
    <p class="hint" id="conditions-hint">Needed with a conditional go: what the champion must do before the next gate.</p>
    <label class="field" for="comment">Your reasons</label>
    <textarea id="comment" name="comment" rows="4" aria-describedby="comment-hint">${form.comment}</textarea>
    <p class="hint" id="comment-hint">${idea.submitter.name} will read them with the decision.</p>
    <p><button type="submit">Record my vote</button></p>
  </form>
</section>
${round.standIns ? handOver(args.action, args.delegateTo, args.delegateTo !== undefined && errors.length > 0) : ''}
${args.pendingLink ? html`<p><a href="${args.pendingLink}">Everything waiting on you</a></p>` : ''}`;
}

export function votedPage(args: { idea: IdeaStatus; receipt: VoteReceipt; reviewerName: string; when: Clock; repeated: boolean; labels?: DecisionLabels }): Html {
  const { idea, receipt, when } = args;
  const choices = decisionChoices(args.labels);
  const complete = receipt.votesIn >= receipt.votesNeeded;
  return html`<div class="notice success" role="status"><p><strong>${args.repeated ? 'Already recorded' : 'Recorded'}: ${choices[receipt.decision].label.toLowerCase()}, by you, at ${when(receipt.castAt)}.</strong></p></div>
<h1>Thank you, ${args.reviewerName}</h1>
<p>Your vote on “${idea.title}” at ${idea.round?.gateName ?? receipt.gate}, round ${receipt.round}, is in.</p>
<h2>What happens next</h2>
<p>${complete
    ? `That completes the votes the gate needs: it decides now, and ${idea.submitter.name} hears the outcome with your reasons.`
    : `The gate decides once ${receipt.votesNeeded} reviewers have voted (${receipt.votesIn} so far). ${idea.submitter.name} hears the outcome with the reasons.`}</p>`;
}

export function closedPage(args: { idea: IdeaStatus; gate?: string; round?: number; when: Clock; labels?: DecisionLabels }): Html {
  const { idea, when } = args;
  const choices = decisionChoices(args.labels);
  const decided = idea.decisions.find((decision) => decision.gate === args.gate && decision.round === args.round);
  const open = idea.round && idea.status === 'in-review' && idea.round.phase !== 'closing' ? idea.round : undefined;
  return html`<h1>This review is closed</h1>
${decided
    ? html`<p>${decided.gateName}, round ${decided.round}, for “${idea.title}” was decided <strong>${choices[decided.decision].label.toLowerCase()}</strong> by ${decided.decidedBy === 'authority' ? authorityOf(decided) : (decided.actor ?? (decided.decidedBy === 'reviewers' ? 'the reviewers' : 'the deadline rule'))} on ${when(decided.at)}.</p>
<ul class="plain">${decided.reasons.map((reason) => html`<li>${reason}</li>`)}</ul>`
    : html`<p>“${idea.title}” is ${idea.status.replace('-', ' ')}; this round is no longer open.</p>`}
${open ? html`<p>A newer round is open (${open.gateName}, round ${open.round}); its own message has a link for it.</p>` : ''}
<p>Nothing was changed.</p>`;
}

export function problemPage(title: string, lines: string[]): Html {
  return html`<h1>${title}</h1>${lines.map((line) => html`<p>${line}</p>`)}<p>Nothing was changed.</p>`;
}

export function decidePage(args: { idea: IdeaStatus; contact: string; form: { decision?: string; reason: string; conditions: string }; errors: string[]; action: string; when: Clock; labels?: DecisionLabels }): Html {
  const { idea, form, errors, when } = args;
  const choices = decisionChoices(args.labels);
  const round = idea.round!;
  return html`<h1>Decide ${round.gateName} for “${idea.title}”</h1>
<p class="meta">Round ${round.round} passed its deadline (${when(round.deadlineAt)}) without a decision. You are deciding as ${args.contact}.</p>
${errors.length ? html`<div class="notice error" role="alert"><p><strong>Nothing was recorded yet.</strong></p><ul class="plain">${errors.map((error) => html`<li>${error}</li>`)}</ul></div>` : ''}
${ideaSummary(idea, when)}
${gatePackage(idea, when)}
<section aria-labelledby="votes-heading">
  <h2 id="votes-heading">Votes so far</h2>
  ${round.votes.length
    ? html`<table><thead><tr><th scope="col">Reviewer</th><th scope="col">Vote</th><th scope="col">Reasons</th></tr></thead><tbody>${round.votes.map((vote) => html`<tr><td>${vote.reviewerName}</td><td>${choices[vote.decision].label}</td><td>${vote.comment}</td></tr>`)}</tbody></table>`
    : html`<p>Nobody has voted.</p>`}
  <p class="meta">Waiting on ${round.reviewers.filter((person) => !person.voted).map((person) => person.name).join(', ') || 'nobody'}.</p>
</section>
<section aria-labelledby="decide-heading">
  <h2 id="decide-heading">Your decision</h2>
  <form method="post" action="${args.action}">
    <fieldset>
      <legend>Decision</legend>
      <div class="choices">
        ${DECISIONS.map((decision) => html`<label><input type="radio" name="decision" value="${decision}" required${form.decision === decision ? html` checked` : ''}><span>${choices[decision].label}<small>${choices[decision].hint}</small></span></label>`)}
      </div>
    </fieldset>
    <label class="field" for="conditions">Conditions, one per line</label>
    <textarea id="conditions" name="conditions" rows="3">${form.conditions}</textarea>
    <label class="field" for="reason">Reason</label>
    <textarea id="reason" name="reason" rows="4" required aria-describedby="reason-hint">${form.reason}</textarea>
    <p class="hint" id="reason-hint">Told to the submitter, the champion and the reviewers.</p>
    <p><button type="submit">Record the decision</button></p>
  </form>
</section>`;
}

/**
 * The rounds waiting on a reviewer. It shows no vote links: each round's own email carries one,
 * and the button asks for a fresh one by email, to the reviewer's own address.
 */
export function pendingPage(args: { name: string; pending: PendingReview[]; action: string; when: Clock }): Html {
  return html`<h1>Waiting on you, ${args.name}</h1>
${args.pending.length
    ? html`<p class="meta">Each review's link is in its email. Lost it? Ask for a fresh one: it goes to your own address.</p>
${args.pending.map(
  (review) => html`<div class="card">
  <p><strong>${review.gateName} for “${review.title}”</strong><br><span class="meta">round ${review.round}, needed by ${args.when(review.deadlineAt)}</span></p>
  <form method="post" action="${args.action}">
    <input type="hidden" name="ideaId" value="${review.ideaId}">
    <input type="hidden" name="gate" value="${review.gate}">
    <input type="hidden" name="round" value="${review.round}">
    <button type="submit">Email me the review link</button>
  </form>
</div>`,
)}`
    : html`<p>No gate is waiting on your vote. Thank you.</p>`}`;
}

export function linkSentPage(args: { to: string; sent: boolean; back: string }): Html {
  return html`<div class="notice success" role="status"><p><strong>${args.sent ? `A fresh review link is on its way to ${args.to}.` : `A review link went to ${args.to} in the last few minutes.`}</strong></p></div>
<h1>Check your email</h1>
<p>${args.sent ? 'It arrives in a minute or two. Pressing the button again within ten minutes sends nothing more.' : 'Look for it in your inbox; a new one can be asked for ten minutes after the last.'}</p>
<p><a href="${args.back}">Back to everything waiting on you</a></p>`;
}

function kpiTable(summary: PilotStatus['summary']): Html {
  return html`<table><caption class="meta">The pilot's KPIs</caption><thead><tr><th scope="col">KPI</th><th scope="col">Latest</th><th scope="col">Target</th><th scope="col">Trend</th><th scope="col">Met</th></tr></thead><tbody>
${summary.map((kpi) => html`<tr><td>${kpi.label}</td><td>${kpi.latest === undefined ? 'no reading' : `${kpi.latest} ${kpi.unit}`.trim()}<br><span class="meta">${kpi.readings} readings</span></td><td>${kpi.direction === 'higher' ? 'at least' : 'at most'} ${kpi.target}</td><td>${kpi.trend ?? ''}</td><td>${kpi.met ? 'yes' : 'no'}</td></tr>`)}
</tbody></table>`;
}

/** Why the pilot ended, for its gate: a reading past a kill line is named with its KPI and value. */
function pilotEnding(idea: IdeaStatus): Html {
  const pilot = idea.stage.pilot!;
  if (pilot.reason !== 'kill-threshold') return html``;
  const killed = pilot.summary!.find((kpi) => kpi.killAt !== undefined && kpi.latest !== undefined && againstTarget(kpi, kpi.latest).startsWith('past the kill line'));
  return html`<div class="notice warning" role="status"><p><strong>The pilot ended early${pilot.endedAt ? ` (${pilot.endedAt.slice(0, 10)})` : ''}:</strong> ${killed ? `${killed.label} read ${killed.latest}${killed.unit ? ` ${killed.unit}` : ''}, past its kill line of ${killed.killAt}.` : 'a reading passed its kill line.'}</p></div>`;
}

/** A KPI's readings as a chart against its target (and kill line), with the same readings as a table for screen readers. */
function kpiTrend(kpi: KpiSummary, when: Clock): Html {
  const recent = kpi.recent ?? [];
  if (recent.length === 0) return html``;
  const lines = [{ label: 'target', value: kpi.target, colour: 'target' as const }, ...(kpi.killAt !== undefined ? [{ label: 'kill', value: kpi.killAt, colour: 'kill' as const }] : [])];
  return html`<div class="trend">
${lineChart(`${kpi.label}: readings against the target`, recent.map((point, index) => ({ label: String(kpi.readings - recent.length + index + 1), value: point.value, note: point.at ? when(point.at) : undefined })), lines)}
${readingsTable(kpi, when)}
</div>`;
}

/** One KPI's readings so far: when, what, and how it stood against the target. */
function readingsTable(kpi: KpiSummary, when: Clock): Html {
  const recent = kpi.recent ?? [];
  const lines = [`target ${kpi.direction === 'higher' ? 'at least' : 'at most'} ${kpi.target}`, kpi.killAt !== undefined ? `kill line ${kpi.killAt}` : ''].filter(Boolean).join(', ');
  return html`<table class="readings"><caption>${kpi.label}${kpi.unit ? ` (${kpi.unit})` : ''}: ${lines}${kpi.readings > recent.length ? ` · the latest ${recent.length} of ${kpi.readings} readings` : ''}</caption>
<thead><tr><th scope="col">Read</th><th scope="col">Value</th><th scope="col">Against target</th></tr></thead><tbody>
${recent.length ? recent.map((point) => html`<tr><td>${point.at ? when(point.at) : 'time not kept'}</td><td>${point.value}</td><td>${againstTarget(kpi, point.value)}</td></tr>`) : html`<tr><td colspan="3">No readings yet.</td></tr>`}
</tbody></table>`;
}

/** What is due: the next check, and per KPI people enter whether this period's reading is in. */
function dueNow(pilot: PilotStatus, when: Clock): Html {
  const periodStart = pilot.checkEvery ? Date.parse(pilot.nextCheckAt) - pilot.checkEvery : undefined;
  const manual = pilot.summary.filter((kpi) => kpi.manual !== false);
  return html`<section aria-labelledby="due-heading">
  <h2 id="due-heading">What is due</h2>
  <p>The next readings are due by <strong>${when(pilot.nextCheckAt)}</strong>; the pilot runs until ${when(pilot.endsAt)}.</p>
  ${periodStart !== undefined
    ? html`<ul class="plain">${manual.map((kpi) => {
      const last = kpi.recent?.at(-1)?.at;
      return html`<li>${kpi.label}: ${last && Date.parse(last) >= periodStart ? `this period's reading is in (${kpi.latest}, ${when(last)})` : "this period's reading is not in yet"}</li>`;
    })}</ul>`
    : ''}
</section>`;
}

export interface KpiForm {
  /** What was typed, by KPI id, and the note. */
  values: Record<string, string>;
  /** The problems, by KPI id (or `form` for the form as a whole). */
  errors: Record<string, string>;
  /** The form's one-time id, issued with the page: the same form sent twice is recorded once. */
  nonce: string;
}

export function kpiEntryPage(args: { idea: IdeaStatus; pilot: PilotStatus; form: KpiForm; action: string; when: Clock; decimal: string }): Html {
  const { idea, pilot, form, when } = args;
  const errors = Object.entries(form.errors);
  const labelOf = (id: string) => pilot.summary.find((kpi) => kpi.kpi === id)?.label ?? id;
  return html`<h1>Pilot readings for “${idea.title}”</h1>
<p class="meta">${idea.stage.name}, until ${when(pilot.endsAt)}.</p>
${errors.length ? html`<div class="notice error" role="alert"><p><strong>Nothing was recorded.</strong> Correct this and send the form again:</p><ul class="plain">${errors.map(([id, error]) => html`<li>${id === 'form' ? error : html`<a href="#kpi-${id}">${labelOf(id)}</a>: ${error}`}</li>`)}</ul></div>` : ''}
<section aria-labelledby="enter-heading">
<h2 id="enter-heading">This period's readings</h2>
<form method="post" action="${args.action}">
  <input type="hidden" name="form" value="${form.nonce}">
  ${pilot.summary.filter((kpi) => kpi.manual !== false).map((kpi) => html`<label class="field" for="kpi-${kpi.kpi}">${kpi.label}${kpi.unit ? ` (${kpi.unit})` : ''}</label>
  <input type="text" inputmode="decimal" autocomplete="off" id="kpi-${kpi.kpi}" name="kpi.${kpi.kpi}" value="${form.values[kpi.kpi] ?? ''}" aria-describedby="hint-${kpi.kpi}"${form.errors[kpi.kpi] ? html` aria-invalid="true"` : ''}>
  ${form.errors[kpi.kpi] ? html`<p class="error-text" id="error-${kpi.kpi}">${form.errors[kpi.kpi]}</p>` : ''}
  <p class="hint" id="hint-${kpi.kpi}">Target: ${kpi.direction === 'higher' ? 'at least' : 'at most'} ${kpi.target}. Write a decimal like 4${args.decimal}5, without thousands separators. Leave empty to skip.</p>`)}
  <label class="field" for="note">Where the numbers come from</label>
  <input type="text" id="note" name="note" value="${form.values.note ?? ''}">
  <p><button type="submit">Record the readings</button></p>
</form>
</section>
${dueNow(pilot, when)}
${readingsSoFar(pilot.summary, when)}`;
}

function readingsSoFar(summary: KpiSummary[], when: Clock): Html {
  return html`<section aria-labelledby="so-far-heading">
  <h2 id="so-far-heading">Readings so far</h2>
  ${summary.map((kpi) => readingsTable(kpi, when))}
</section>`;
}

/** Where the KPI form sends the champion after recording (POST, redirect, GET): reloading it records nothing. */
export function kpiRecordedPage(args: { idea: IdeaStatus; receipts: KpiReceipt[]; summary: KpiSummary[]; pilot?: PilotStatus; back?: string; when: Clock }): Html {
  const { idea, receipts, when } = args;
  const labelOf = (id: string) => args.summary.find((kpi) => kpi.kpi === id)?.label ?? id;
  const ended = idea.stage.pilot?.endedAt;
  return html`<div class="notice success" role="status"><p><strong>Recorded:</strong> ${receipts.map((r) => `${labelOf(r.kpi)} ${r.value}${r.met ? ' (on target)' : r.level === 'alert' || r.level === 'kill' ? ` (${r.level})` : ' (below target)'}`).join(', ')}, at ${receipts[0] ? when(receipts[0].at) : ''}.</p></div>
<h1>Thank you</h1>
<p>Your readings for “${idea.title}” are in. Reloading this page records nothing more.</p>
${receipts.some((r) => r.level === 'kill') ? html`<div class="notice warning" role="status"><p>A reading passed its kill line: the pilot ends early and its gate opens with the readings so far.</p></div>` : ''}
${receipts.some((r) => r.level === 'alert') ? html`<p>A reading is below where it should be: an alert goes out by email.</p>` : ''}
${args.pilot ? dueNow(args.pilot, when) : ended ? html`<p>The pilot has ended (${when(ended)}); its gate has the results.</p>` : ''}
${readingsSoFar(args.summary, when)}
${args.back ? html`<p><a href="${args.back}">Enter more readings</a></p>` : ''}`;
}
