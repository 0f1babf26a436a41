/*
 * The bare Temporal workflows bench/journeys.js measures stagegate against: the shape of an
 * express journey (14 activities, 2 updates, 2 timed waits, in the groups the recorded express
 * history shows) and a vote target (one update whose handler runs one activity), with no
 * stagegate logic and no-op activities. Bundled on their own (bundleWorkflowCode), on a task
 * queue of their own.
 */
'use strict';

const { condition, defineUpdate, proxyActivities, setHandler } = require('@temporalio/workflow');

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

  // Submitted: 5 activities (one, two at once, two), then the gate waits for a vote for a day.
  await step('submitted');
  await Promise.all([step('stage-entered'), step('gate-opened')]);
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
  // Ready: 4 activities, and the journey ends.
  await step('ready');
  await Promise.all([step('launched'), step('ended')]);
  await step('launch-notice');
  return 'launched';
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

module.exports = { bareJourney, bareVoteTarget };
