/*
 * The bare Temporal workflows bench/journeys.js measures stagegate against: the shape of an
 * express journey (17 activities, 2 updates, 2 timed waits, in the groups the recorded express
 * history shows), of an smb-lite journey (35 activities, 7 updates, 5 timed waits and a pilot
 * child of 5 activities, 1 update and 1 timed wait), as test/fixtures/histories/
 * idea-history-atonce-go-express.json and idea-history-atonce-go-smb-lite*.json show: the
 * similar ideas looked for on submission, and the thanks at launch, are activities too. Not
 * copied: stagegate's local activities (a round's people, the awaited reviewers' pseudonyms)
 * and its search-attribute upserts, which are stagegate's own logic and a vote target (one update whose handler runs
 * one activity), with no stagegate logic and no-op activities. Bundled on their own
 * (bundleWorkflowCode), on a task queue of their own.
 */
'use strict';

const { condition, defineUpdate, executeChild, proxyActivities, setHandler, workflowInfo } = require('@temporalio/workflow');

const { step } = proxyActivities({ startToCloseTimeout: '1 minute' });

const castVote = defineUpdate('castVote');
const markReady = defineUpdate('markReady');

/** A refusal in the validator, as stagegate's "not at this gate" is: nothing reaches history. */
function notNow(what) {
  throw new Error(`not waiting for ${what}`);
}

async function bareJourney() {
  let waitingFor;
  let voted = false;
  let ready = false;
  setHandler(castVote, () => { voted = true; return { recorded: true }; }, { validator: () => (waitingFor === 'vote' && !voted ? undefined : notNow('a vote')) });
  setHandler(markReady, () => { ready = true; }, { validator: () => (waitingFor === 'ready' && !ready ? undefined : notNow('ready')) });

  // Submitted: 6 activities (one, three at once, two), then the gate waits for a vote for a day.
  await step('submitted');
  await Promise.all([step('stage-entered'), step('gate-opened'), step('similar-ideas')]);
  await step('review-request');
  await step('review-request-sent');
  waitingFor = 'vote';
  await condition(() => voted, '1 day');
  // Decided: 5 activities, then the launch stage waits for ready for a week.
  await Promise.all([step('vote-cast'), step('decided')]);
  await step('decision-notice');
  await Promise.all([step('stage-entered'), step('work-request')]);
  waitingFor = 'ready';
  await condition(() => ready, '7 days');
  // Ready: 6 activities (the thanks among them), and the journey ends.
  await step('ready');
  await Promise.all([step('launched'), step('ended')]);
  await Promise.all([step('launch-notice'), step('recognised')]);
  await step('thank-you');
  return 'launched';
}

const recordReading = defineUpdate('recordReading');

/**
 * smb-lite's shape: votes at three gates (one at the first, two at the others), the champion's
 * ready twice, and a pilot child that waits for a reading. Like stagegate's, each vote's handler
 * starts its activity (the vote recorded) and answers without waiting for it.
 */
async function bareSmbJourney() {
  let waitingFor;
  let votesWanted = 0;
  let ready = false;
  const recording = [];
  setHandler(castVote, () => {
    votesWanted--;
    recording.push(step('vote-cast'));
    return { recorded: true };
  }, { validator: () => (waitingFor === 'vote' && votesWanted > 0 ? undefined : notNow('a vote')) });
  setHandler(markReady, () => { ready = true; }, { validator: () => (waitingFor === 'ready' && !ready ? undefined : notNow('ready')) });
  const votes = async (wanted, timeout) => {
    votesWanted = wanted;
    waitingFor = 'vote';
    await condition(() => votesWanted === 0, timeout);
    waitingFor = undefined;
  };
  const readyFor = async (timeout) => {
    ready = false;
    waitingFor = 'ready';
    await condition(() => ready, timeout);
    waitingFor = undefined;
  };

  // Submitted: 6 activities, then the idea screen waits for one vote.
  await step('submitted');
  await Promise.all([step('stage-entered'), step('gate-opened'), step('similar-ideas')]);
  await step('review-request');
  await step('review-request-sent');
  await votes(1, '5 days');
  // Decided (4 more activities beside the vote's), then Build waits for ready.
  await Promise.all([step('decided'), step('decision-notice')]);
  await step('stage-entered');
  await step('work-request');
  await readyFor('21 days');
  // Ready: 3 activities, then Go to pilot waits for two votes.
  await Promise.all([step('ready'), step('gate-opened')]);
  await step('review-request');
  await votes(2, '7 days');
  // Decided: 7 activities and the pilot beside them, which waits for a reading.
  await Promise.all([step('decided'), step('decision-notice')]);
  await step('stage-entered');
  await Promise.all([executeChild(barePilot, { workflowId: `${workflowInfo().workflowId}:pilot` }), step('pilot-started')]);
  await step('pilot-ended');
  await step('gate-opened');
  await step('review-request');
  // Go to launch waits for two votes (5 activities with theirs), then Launch waits for ready.
  await votes(2, '7 days');
  await Promise.all([step('decided'), step('decision-notice')]);
  await step('stage-entered');
  await step('work-request');
  await readyFor('14 days');
  // Ready: 6 activities (the thanks among them), and the journey ends.
  await step('ready');
  await Promise.all([step('launched'), step('ended')]);
  await Promise.all([step('launch-notice'), step('recognised')]);
  await step('thank-you');
  await Promise.all(recording);
  return 'launched';
}

/** The pilot's shape: 2 activities (the champion asked for readings), it waits for a reading (one update), then 3 activities. */
async function barePilot() {
  let read = false;
  setHandler(recordReading, async () => {
    read = true;
    return { recorded: true };
  }, { validator: () => (read ? notNow('a reading') : undefined) });
  await step('readings-request');
  await step('pilot-started');
  await condition(() => read, '28 days');
  await step('kpi-recorded');
  await step('kpi-alert');
  await step('pilot-ended');
  return 'ended';
}

const vote = defineUpdate('vote');
const ack = defineUpdate('ack');

/** One update whose handler runs one activity before it answers (`vote`), and one that answers at once (`ack`). */
async function bareVoteTarget() {
  let done = false;
  setHandler(ack, () => ({ recorded: true }));
  setHandler(vote, async () => {
    await step('vote');
    done = true;
    return { recorded: true };
  });
  await condition(() => done, '1 day');
  return 'voted';
}

module.exports = { bareJourney, bareSmbJourney, barePilot, bareVoteTarget };
