import type { Decision, DecisionLabels } from '../config/process';
import type { LinkBuilder } from '../links';
import { clockFor } from '../text';
import { authorityOf, figures } from '../workflows/authority';
import type { Person } from '../workflows/inputs';
import type { Notification } from '../workflows/notification';
import { rolesInWords, type RecognitionRole } from '../workflows/recognition';

/**
 * What each message says, in the words the firm uses: one `Message` per notification and
 * recipient, laid out as plain text here and as HTML by the email templates, so both parts
 * always say the same thing.
 */

/** A run of words; `strong` ones stand out in HTML (a deadline, a decision). */
export type Words = string | { strong: string };

export type Block =
  | { paragraph: Words[] }
  /** A titled list: deliverables, reasons, comments, conditions, criteria. */
  | { list: string; items: string[] }
  /** Someone's own text shown as it was written: the idea's description. */
  | { quote: string }
  /** A stagegate command the reader can run. */
  | { command: string };

export interface MessageLink {
  label: string;
  url: string;
}

export interface Message {
  subject: string;
  /** What the message is about (the idea's title), over the headline of the HTML part. */
  topic: string;
  /** The headline of the HTML part. */
  heading: string;
  greeting: string;
  body: Block[];
  /** The one thing to do, a button in HTML. */
  action?: MessageLink;
  /** A smaller link under the action. */
  aside?: MessageLink;
  /** What a reader may want to know before acting, after the action. */
  details: Block[];
  signature: string;
}

export interface MessageOptions {
  links: LinkBuilder;
  /** Times are shown in this IANA time zone (the business calendar's); UTC when absent. */
  timeZone?: string;
  /** The idea's process template's own words for its decisions (a discovery track's persevere, pivot, stop). */
  decisionLabels?: DecisionLabels;
}

const DECISION_WORDS: Record<Decision, string> = {
  go: 'go',
  'conditional-go': 'conditional go',
  kill: 'kill',
  hold: 'hold',
  recycle: 'recycle (rework and review again)',
};

/** A decision as a message says it: the template's own word, or the gate vocabulary's. */
const decisionWord = (decision: Decision, labels: DecisionLabels | undefined) => labels?.[decision]?.toLowerCase() ?? DECISION_WORDS[decision];

const paragraph = (...words: Words[]): Block => ({ paragraph: words });

/** What each role of a person thanked at launch did, in the words of its `recognised` event and the recognition report. */
const ROLE_THANKS: Record<RecognitionRole, (from: string) => string> = {
  submitter: () => 'As its submitter, you brought the idea.',
  champion: () => 'As its champion, you carried it through every stage and gate.',
  credited: (from) => `You are credited because your idea "${from}" was the same one, merged into it.`,
};
/** For someone who may decide the round alone: that their vote is the gate's decision, and on what figures. */
function authorityHeld(gate: NonNullable<Notification['gate']>, recipient: Person): Block[] {
  const held = gate.authorities?.find((holder) => holder.email === recipient.email);
  if (!held || gate.estimatedCost === undefined) return [];
  return [paragraph('You may decide this alone under your delegated authority (', { strong: figures(held.budget, gate.estimatedCost) }, "): your vote is the gate's decision.")];
}

/** What the submitter hears of: each of these carries their follow link, to the page of their own idea. */
const TO_SUBMITTER = new Set<Notification['purpose']>(['idea-received', 'decision', 'held', 'withdrawn', 'merged', 'recognition']);

/**
 * Everything one message says to one recipient; review and escalation messages carry freshly
 * signed links, and what the submitter is told carries their follow link (a year long).
 */
export function composeMessage(notification: Notification, recipient: Person, options: MessageOptions): Message {
  const message = composeFor(notification, recipient, options);
  if (recipient.email !== notification.idea.submitter.email || !TO_SUBMITTER.has(notification.purpose)) return message;
  const follow = { label: 'Follow your idea', url: options.links.follow(notification.idea.ideaId, recipient.email) };
  return message.action ? { ...message, aside: message.aside ?? follow } : { ...message, action: follow };
}

/**
 * What a submitter from outside the firm is sent before anything else: the link that confirms the
 * submission. Until it is followed the idea is only held, and nobody reviews it.
 */
export function composeConfirmation(args: { to: Person; title: string; question?: string; confirmUrl: string; expiresAt: string }, options: { timeZone?: string }): Message {
  const { when } = clockFor(options.timeZone);
  return {
    subject: `Please confirm your idea "${args.title}"`,
    topic: args.title,
    heading: 'Confirm your idea',
    greeting: `Hello ${args.to.name},`,
    body: [
      paragraph(`Thank you for your idea "${args.title}"${args.question ? `, in answer to "${args.question}"` : ''}. Please confirm that you sent it: only then does it go to the people who review ideas.`),
      paragraph('The link works until ', { strong: when(args.expiresAt) }, '. If you did not send this idea, ignore this email and nothing happens.'),
    ],
    action: { label: 'Confirm my idea', url: args.confirmUrl },
    details: [],
    signature: 'stagegate · the idea portal',
  };
}

function composeFor(notification: Notification, recipient: Person, options: MessageOptions): Message {
  const { idea, stage, gate, decision, hold } = notification;
  const { when, day } = clockFor(options.timeZone);
  const title = `"${idea.title}"`;
  const word = (decision: Decision) => decisionWord(decision, options.decisionLabels);
  const base = { topic: idea.title, greeting: `Hello ${recipient.name},`, details: [] as Block[], signature: `stagegate · ${idea.processName} · idea ${idea.ideaId}` };
  const lists = (...entries: [title: string, items: string[]][]): Block[] => entries.filter(([, items]) => items.length > 0).map(([list, items]) => ({ list, items }));
  const markReady = [paragraph('When the work is ready, mark it ready for review:'), { command: `stagegate idea ready ${idea.ideaId} --by ${idea.champion.email} --notes "..."` }];

  switch (notification.purpose) {
    case 'idea-received':
      return {
        ...base,
        subject: `Thank you: your idea ${title} is in`,
        heading: 'Thank you for your idea',
        body: [paragraph(`Thank you for your idea ${title}. It now follows the ${idea.processName} process, and you will hear about every decision and the reasons for it.`)],
      };
    case 'stage-entered':
      return {
        ...base,
        subject: `${title}: ${stage!.name} has started`,
        heading: `${stage!.name} has started`,
        body: [
          paragraph(`${title} is now in the stage ${stage!.name}, planned to finish by `, { strong: when(stage!.dueAt) }, '.'),
          ...lists(['What the reviewers asked for', stage!.feedback], ['What the gate will want to see', stage!.deliverables]),
          ...(stage!.plansPilot
            ? [paragraph(`The gate after ${stage!.name} leads into ${stage!.plansPilot}: plan what it measures, for how long and where, and mark ${stage!.name} ready on the planning page. The reviewers approve the plan with their votes.`)]
            : markReady),
        ],
        ...(stage!.plansPilot ? { action: { label: 'Plan the pilot and mark ready', url: options.links.plan(idea.ideaId, stage!.id, recipient.email) }, details: markReady } : {}),
      };
    case 'stage-overrun':
      return {
        ...base,
        subject: `Reminder: ${stage!.name} for ${title} was due ${day(stage!.dueAt)}`,
        heading: `${stage!.name} is overdue`,
        body: [
          paragraph(`${stage!.name} for ${title} was planned to finish by `, { strong: when(stage!.dueAt) }, ' and is not marked ready for review yet.'),
          ...lists(['Still expected', stage!.deliverables]),
          ...markReady,
        ],
      };
    case 'conditions-reminder': {
      const open = notification.conditions ?? [];
      return {
        ...base,
        subject: `Reminder: conditions for ${title} are still open`,
        heading: 'Conditions still open',
        body: [
          paragraph(`The work of ${stage!.name} for ${title} is in, but ${open.length === 1 ? 'a condition' : `${open.length} conditions`} of the conditional go ${open.length === 1 ? 'is' : 'are'} not marked met yet. The idea goes on once ${open.length === 1 ? 'it is' : 'they are'}.`),
          ...lists(['Still to be met', open.map((condition) => condition.text)]),
          paragraph('When they are met, say so:'),
          { command: `stagegate idea conditions-met ${idea.ideaId} --by ${idea.champion.email}` },
        ],
      };
    }
    case 'review-request':
    case 'review-reminder': {
      const reminder = notification.purpose === 'review-reminder';
      return {
        ...base,
        subject: `${reminder ? 'Reminder: ' : ''}${gate!.name} for ${title}: your decision is needed by ${day(gate!.deadlineAt)}`,
        heading: reminder ? 'Your decision is still needed' : 'Your decision is needed',
        body: [
          paragraph(`${title} (${idea.source} idea from ${idea.submitter.name}) is at ${gate!.name}, round ${gate!.round}. Your decision is needed by `, { strong: when(gate!.deadlineAt) }, '.'),
          ...authorityHeld(gate!, recipient),
          paragraph('Opening the review page changes nothing: you decide go, conditional go, kill, hold or recycle on the page.'),
        ],
        action: { label: 'Review and decide', url: options.links.review(idea.ideaId, gate!.id, gate!.round, recipient.email) },
        aside: { label: 'Everything waiting on you', url: options.links.pending(recipient.email) },
        details: [
          { quote: idea.description },
          ...lists(['Score each criterion from 1 (poor) to 5 (excellent)', gate!.criteria.map((c) => `${c.label}${c.minimum ? `, must be at least ${c.minimum}` : ''}`)]),
        ],
      };
    }
    case 'escalation':
      return {
        ...base,
        subject: `Escalation: ${gate!.name} for ${title} has no decision`,
        heading: `${gate!.name} has no decision`,
        body: [
          paragraph(`${gate!.name} for ${title} passed its deadline (`, { strong: when(gate!.deadlineAt) }, ') without a decision.'),
          ...(gate!.awaiting.length > 0 ? [paragraph(`Still waiting on: ${gate!.awaiting.join(', ')}.`)] : []),
          paragraph('As escalation contact you can decide for the gate.'),
        ],
        action: { label: 'Decide for the gate', url: options.links.decide(idea.ideaId, gate!.id, gate!.round, recipient.email) },
      };
    case 'decision': {
      const toChampion = recipient.email === idea.champion.email;
      const conditions: Block[] =
        decision!.conditions.length === 0
          ? []
          : toChampion
            ? [
                ...lists(['Conditions you must meet before the next gate', decision!.conditions]),
                paragraph('When they are met, mark them met:'),
                { command: `stagegate idea conditions-met ${idea.ideaId} --by ${idea.champion.email}` },
              ]
            : lists([`Conditions ${idea.champion.name} must meet before the next gate`, decision!.conditions]);
      return {
        ...base,
        subject: `${title}: ${gate!.name} decided ${word(decision!.decision)}`,
        heading: `${gate!.name} decided ${word(decision!.decision)}`,
        body: [
          paragraph(
            `${gate!.name} (round ${decision!.round}) decided `,
            { strong: word(decision!.decision) },
            ` for ${title}${decision!.score !== undefined ? `, with a weighted score of ${decision!.score} out of 5` : ''}.`,
          ),
          paragraph(`Decided by ${authorityOf(decision!)}.`),
          ...lists(
            ['Why', decision!.reasons],
            ['What the reviewers said', decision!.comments.map((c) => `${c.reviewer} (${word(c.decision)})${c.comment ? `: ${c.comment}` : ''}`)],
          ),
          ...conditions,
        ],
      };
    }
    case 'held':
      return {
        ...base,
        subject: `${title} is on hold`,
        heading: 'On hold',
        body: [paragraph(`${title} is on hold: ${hold!.reason}`), paragraph('It comes back for review by ', { strong: when(hold!.revisitAt) }, ' at the latest.')],
      };
    case 'withdrawn':
      return {
        ...base,
        subject: `${title} was withdrawn`,
        heading: 'Withdrawn',
        body: [paragraph(`${title} was withdrawn by ${notification.actor}${notification.reason ? `: ${notification.reason}` : '.'}`), paragraph('No further review is needed.')],
      };
    case 'merged': {
      const survivor = `"${notification.survivor!.title}"`;
      const credit = recipient.email === idea.submitter.email ? `You are credited on ${survivor} as a contributor.` : `${idea.submitter.name}, who proposed it, is credited on ${survivor} as a contributor.`;
      return {
        ...base,
        subject: `${title} was merged into ${survivor}`,
        heading: 'Merged with a similar idea',
        body: [
          paragraph(`${title} describes the same thing as ${survivor} (idea ${notification.survivor!.ideaId}), so ${notification.actor} merged the two: ${survivor} goes on, and ${title} ends here${notification.reason ? `. Why: ${notification.reason}` : '.'}`),
          paragraph(credit),
          paragraph('No further review of this idea is needed.'),
        ],
      };
    }
    case 'kpi-reminder':
      return {
        ...base,
        subject: `${title}: the pilot's readings are due`,
        heading: 'Pilot readings are due',
        body: [
          notification.pilot!.nextCheckAt
            ? paragraph(
                `${notification.pilot!.started ? `The pilot of ${title} (${notification.pilot!.stageName}) has started` : `The pilot of ${title} (${notification.pilot!.stageName}) goes on`}; it runs until `,
                { strong: when(notification.pilot!.endsAt) },
                '. Enter these readings by ',
                { strong: when(notification.pilot!.nextCheckAt) },
                ' (the link opens the KPI page, with the readings so far):',
              )
            : paragraph(`The pilot of ${title} (${notification.pilot!.stageName}) runs until `, { strong: when(notification.pilot!.endsAt) }, '. These readings have not come in since the last check:'),
          ...lists(['Due', notification.pilot!.due.map((kpi) => `${kpi.label} (target ${kpi.target}${kpi.unit ? ` ${kpi.unit}` : ''})`)]),
          paragraph('Or from the command line:'),
          { command: `stagegate pilot record ${idea.ideaId} --by ${recipient.email} ${notification.pilot!.due.map((kpi) => `--kpi ${kpi.id}=...`).join(' ')}` },
        ],
        action: { label: 'Enter the readings', url: options.links.kpi(idea.ideaId, notification.pilot!.stage, notification.pilot!.run, recipient.email) },
      };
    case 'kpi-alert': {
      const alert = notification.pilot!.alert!;
      const unit = alert.unit ? ` ${alert.unit}` : '';
      return {
        ...base,
        subject: `${alert.level === 'kill' ? 'Pilot ended' : 'Alert'}: ${alert.label} for ${title} is ${alert.value}${unit}`,
        heading: alert.level === 'kill' ? 'The pilot ended early' : `${alert.label} needs attention`,
        body: [
          paragraph(`${alert.label} for ${title} read `, { strong: `${alert.value}${unit}` }, alert.belowTarget ? `, short of its target of ${alert.threshold}${unit}.` : `, past the ${alert.level === 'kill' ? 'kill' : 'alert'} threshold of ${alert.threshold}${unit}.`),
          ...(recipient.email === idea.champion.email ? [] : [paragraph(`${idea.champion.name} (the champion) is told too.`)]),
          paragraph(alert.level === 'kill' ? 'The pilot ends early and its gate opens, with the readings so far.' : 'The pilot goes on; the next readings will show whether it recovers.'),
        ],
      };
    }
    case 'recognition': {
      const thanks = notification.thanks;
      // Before the recognition patch one message thanked the submitter and the champion together, without roles.
      if (!thanks) {
        return {
          ...base,
          subject: `${title} is launched: thank you, ${recipient.name}`,
          heading: `Thank you, ${recipient.name}`,
          body: [
            paragraph(`${title} is launched. Thank you, ${recipient.name}: ideas like yours are how we get better.`),
            paragraph(`Submitted by ${idea.submitter.name}, championed by ${idea.champion.name}.`),
          ],
        };
      }
      const roles = rolesInWords(thanks.roles);
      return {
        ...base,
        subject: `${title} is launched: thank you, ${recipient.name} (${roles})`,
        heading: `Thank you, ${recipient.name}`,
        body: [
          paragraph(`${title} is launched. Thank you, ${recipient.name}, its `, { strong: roles }, ': ideas like this one are how we get better.'),
          ...thanks.roles.map((role) => paragraph(ROLE_THANKS[role](thanks.from?.title ?? ''))),
          paragraph(`Submitted by ${idea.submitter.name}, championed by ${idea.champion.name}.`),
        ],
      };
    }
  }
}

/** The words of a block without emphasis. */
export function plainWords(words: Words[]): string {
  return words.map((run) => (typeof run === 'string' ? run : run.strong)).join('');
}

function blockText(block: Block): string {
  if ('paragraph' in block) return plainWords(block.paragraph);
  if ('list' in block) return `${block.list}:\n${block.items.map((item) => `  - ${item}`).join('\n')}`;
  if ('quote' in block) return block.quote;
  return `  ${block.command}`;
}

const linkText = (link: MessageLink) => `${link.label}:\n  ${link.url}`;

/** The plain-text part: every block, the links written out, and the signature. */
export function renderText(message: Message): string {
  const parts = [
    message.greeting,
    ...message.body.map(blockText),
    ...[message.action, message.aside].filter((link): link is MessageLink => link !== undefined).map(linkText),
    ...message.details.map(blockText),
  ];
  return `${parts.join('\n\n')}\n\n-- \n${message.signature}`;
}
