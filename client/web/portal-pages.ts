import { IDEA_CATEGORIES, type CampaignView, type IdeaStatus } from '../sdk';
import { DECISION_LABELS, type Clock } from './pages';
import { html, type Html } from './html';

/** The submission portal's pages: a campaign's page, the general one, confirmation and a submitter's own idea. */

export interface SubmissionForm {
  title: string;
  description: string;
  category: string;
  name: string;
  email: string;
  /** The form's one-time id, issued with the page: the same form sent twice is one idea. */
  form: string;
}

export const EMPTY_SUBMISSION = { title: '', description: '', category: '', name: '', email: '' };

const CATEGORY_LABELS: Record<(typeof IDEA_CATEGORIES)[number], string> = {
  product: 'Something we could sell (a product)',
  process: 'How we work (a process)',
  service: 'How we serve customers (a service)',
  'business-model': 'How we make money (a business model)',
};

const AUDIENCE_WORDS: Record<string, string> = { staff: 'staff', customers: 'customers', partners: 'partners', network: 'our network', anyone: 'anyone' };

function audienceWords(campaign: CampaignView): string {
  const words = campaign.audience.map((who) => AUDIENCE_WORDS[who] ?? who);
  return words.length > 1 ? `${words.slice(0, -1).join(', ')} and ${words.at(-1)}` : words[0]!;
}

/** The form: title, what and why, kind of idea, name and email, and a field people never see (bots fill it). */
function submissionForm(args: { action: string; form: SubmissionForm; errors: string[]; staffOnly: boolean }): Html {
  const { form, errors } = args;
  return html`${errors.length ? html`<div class="notice error" role="alert"><p><strong>Your idea was not sent yet.</strong></p><ul class="plain">${errors.map((error) => html`<li>${error}</li>`)}</ul></div>` : ''}
<form class="portal" method="post" action="${args.action}">
  <input type="hidden" name="form" value="${form.form}">
  <label class="field" for="title">Your idea in a few words</label>
  <input type="text" id="title" name="title" value="${form.title}" required maxlength="200" autocomplete="off">
  <label class="field" for="description">What is it, and why would it help?</label>
  <textarea id="description" name="description" rows="6" required maxlength="20000" aria-describedby="description-hint">${form.description}</textarea>
  <p class="hint" id="description-hint">A photo? Say what it shows; someone will ask you for it.</p>
  <label class="field" for="category">What kind of idea is it?</label>
  <select id="category" name="category">
    <option value=""${form.category ? '' : html` selected`}>Not sure: the reviewers will say</option>
    ${IDEA_CATEGORIES.map((category) => html`<option value="${category}"${form.category === category ? html` selected` : ''}>${CATEGORY_LABELS[category]}</option>`)}
  </select>
  <label class="field" for="name">Your name</label>
  <input type="text" id="name" name="name" value="${form.name}" required maxlength="120" autocomplete="name">
  <label class="field" for="email">Your email</label>
  <input type="email" id="email" name="email" value="${form.email}" required maxlength="254" autocomplete="email" inputmode="email" aria-describedby="email-hint">
  <p class="hint" id="email-hint">${args.staffOnly ? 'Your work address.' : 'We email you a link to confirm the idea is yours (staff need not), then a link to follow it.'} Nobody else sees your address.</p>
  <div class="trap" aria-hidden="true"><label for="website">Leave this empty</label><input type="text" id="website" name="website" tabindex="-1" autocomplete="off"></div>
  <p><button type="submit">Send my idea</button></p>
</form>`;
}

export function campaignPage(args: { campaign: CampaignView; form: SubmissionForm; errors: string[]; action: string; when: Clock }): Html {
  const { campaign, when } = args;
  return html`<h1>${campaign.question}</h1>
${campaign.description ? html`<p class="notes">${campaign.description}</p>` : ''}
<p class="meta">Open to ${audienceWords(campaign)}${campaign.closesAt ? html` until <strong>${when(campaign.closesAt)}</strong>` : ''}.</p>
<section aria-labelledby="send-heading">
  <h2 id="send-heading">Your idea</h2>
  ${submissionForm({ ...args, staffOnly: campaign.audience.length === 1 && campaign.audience[0] === 'staff' })}
</section>`;
}

export function submitPage(args: { form: SubmissionForm; errors: string[]; action: string }): Html {
  return html`<h1>Submit an idea</h1>
<p>Something we could do better, a new product or service, a way to save time or waste less: tell us. Every idea is read, and you hear what was decided and why.</p>
<section aria-labelledby="send-heading">
  <h2 id="send-heading">Your idea</h2>
  ${submissionForm({ ...args, staffOnly: false })}
</section>`;
}

/** A campaign that takes no submissions (closed, or not open yet): a page that says so, not an error. */
export function campaignClosedPage(args: { campaign: CampaignView; when: Clock; submitPath: string }): Html {
  const { campaign, when, submitPath } = args;
  if (campaign.status === 'upcoming') {
    return html`<h1>${campaign.question}</h1><p>This campaign opens on <strong>${when(campaign.opensAt)}</strong>. Come back then to send your idea.</p><p><a href="${submitPath}">Or send an idea about something else</a></p>`;
  }
  return html`<h1>This campaign is closed</h1>
<p>“${campaign.question}” closed on ${when(campaign.closedAt ?? campaign.closesAt!)} and takes no more ideas. Thank you to everyone who sent one: you hear what happens to yours by email.</p>
<p><a href="${submitPath}">Have another idea? Send it here</a></p>`;
}

export function checkEmailPage(): Html {
  return html`<div class="notice success" role="status"><p><strong>Almost there: check your email.</strong></p></div>
<h1>Please confirm your idea</h1>
<p>We sent you an email with a link. Open it and press “Confirm my idea”: only then does your idea go to the people who review ideas.</p>
<p class="meta">No email? Look in your spam folder; the link works for two weeks.</p>`;
}

export function confirmPage(args: { title: string; action: string }): Html {
  return html`<h1>Confirm your idea</h1>
<p>You sent “${args.title}”. Confirm it, and it goes to the people who review ideas; you hear about every decision and the reasons.</p>
<form method="post" action="${args.action}"><p><button type="submit">Confirm my idea</button></p></form>`;
}

const NEXT: Record<string, (idea: IdeaStatus, when: Clock) => string> = {
  'in-stage': (idea) => `${idea.stage.name} is under way (stage ${idea.stage.index + 1} of ${idea.stage.of}); when its work is done, a gate reviews it, and you hear what it decides and why.`,
  'in-review': (idea, when) => `Reviewers are looking at it at ${idea.round?.gateName ?? 'a gate'}${idea.round ? `; their decision is due by ${when(idea.round.deadlineAt)}` : ''}. You hear what they decide and why.`,
  'on-hold': (idea, when) => `It is on hold${idea.hold ? `: ${idea.hold.reason}. It comes back for review by ${when(idea.hold.revisitAt)} at the latest` : ''}.`,
  launched: () => 'It was launched. Thank you: ideas like yours are how we get better.',
  killed: () => 'It does not go further; the reasons are above. Thank you for sending it: please keep the ideas coming.',
  withdrawn: () => 'It was withdrawn, so it goes no further.',
  merged: () => 'It was merged with a similar idea, which carries on with your name on it.',
};

/**
 * A submitter's page of their own idea: where it stands, each decision with its reasons and what
 * the reviewers said (as the decision emails tell the submitter), and what happens next. Nothing
 * of any other idea, no reviewer's address, no score per criterion.
 */
export function followPage(args: { idea: IdeaStatus; submitted: boolean; when: Clock }): Html {
  const { idea, when } = args;
  return html`${args.submitted ? html`<div class="notice success" role="status"><p><strong>Thank you: your idea is in.</strong> Keep this page's address (it is in your email too): it shows where your idea stands.</p></div>` : ''}
<h1>${idea.title}</h1>
<p class="meta">Sent ${when(idea.submittedAt)} · ${idea.process.name}</p>
<section aria-labelledby="stands-heading">
  <h2 id="stands-heading">Where it stands</h2>
  <p><strong>${idea.status.replace('-', ' ')}</strong>${['launched', 'killed', 'withdrawn', 'merged'].includes(idea.status) ? '' : html` · ${idea.stage.name}`}</p>
  <h3>What happens next</h3>
  <p>${(NEXT[idea.status] ?? (() => ''))(idea, when)}</p>
</section>
<section aria-labelledby="decisions-heading">
  <h2 id="decisions-heading">Decisions</h2>
  ${idea.decisions.length
    ? idea.decisions.map(
      (decision) => html`<div class="card">
    <p><strong>${decision.gateName}: ${DECISION_LABELS[decision.decision].label}</strong> <span class="meta">${when(decision.at)}</span></p>
    ${decision.reasons.length ? html`<p>Why:</p><ul class="plain">${decision.reasons.map((reason) => html`<li>${reason}</li>`)}</ul>` : ''}
    ${decision.comments.some((c) => c.comment) ? html`<p>What the reviewers said:</p><ul class="plain">${decision.comments.filter((c) => c.comment).map((c) => html`<li>${c.reviewer}: ${c.comment}</li>`)}</ul>` : ''}
  </div>`,
    )
    : html`<p>No gate has decided yet.</p>`}
</section>
<section aria-labelledby="sent-heading">
  <h2 id="sent-heading">What you sent</h2>
  <p class="notes">${idea.description}</p>
</section>`;
}
