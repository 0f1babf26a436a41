import type { Notification } from './notification';
import type { Person } from '../workflows/state';

/** Subject and plain text of each message, in the words the firm uses. Email templates build on the same facts. */

export interface RenderedMessage {
  subject: string;
  text: string;
}

const when = (isoTime: string) =>
  new Intl.DateTimeFormat('en-GB', { dateStyle: 'full', timeStyle: 'short', timeZone: 'UTC' }).format(new Date(isoTime)) + ' UTC';

const DECISION_WORDS: Record<string, string> = {
  go: 'go',
  'conditional-go': 'conditional go',
  kill: 'kill',
  hold: 'hold',
  recycle: 'recycle (rework and review again)',
};

const list = (items: string[]) => items.map((item) => `  - ${item}`).join('\n');

export function renderMessage(notification: Notification, recipient: Person): RenderedMessage {
  const { idea, stage, gate, decision, hold } = notification;
  const title = `"${idea.title}"`;
  const greeting = `Hello ${recipient.name},`;
  const footer = `\n\n-- \nstagegate · ${idea.processName} · idea ${idea.ideaId}`;
  const lines = (...parts: (string | false | undefined)[]) => [greeting, '', ...parts.filter((part): part is string => typeof part === 'string')].join('\n') + footer;

  switch (notification.purpose) {
    case 'idea-received':
      return {
        subject: `Thank you: your idea ${title} is in`,
        text: lines(`Thank you for your idea ${title}. It now follows the ${idea.processName} process, and you will hear about every decision and the reasons for it.`),
      };
    case 'stage-entered':
      return {
        subject: `${title}: ${stage!.name} has started`,
        text: lines(
          `${title} is now in the stage ${stage!.name}, planned to finish by ${when(stage!.dueAt)}.`,
          stage!.deliverables.length > 0 && `\nWhat the gate will want to see:\n${list(stage!.deliverables)}`,
          stage!.feedback.length > 0 && `\nWhat the reviewers asked for:\n${list(stage!.feedback)}`,
          `\nWhen the work is ready, mark it ready for review:\n  stagegate idea ready ${idea.ideaId} --by ${idea.champion.email} --notes "..."`,
        ),
      };
    case 'stage-overrun':
      return {
        subject: `Reminder: ${stage!.name} for ${title} was due ${when(stage!.dueAt)}`,
        text: lines(
          `${stage!.name} for ${title} was planned to finish by ${when(stage!.dueAt)} and is not marked ready for review yet.`,
          stage!.deliverables.length > 0 && `\nStill expected:\n${list(stage!.deliverables)}`,
          `\nMark it ready with:\n  stagegate idea ready ${idea.ideaId} --by ${idea.champion.email} --notes "..."`,
        ),
      };
    case 'review-request':
    case 'review-reminder':
      return {
        subject: `${notification.purpose === 'review-reminder' ? 'Reminder: ' : ''}${gate!.name} for ${title}: your decision is needed by ${when(gate!.deadlineAt)}`,
        text: lines(
          `${title} (${idea.source} idea from ${idea.submitter.name}) is at ${gate!.name}, round ${gate!.round}. Your decision is needed by ${when(gate!.deadlineAt)}.`,
          `\n${idea.description}`,
          `\nScore each criterion from 1 (poor) to 5 (excellent):\n${list(gate!.criteria.map((c) => `${c.label} (${c.id})${c.minimum ? `, must be at least ${c.minimum}` : ''}`))}`,
          `\nDecide go, conditional-go, kill, hold or recycle:\n  stagegate gate vote ${idea.ideaId} --reviewer ${recipient.email} --decision go ${gate!.criteria.map((c) => `--score ${c.id}=4`).join(' ')} --comment "..."`,
        ),
      };
    case 'escalation':
      return {
        subject: `Escalation: ${gate!.name} for ${title} has no decision`,
        text: lines(
          `${gate!.name} for ${title} passed its deadline (${when(gate!.deadlineAt)}) without a decision.`,
          gate!.awaiting.length > 0 && `Still waiting on: ${gate!.awaiting.join(', ')}.`,
          `\nAs escalation contact you can decide for the gate:\n  stagegate gate decide ${idea.ideaId} --by ${recipient.email} --decision go --reason "..."`,
        ),
      };
    case 'decision':
      return {
        subject: `${title}: ${gate!.name} decided ${DECISION_WORDS[decision!.decision]}`,
        text: lines(
          `${gate!.name} (round ${decision!.round}) decided ${DECISION_WORDS[decision!.decision]} for ${title}${decision!.score !== undefined ? `, with a weighted score of ${decision!.score} out of 5` : ''}.`,
          `\nWhy:\n${list(decision!.reasons)}`,
          decision!.comments.length > 0 && `\nWhat the reviewers said:\n${list(decision!.comments.map((c) => `${c.reviewer} (${DECISION_WORDS[c.decision]})${c.comment ? `: ${c.comment}` : ''}`))}`,
          decision!.conditions.length > 0 && `\nConditions to meet before the next gate:\n${list(decision!.conditions)}`,
        ),
      };
    case 'held':
      return {
        subject: `${title} is on hold`,
        text: lines(`${title} is on hold: ${hold!.reason}`, `It comes back for review by ${when(hold!.revisitAt)} at the latest.`),
      };
    case 'withdrawn':
      return {
        subject: `${title} was withdrawn`,
        text: lines(`${title} was withdrawn by ${notification.actor}${notification.reason ? `: ${notification.reason}` : '.'}`, 'No further review is needed.'),
      };
    case 'recognition':
      return {
        subject: `${title} is launched: thank you, ${recipient.name}`,
        text: lines(
          `${title} is launched. Thank you, ${recipient.name}: ideas like yours are how we get better.`,
          `Submitted by ${idea.submitter.name}, championed by ${idea.champion.name}.`,
        ),
      };
  }
}
