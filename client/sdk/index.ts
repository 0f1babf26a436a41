import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  Client,
  Connection,
  WorkflowExecutionAlreadyStartedError,
  type WorkflowExecutionInfo,
  type WorkflowHandle,
} from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
// The list iterator's own decoding of a raw execution (memo through the codec, search attributes), for pages the iterator does not hand out.
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers';
import type { UpdateDefinition } from '@temporalio/common';
import { ZodError, type z } from 'zod';
import { ADMIN_ROLE, adminsOf, authorityFor, currentPeopleDirectory, standInsOn, type PeopleDirectory, type StandIn } from '../../config/people';
import { decisionLabelsOf, loadProcesses, resolveProcess, type ProcessDefinition } from '../../config/process';
import { claimedGoalProblems } from '../../config/goals';
import { DEFAULT_PROCESS, routeIdea, routingProblems, type Route, type RoutedIdea } from '../../config/routing';
import { loadSettings, loadTemporalConnection, sourceOfAddress, type Settings } from '../../config/settings';
import { findScope, loadNetworkOf, NETWORK_SCOPE, networkPeopleReader, scopeSettings, settingsOfMember } from '../../config/network';
import { explainConnectFailure } from '../../config/temporal';
import { ConfigError, formatIssue } from '../../config/yaml';
import { createCodec, forgetInStore, ideaKeyName, ideasSubmittedBy, openSealedStore, type Codec, type Erasure } from '../../codec';
import { findReport, REPORTS, reportRangeSchema, runReport } from '../../reports';
import {
  castVoteUpdate,
  categoriseUpdate,
  claimMergeUpdate,
  delegateReviewUpdate,
  holdUpdate,
  mergeUpdate,
  ideaPartWorkflowId,
  ideaWorkflowId,
  IDEA_WORKFLOW_PREFIX,
  markConditionsMetUpdate,
  markReadyUpdate,
  pilotPlanQuery,
  overrideDecisionUpdate,
  processKey,
  reassignReviewerUpdate,
  resumeUpdate,
  recordKpiReadingsUpdate,
  recordKpiUpdate,
  pilotAnswerQuery,
  pilotStatusQuery,
  releaseMergeClaimSignal,
  reviewOpenedSignal,
  sourceKey,
  stageKey,
  statusKey,
  awaitingKey,
  sharedKey,
  statusQuery,
  withdrawUpdate,
} from '../../workflows/messages';
import { reviewerPseudonym } from '../../links';
import { closedReason } from '../../workflows/round';
import { amount, figures } from '../../workflows/authority';
import { planProblems } from '../../workflows/pilot-plan';
import { numberSeparators, type NumberSeparators } from '../../workflows/kpi-rules';
import { IDEA_STATUSES } from '../../workflows/state';
import type { IdeaJourneyInput, IdeaOutcome, IdeaStatus, IdeaStatusName, KpiReceipt, PilotPlanTemplate, PilotStatus, ReplacementReceipt, StoppedHow, VoteReceipt } from '../../workflows/state';
import type { ideaJourney, reviewLinkResend, webhookDelivery } from '../../workflows';
import type { ReviewLinkRequest } from '../../workflows/review-link';
import { webhookDeliveryId, webhookDeliveryInput } from '../../workflows/webhook';
import type { Campaign, CampaignAudience, PendingSubmission, Store, WebhookDelivery } from '../../store';
import { clientInterceptors } from './connection';
import { explain, invalidInput, StageGateError } from './errors';
import {
  actionSchema,
  campaignCloseSchema,
  campaignIdSchema,
  campaignSchema,
  type CampaignCloseInput,
  type CampaignInput,
  categoriseSchema,
  type CategoriseInput,
  contributorSchema,
  delegationSchema,
  mergeSchema,
  peopleSyncSchema,
  standInDaySchema,
  type MergeInput,
  kpiReadingSchemaFor,
  kpiReadingsSchema,
  kpiReadingsSchemaFor,
  type KpiReadingInput,
  type KpiReadingsInput,
  holdSchema,
  type ActionInput,
  type DelegationInput,
  type PeopleSyncInput,
  type HoldInput,
  ideaIdSchema,
  ideaSubmissionSchema,
  submittedThroughSchema,
  type IdeaSubmission,
  listFilterSchema,
  type ListFilter,
  overrideSchema,
  type OverrideInput,
  type Person,
  readySchema,
  type Ready,
  type ReadyInput,
  reviewOpenedSchema,
  voteSchema,
  type VoteInput,
  webhookDeliveryIdSchema,
  webhookListSchema,
  type WebhookListInput,
} from './inputs';

/** Every refusal and failure of the SDK, with a `code` to branch on (see the README's table). */
export { StageGateError, type StageGateErrorCode } from './errors';
/** The zod schemas of every input and the types they accept (`IdeaSubmission`, `VoteInput`, ...), the same ones the CLI and the HTTP API use. */
export * from './inputs';
/** What the SDK answers with: an idea's status and outcome, vote and KPI receipts, a pilot's status and plan. */
export type { IdeaOutcome, IdeaStatus, IdeaStatusName, KpiReceipt, PilotPlanTemplate, PilotStatus, RecordedVote, ReplacementReceipt, StoppedHow, VoteReceipt } from '../../workflows/state';
export type { StandIn } from '../../config/people';
/** A pilot's KPI readings and their summary (latest, trend, target met), as `pilotStatus` gives them. */
export type { KpiPoint, KpiSummary } from '../../workflows/kpi-rules';
export type { Campaign, CampaignAudience, WebhookDelivery } from '../../store';
export type { WebhookBody } from '../../webhooks/events';
export { verifyWebhook, WebhookVerificationError, WEBHOOK_TOLERANCE_SECONDS } from '../../webhooks/signature';

/** What `submitIdea` answers: the idea's id and its Temporal workflow id. */
export interface SubmittedIdea {
  ideaId: string;
  workflowId: string;
  /** False when an idea with this id already existed: the same journey is returned, never a second one. */
  created: boolean;
}

/** One line of `listIdeas`: what Temporal's visibility store knows of an idea, without asking its journey. */
export interface IdeaSummary {
  ideaId: string;
  title: string;
  status?: IdeaStatusName;
  stage?: string;
  process?: string;
  source?: string;
  submittedAt: string;
  /** Temporal stopped the journey (failed, timed out, terminated, cancelled): it is stuck in its status, not moving. */
  stopped?: StoppedHow;
  /** A network idea: the members it is shared with. */
  sharedWith?: string[];
}

/** Who reassigns rounds when nobody runs `people sync` by hand: the worker that noticed the people file change. */
export const PEOPLE_SYNC_ACTOR = 'people-file';

/** One reviewer replaced in an open round by `syncPeople`: who left, why, and who was asked instead (none when nobody was left). */
export interface Reassigned {
  ideaId: string;
  title: string;
  gate: string;
  round: number;
  from: string;
  to?: string;
  why: 'removed' | 'deactivated';
}

/** A gate round waiting on one reviewer's vote (`pendingReviews`). */
export interface PendingReview {
  ideaId: string;
  title: string;
  gate: string;
  gateName: string;
  round: number;
  deadlineAt: string;
}

/** Whether a campaign takes submissions now: `upcoming` before it opens, `closed` after it closes or was closed. */
export type CampaignStatus = 'upcoming' | 'open' | 'closed';

/** A campaign as the SDK answers it: as kept, with its status now. */
export interface CampaignView extends Campaign {
  status: CampaignStatus;
}

/** What `submitFromPortal` answers: the idea started (staff), or held until its confirmation link is followed (everyone else). */
export type PortalReceipt = { ideaId: string; held: false; created: boolean } | { ideaId: string; held: true; expiresAt: string };

/** How many submissions from one address may wait for confirmation at once: a bot cannot fill someone's inbox. */
export const MAX_PENDING_PER_ADDRESS = 3;

/** How `StageGateClient.connect` finds its settings and Temporal; everything is optional. */
export interface ConnectOptions {
  settings?: Settings;
  /** An open connection to reuse; the client then leaves closing it to the caller. */
  connection?: Connection;
  namespace?: string;
  /**
   * In an innovation network (the `network` setting): the member to act as, or `network` for the
   * network's own ideas. The client then has that member's settings, people and namespace, and
   * sees the network ideas shared with it besides its own; nothing of any other member's.
   */
  member?: string;
  /** What the member's settings become before the client uses them (`stagegate dev`: the embedded secrets of its data folder). */
  prepare?: (settings: Settings) => Settings;
}

/** Where a client stands in an innovation network. */
interface NetworkScope {
  /** The member's id, or `network`. */
  id: string;
  /** Every member's id (the network's ideas are shared with them unless their process says). */
  members: string[];
  /** The network's people directory as the members' files say now: every member's people, tagged with their member (network scope only). */
  people?: () => PeopleDirectory;
  /** A member's view of the network's namespace: the network ideas shared with it are read there. */
  shared?: { client: Client; settings: Settings; codec?: Codec };
}

/** The one way into stagegate: submit ideas, follow them, and act on them. */
export class StageGateClient {
  private processesCache?: Map<string, ProcessDefinition>;
  private separatorsCache?: NumberSeparators;
  /**
   * The key that signs page cursors, so a cursor this deployment did not hand out is refused before
   * it reaches Temporal (whose client retries the UNKNOWN a forged token draws, for about 20 s):
   * derived from the link secret, so every web server of the firm takes the others' cursors; without
   * one, this client's own.
   */
  private readonly cursorKey: Buffer;
  private routingChecked = false;

  private constructor(
    readonly client: Client,
    readonly settings: Settings,
    private readonly ownsConnection: boolean,
    /** The payload codec, when the settings name keys: everything this client sends is encrypted, and what it reads decrypted. */
    readonly codec: Codec | undefined,
    private readonly network?: NetworkScope,
  ) {
    this.cursorKey = settings.linkSecret ? createHmac('sha256', settings.linkSecret).update('stagegate page cursor').digest() : randomBytes(32);
  }

  /** The member this client acts for in an innovation network (`network` for the network's own ideas); undefined in a single-firm installation. */
  get member(): string | undefined {
    return this.network?.id;
  }

  /** Connects with Temporal's own environment conventions (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, ...). */
  static async connect(options: ConnectOptions = {}): Promise<StageGateClient> {
    const installation = options.settings ?? loadSettings();
    const scoped = networkScope(installation, options.member, options.prepare);
    const settings = scoped?.settings ?? installation;
    const temporal = loadTemporalConnection();
    const connection = options.connection ?? (await Connection.connect({ ...temporal.connectionOptions, interceptors: clientInterceptors() }).catch(async (err: unknown) => {
      throw await explainConnectFailure(err, temporal);
    }));
    const codec = createCodec(settings);
    const client = new Client({ connection, namespace: scoped?.namespace ?? options.namespace ?? temporal.namespace, ...(codec ? { dataConverter: codec.dataConverter } : {}) });
    if (!scoped) return new StageGateClient(client, settings, !options.connection, codec);
    const { network } = scoped;
    const scope: NetworkScope = { id: scoped.id, members: network.members.map((member) => member.id) };
    if (scoped.id === NETWORK_SCOPE) scope.people = networkPeopleReader(installation, network);
    else {
      const networkSettings = (options.prepare ?? ((same: Settings) => same))(scopeSettings(installation, network.network));
      const networkCodec = createCodec(networkSettings);
      scope.shared = { client: new Client({ connection, namespace: network.network.namespace, ...(networkCodec ? { dataConverter: networkCodec.dataConverter } : {}) }), settings: networkSettings, codec: networkCodec };
    }
    return new StageGateClient(client, settings, !options.connection, codec, scope);
  }

  private storeOpened?: Promise<Store>;

  /** The events store (sealed when the codec has keys), opened on first use and kept until `close()`: campaigns and held submissions live there. */
  private store(): Promise<Store> {
    this.storeOpened ??= openSealedStore(this.settings);
    return this.storeOpened;
  }

  /** Closes the connection the client opened (not one it was handed), the codec's key store and the events store it opened. */
  async close(): Promise<void> {
    if (this.storeOpened) await (await this.storeOpened).close();
    await this.codec?.close();
    await this.network?.shared?.codec?.close();
    if (this.ownsConnection) await this.client.connection.close();
  }

  /** The process templates of `processesDir`, by id, read once. */
  processes(): Map<string, ProcessDefinition> {
    this.processesCache ??= loadProcesses(this.settings.processesDir);
    return this.processesCache;
  }

  /** The people directory of `peopleFile` as the file says now (read again whenever it changed): who may review, decide and administer. */
  people(): PeopleDirectory {
    return this.network?.people?.() ?? currentPeopleDirectory(this.settings.peopleFile);
  }

  /** Who stands in for whom on a day (today, UTC, unless given): the people file's absences. */
  standIns(on?: string): StandIn[] {
    const day = on === undefined ? new Date().toISOString().slice(0, 10) : parse('on', standInDaySchema, on);
    return standInsOn(this.people(), day);
  }

  /**
   * Starts an idea's journey; submitting an existing id returns that idea's journey (created: false).
   * With an `idempotencyKey` (the HTTP API's Idempotency-Key, scoped by the caller), an idea without
   * an id of its own gets one derived from the key, and the same key sent with another submission
   * is refused (`idempotency-key-reused`) rather than answered with an idea it does not describe.
   * `through` says how the idea came in, recorded on its `submitted` event (`sdk` unless given).
   */
  async submitIdea(submission: IdeaSubmission, options: { idempotencyKey?: string; through?: z.input<typeof submittedThroughSchema> } = {}): Promise<SubmittedIdea> {
    return this.startIdea(submission, { ...options, campaignOpenAt: new Date().toISOString() });
  }

  /** `submitIdea`, with the campaign checked open at `campaignOpenAt` (a held submission: when it was made). */
  private async startIdea(submission: IdeaSubmission, options: { idempotencyKey?: string; through?: z.input<typeof submittedThroughSchema>; campaignOpenAt: string }): Promise<SubmittedIdea> {
    const { input, resolved, champion, route } = await this.prepareSubmission(submission, options.campaignOpenAt);
    // The digest of what was asked, kept in the memo: a retry must ask for the same idea.
    const request = options.idempotencyKey === undefined ? undefined : createHash('sha256').update(JSON.stringify(input)).digest('hex');
    const ideaId = input.ideaId ?? (options.idempotencyKey === undefined ? newIdeaId(input.title) : idempotentIdeaId(options.idempotencyKey));
    const { ideaId: _given, champion: _champion, process: _process, ...fields } = input;
    const journeyInput: IdeaJourneyInput = {
      idea: { ...fields, ideaId, champion, ...(route ? { route } : {}) },
      process: resolved,
      admins: adminsOf(this.people()),
      calendar: this.settings.calendar,
      historyLimit: this.settings.journeyHistoryLimit,
      submittedThrough: parse('through', submittedThroughSchema, options.through ?? {}),
    };
    const workflowId = ideaWorkflowId(ideaId);
    // A network idea is seen by the members its process names, every member unless it names some.
    const sharedWith = this.network?.id === NETWORK_SCOPE ? (resolved.sharedWith ?? this.network.members) : undefined;
    try {
      await this.client.workflow.start<typeof ideaJourney>('ideaJourney', {
        workflowId,
        taskQueue: this.settings.taskQueue,
        args: [journeyInput],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: [
          { key: statusKey, value: 'in-stage' },
          { key: stageKey, value: resolved.stages[0]!.id },
          { key: processKey, value: resolved.id },
          { key: sourceKey, value: input.source },
          ...(sharedWith ? [{ key: sharedKey, value: sharedWith }] : []),
        ],
        memo: { title: input.title, submitter: input.submitter.email, ...(request ? { request } : {}), ...(sharedWith ? { sharedWith } : {}) },
      });
      return { ideaId, workflowId, created: true };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw explain(err, ideaId);
      if (request) {
        const { memo } = await this.handle(ideaId).describe().catch((failed: unknown) => {
          throw explain(failed, ideaId);
        });
        if (memo?.request !== request) {
          throw new StageGateError('idempotency-key-reused', `Idempotency key "${options.idempotencyKey}" was first sent with another submission (idea "${ideaId}"); nothing was changed. Send a new key for a new idea, or the same submission again to get the first answer.`);
        }
      }
      return { ideaId, workflowId, created: false };
    }
  }

  /**
   * Where the routing rules send an idea the caller names no process for: the first rule that
   * matches, why, and why each earlier one did not; undefined without rules (the idea goes to
   * `smb-lite`). The rules' processes and champions are checked against the templates and the
   * people directory once, before the first idea is routed.
   */
  route(idea: RoutedIdea): Route | undefined {
    if (!this.routingChecked) {
      const problems = routingProblems(this.settings.routing, { processes: [...this.processes().keys()], people: this.people().people.map((person) => person.email) });
      if (problems.length > 0) throw new StageGateError('config', `The routing rules name what is not there; nothing was started:\n${problems.map((problem) => `settings: ${problem}`).join('\n')}`);
      this.routingChecked = true;
    }
    return routeIdea(this.settings.routing, idea);
  }

  /**
   * A submission checked as `submitIdea` checks it, with its campaign open at `at`, its claimed
   * goals active then, and its process resolved: the one it names, else its campaign's, else the
   * one the routing rules choose (which may name the champion too).
   */
  private async prepareSubmission(submission: IdeaSubmission, at: string) {
    const input = parse('idea', ideaSubmissionSchema, submission);
    const goalProblems = claimedGoalProblems(this.settings.goals, input.strategicGoals, at.slice(0, 10));
    if (goalProblems.length > 0) throw new StageGateError('invalid-input', goalProblems.map((problem) => `idea: ${problem}`).join('\n'));
    const campaign = input.campaign === undefined ? undefined : await this.openCampaign(input.campaign, at);
    const routed = input.process === undefined && !campaign?.process ? this.route(input) : undefined;
    const processId = input.process ?? campaign?.process ?? routed?.rule.process ?? DEFAULT_PROCESS;
    const process = this.processes().get(processId);
    if (!process) {
      throw new StageGateError('unknown-process', `No process "${processId}"; known processes: ${[...this.processes().keys()].join(', ')}.`);
    }
    const routedChampion = routed?.rule.champion === undefined ? undefined : this.people().people.find((person) => person.email === routed.rule.champion);
    const champion: Person = input.champion ?? (routedChampion ? { email: routedChampion.email, name: routedChampion.name } : input.submitter);
    const route = routed ? { rule: routed.rule.id, why: routed.why } : undefined;
    try {
      return { input, campaign, champion, route, resolved: resolveProcess(process, this.people(), { submitter: input.submitter.email, champion: champion.email, estimatedCost: input.estimatedCost }) };
    } catch (err) {
      if (err instanceof ConfigError) throw new StageGateError('no-reviewers', err.message, { cause: err });
      throw err;
    }
  }

  /** The campaign, if it takes submissions at `at`; a refusal saying why not otherwise. */
  private async openCampaign(id: string, at: string): Promise<CampaignView> {
    const campaign = await this.getCampaign(id);
    const status = campaignStatus(campaign, at);
    if (status === 'upcoming') throw new StageGateError('campaign-not-open', `Campaign "${id}" opens on ${campaign.opensAt}; nothing was submitted.`);
    if (status === 'closed') throw new StageGateError('campaign-closed', `Campaign "${id}" closed on ${campaign.closedAt ?? campaign.closesAt}; nothing was submitted.`);
    return campaign;
  }

  /** Opens a campaign: a question, its audience, when it takes submissions, and the process its ideas go to. */
  async createCampaign(input: CampaignInput): Promise<CampaignView> {
    const parsed = parse('campaign', campaignSchema, input);
    if (parsed.process !== undefined && !this.processes().has(parsed.process)) {
      throw new StageGateError('unknown-process', `No process "${parsed.process}"; known processes: ${[...this.processes().keys()].join(', ')}.`);
    }
    const now = new Date().toISOString();
    const { by, ...fields } = parsed;
    const campaign: Campaign = { ...fields, opensAt: parsed.opensAt ?? now, createdAt: now, createdBy: by };
    if (campaign.closesAt !== undefined && campaign.closesAt <= campaign.opensAt) {
      throw invalidInput('campaign', new ZodError([{ code: 'custom', path: ['closesAt'], message: 'must be after opensAt', input: campaign.closesAt }]));
    }
    if (!(await (await this.store()).addCampaign(campaign))) throw new StageGateError('campaign-exists', `A campaign "${campaign.id}" exists already; nothing was changed. Choose another id.`);
    return { ...campaign, status: campaignStatus(campaign, now) };
  }

  /** Every campaign, the latest opening first, with its status now. */
  async listCampaigns(): Promise<CampaignView[]> {
    const now = new Date().toISOString();
    return (await (await this.store()).campaigns()).map((campaign) => ({ ...campaign, status: campaignStatus(campaign, now) }));
  }

  /** One campaign with its status now; `unknown-campaign` when there is none of that id. */
  async getCampaign(id: string): Promise<CampaignView> {
    const campaignId = parse('campaign', campaignIdSchema, id);
    const campaign = await (await this.store()).campaign(campaignId);
    if (!campaign) throw new StageGateError('unknown-campaign', `No campaign "${campaignId}"; stagegate campaign list shows them.`);
    return { ...campaign, status: campaignStatus(campaign, new Date().toISOString()) };
  }

  /** Closes a campaign now: it takes no more submissions. Closing a closed campaign changes nothing. */
  async closeCampaign(id: string, close: CampaignCloseInput): Promise<CampaignView> {
    const { by } = parse('close', campaignCloseSchema, close);
    const campaign = await this.getCampaign(id);
    if (campaign.closedAt === undefined) await (await this.store()).closeCampaign(campaign.id, new Date().toISOString(), by);
    return this.getCampaign(id);
  }

  /**
   * A submission from the portal, by someone who did not log in. From the firm's own domains
   * (`staffDomains`) it starts the idea at once; from anyone else it is held in the events store,
   * outside Temporal, until the confirmation link is followed (`confirmSubmission`), so a flood
   * of made-up submissions never starts a journey or reaches a reviewer. The campaign must be open
   * and admit the submitter's audience.
   */
  async submitFromPortal(submission: IdeaSubmission): Promise<PortalReceipt> {
    const now = new Date();
    const { input, campaign } = await this.prepareSubmission(submission, now.toISOString());
    const source = sourceOfAddress(this.settings, input.submitter.email);
    if (campaign && !admits(campaign.audience, source)) {
      throw new StageGateError('not-in-audience', `Campaign "${campaign.id}" is open to ${campaign.audience.join(', ')}; ${input.submitter.email} is not among them, so nothing was submitted.`);
    }
    if (source === 'employee') {
      const started = await this.startIdea(submission, { through: { via: 'portal' }, campaignOpenAt: now.toISOString() });
      return { ideaId: started.ideaId, held: false, created: started.created };
    }
    const store = await this.store();
    if ((await store.countPendingSubmissions(input.submitter.email, now.toISOString())) >= MAX_PENDING_PER_ADDRESS) {
      throw new StageGateError('too-many-pending', `${MAX_PENDING_PER_ADDRESS} submissions from ${input.submitter.email} already wait for confirmation: follow the links in those emails first. Nothing was submitted.`);
    }
    // The same form sent again is the submission already held; an id someone else's submission holds is not theirs to take.
    const given = input.ideaId === undefined ? undefined : await store.pendingSubmission(input.ideaId, now.toISOString());
    if (given?.email === input.submitter.email) return { ideaId: given.id, held: true, expiresAt: given.expiresAt };
    const pending: PendingSubmission = {
      id: input.ideaId !== undefined && !given ? input.ideaId : newIdeaId(input.title),
      email: input.submitter.email,
      ...(input.campaign ? { campaign: input.campaign } : {}),
      submission: { ...submission },
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.settings.linkTtl).toISOString(),
    };
    await store.addPendingSubmission(pending);
    return { ideaId: pending.id, held: true, expiresAt: pending.expiresAt };
  }

  /** The title of a submission held for confirmation, or undefined when nothing is held under that id. */
  async heldSubmission(ideaId: string): Promise<{ title: string; email: string; campaign?: string } | undefined> {
    const id = parse('ideaId', ideaIdSchema, ideaId);
    const pending = await (await this.store()).pendingSubmission(id, new Date().toISOString());
    return pending && { title: String(pending.submission.title ?? ''), email: pending.email, ...(pending.campaign ? { campaign: pending.campaign } : {}) };
  }

  /**
   * Starts the idea of a held submission, once its confirmation link was followed: the idea gets
   * the id it was held under, so following the link again (a double click, a reload, two tabs at
   * once) starts one idea. Undefined when nothing is held under that id (expired, or started and
   * forgotten already), or when `submitter` is named and did not send it.
   */
  async confirmSubmission(ideaId: string, options: { submitter?: string } = {}): Promise<SubmittedIdea | undefined> {
    const id = parse('ideaId', ideaIdSchema, ideaId);
    const store = await this.store();
    const pending = await store.pendingSubmission(id, new Date().toISOString());
    // A confirmation link confirms the submission of the address it was sent to, no other.
    if (!pending || (options.submitter !== undefined && pending.email !== options.submitter.toLowerCase())) return undefined;
    const started = await this.startIdea({ ...(pending.submission as IdeaSubmission), ideaId: pending.id }, { through: { via: 'portal' }, campaignOpenAt: pending.createdAt });
    await store.deletePendingSubmission(pending.id);
    return started;
  }

  /** Where an idea stands: stage, status, open gate round, who has voted and who has not, deadlines, timeline. */
  async getIdea(ideaId: string): Promise<IdeaStatus & { sharedWith?: string[] }> {
    const id = parse('ideaId', ideaIdSchema, ideaId);
    await this.refuseForgotten(id);
    await this.locate(id);
    // A query needs a worker too: without one, say so rather than hang. The description, which
    // needs none, says whether Temporal stopped the journey, which its own state cannot.
    const handle = this.handle(id);
    const [status, description] = await this.answered(id, () => Promise.all([handle.query(statusQuery), handle.describe()]));
    const stopped = stoppedHow(description.status.name);
    const sharedWith = description.typedSearchAttributes.get(sharedKey);
    return { ...status, ...(stopped ? { stopped } : {}), ...(sharedWith ? { sharedWith } : {}) };
  }

  /** Which namespace holds each network idea this member has looked at: the network's, once it proved shared with the member. */
  private readonly located = new Map<string, Client>();

  /**
   * A member's client finds a network idea shared with it in the network's namespace. Anything
   * else (another member's idea, a network idea not shared with it) stays unknown: it is not in
   * the member's own namespace, and nothing says whether it exists anywhere else.
   */
  private async locate(ideaId: string): Promise<void> {
    const shared = this.network?.shared;
    if (!shared || this.located.has(ideaId)) return;
    const own = await this.client.workflow.getHandle(ideaWorkflowId(ideaId)).describe().then(() => true, () => false);
    if (own) return;
    const description = await shared.client.workflow.getHandle(ideaWorkflowId(ideaId)).describe().catch(() => undefined);
    if (description?.typedSearchAttributes.get(sharedKey)?.includes(this.network!.id)) this.located.set(ideaId, shared.client);
  }

  /**
   * Polls the idea until `check` holds and returns the status that passed; an idea not yet known
   * (just submitted) is waited for too. Fails after `timeoutMs` with the last status seen.
   */
  async waitFor(ideaId: string, check: (status: IdeaStatus) => boolean, timeoutMs = 30_000): Promise<IdeaStatus> {
    const until = Date.now() + timeoutMs;
    let last: IdeaStatus | undefined;
    for (;;) {
      try {
        last = await this.getIdea(ideaId);
        if (check(last)) return last;
      } catch (err) {
        if (!(err instanceof StageGateError && err.code === 'unknown-idea') || Date.now() > until) throw err;
      }
      if (Date.now() > until) {
        throw new StageGateError('wrong-status', `Idea "${ideaId}" did not get there in ${timeoutMs} ms; it is ${last?.status} in ${last?.stage.id}${last?.round ? `, round ${last.round.round} of ${last.round.gate}` : ''}.`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** A forgotten idea's data key is gone: say so plainly rather than fail to read its history. */
  private async refuseForgotten(ideaId: string): Promise<void> {
    const at = await this.codec?.keys.destroyedAt(ideaKeyName(ideaId));
    if (at) throw new StageGateError('forgotten', `Idea "${ideaId}" was forgotten on ${at} at the request of the person who submitted it: its data key was destroyed, so nothing about it can be read any more.`);
  }

  /**
   * Forgets a person (right to erasure): destroys the data keys of the ideas they submitted, so
   * those journeys' payloads in Temporal's history are unreadable for good, pseudonymises them in
   * the events store and deletes their outbox messages. An idea of theirs still under way is
   * refused, unless `withdraw` names the admin (`by`) who withdraws it first. Needs the codec.
   */
  async forgetPerson(email: string, options: { withdraw?: { by: string } } = {}): Promise<Erasure & { withdrawn: string[] }> {
    const address = parse('email', contributorSchema.shape.email, email);
    const codec = this.codec;
    if (!codec) throw new StageGateError('config', 'Forgetting a person needs the payload codec: set STAGEGATE_CODEC_KEYS or STAGEGATE_CODEC_KEY_FILE (stagegate dev keeps one in its data folder).');
    const raw = await codec.keys.keyStore();
    const ideas = await ideasSubmittedBy(raw, codec.keys, address);
    const running: string[] = [];
    for (const { ideaId } of ideas) {
      if ((await codec.keys.destroyedAt(ideaKeyName(ideaId))) !== undefined) continue;
      const description = await this.handle(ideaId).describe().catch(() => undefined);
      if (description?.status.name === 'RUNNING') running.push(ideaId);
    }
    if (running.length && !options.withdraw) {
      throw new StageGateError('wrong-status', `${address} submitted ideas still under way: ${running.join(', ')}. Nothing was changed; withdraw them first (--withdraw --by <admin>), then forget.`);
    }
    for (const ideaId of running) {
      await this.withdraw(ideaId, { by: options.withdraw!.by, reason: 'withdrawn to forget its submitter' });
      await this.outcome(ideaId);
    }
    const erasure = await forgetInStore(raw, codec.keys, address, ideas);
    return { ...erasure, withdrawn: running };
  }

  /** What the journey says of itself, without asking Temporal whether it was stopped: for a command about to be sent, which fails by itself on a stopped journey. */
  private async journeyState(ideaId: string): Promise<IdeaStatus> {
    const id = parse('ideaId', ideaIdSchema, ideaId);
    await this.locate(id);
    return this.answered(id, () => this.handle(id).query(statusQuery));
  }

  /** Ideas by stage, status, source or process, newest first, from Temporal's visibility store. */
  async listIdeas(filter: ListFilter = {}): Promise<IdeaSummary[]> {
    const { limit, ...by } = parse('filter', listFilterSchema, filter);
    const own = await this.listWhere(this.listQuery(by), limit);
    const shared = this.network?.shared;
    if (!shared) return own;
    // A member's list holds the network ideas shared with it, found by StageGateShared in the network's namespace.
    const network = await this.listWhere(`${this.listQuery(by, shared.settings.taskQueue)} AND ${sharedKey.name} = '${this.network!.id}'`, limit, shared.client);
    return [...own, ...network].sort((a, b) => b.submittedAt.localeCompare(a.submittedAt)).slice(0, limit);
  }

  /**
   * One page of `listIdeas`, newest first: at most `limit` ideas and, when more match, `next`, an
   * opaque cursor to pass back with the same filter for the page after. Pages come from Temporal's
   * visibility store, so an idea started meanwhile does not shift the pages already handed out.
   */
  async listIdeasPage(filter: ListFilter = {}, cursor?: string): Promise<{ ideas: IdeaSummary[]; next?: string }> {
    const { limit, ...by } = parse('filter', listFilterSchema, filter);
    const query = this.listQuery(by);
    // A cursor is the page token signed with the list's query: one from another filter, or altered, is refused here.
    const sign = (token: string) => createHmac('sha256', this.cursorKey).update(`${query}\n${token}`).digest().subarray(0, 16);
    let nextPageToken: Uint8Array | undefined;
    if (cursor !== undefined) {
      const [mac = '', token = '', ...rest] = cursor.split('.');
      const given = Buffer.from(mac, 'base64url');
      if (!token || rest.length > 0 || given.length !== 16 || !timingSafeEqual(given, sign(token))) throw new StageGateError('invalid-input', 'page: cursor: expected the `next` cursor of an earlier page of this same list (same filters)');
      nextPageToken = Buffer.from(token, 'base64url');
    }
    const namespace = this.client.options.namespace;
    let response;
    try {
      response = await this.client.workflowService.listWorkflowExecutions({ namespace, query, pageSize: limit, nextPageToken });
    } catch (err) {
      // The server says INVALID_ARGUMENT for some bad page tokens and UNKNOWN for others.
      if (cursor !== undefined && GRPC_BAD_PAGE_TOKEN.includes((err as { code?: number }).code ?? 0)) throw new StageGateError('invalid-input', 'page: cursor: this cursor is not one Temporal handed out, or it expired', { cause: err });
      throw err;
    }
    const ideas = await Promise.all(response.executions.map(async (raw) => summarise(await executionInfoFromRaw(raw, this.client.options.loadedDataConverter, raw, namespace))));
    const token = response.nextPageToken;
    if (!token?.length) return { ideas };
    const encoded = Buffer.from(token).toString('base64url');
    return { ideas, next: `${sign(encoded).toString('base64url')}.${encoded}` };
  }

  /** The visibility query of a list: this deployment's ideas, with the filter's clauses. */
  private listQuery(by: Omit<z.output<typeof listFilterSchema>, 'limit'>, taskQueue = this.settings.taskQueue): string {
    // Scoped to this deployment's task queue, so several stagegates can share a namespace.
    const clauses = [journeysOn(taskQueue)];
    const keys = { stage: stageKey, status: statusKey, source: sourceKey, process: processKey };
    for (const [field, value] of Object.entries(by)) {
      if (value !== undefined) clauses.push(`${keys[field as keyof typeof keys].name} = '${value.replace(/'/g, "''")}'`);
    }
    return clauses.join(' AND ');
  }

  /** Ideas a visibility query finds, newest first, up to `limit`. */
  private async listWhere(query: string, limit: number, client = this.client): Promise<IdeaSummary[]> {
    const ideas: IdeaSummary[] = [];
    for await (const execution of client.workflow.list({ query })) {
      ideas.push(summarise(execution));
      if (ideas.length >= limit) break;
    }
    return ideas;
  }

  /**
   * Runs a report (`funnel`, `kill-rate`, ... see `REPORTS`) over the events store named by the
   * settings (SQLite in the data folder, or PostgreSQL with DATABASE_URL).
   */
  async report(name: string, range: { from?: string; to?: string } = {}): Promise<unknown> {
    const report = findReport(name);
    if (!report) throw new StageGateError('invalid-input', `No report "${name}"; reports: ${REPORTS.map((r) => r.name).join(', ')}.`);
    const parsed = parse('range', reportRangeSchema, range);
    const store = await openSealedStore(this.settings);
    try {
      return await runReport(report, store, parsed, { goals: this.settings.goals, decisionLabels: decisionLabelsOf(this.processes().values()) });
    } finally {
      await store.close();
    }
  }

  /** How many ideas are in each status, from Temporal's visibility store. */
  async countIdeas(): Promise<Record<IdeaStatusName, number>> {
    const counts = {} as Record<IdeaStatusName, number>;
    for (const status of IDEA_STATUSES) {
      const { count } = await this.client.workflow.count(`${this.scope()} AND ${statusKey.name} = '${status}'`);
      counts[status] = count;
    }
    return counts;
  }

  /** This deployment's ideas: the journey workflows on its task queue. */
  private scope(): string {
    return journeysOn(this.settings.taskQueue);
  }

  /**
   * Open gate rounds waiting on this reviewer's vote, oldest deadline first. Found by the
   * reviewer's pseudonym in `StageGateAwaiting` (one visibility query, however many ideas are in
   * review), plus the ideas in review that do not show it (journeys started before it, a round
   * opening this instant); each is then asked for its round, so a vote just cast drops it at once.
   * Without a link secret there are no pseudonyms, and every idea in review is asked.
   */
  async pendingReviews(reviewer: string): Promise<PendingReview[]> {
    const email = parse('reviewer', contributorSchema.shape.email, reviewer);
    const inReview = `${this.scope()} AND ${statusKey.name} = 'in-review'`;
    const candidates = this.settings.linkSecret
      ? await this.listWhere(`${inReview} AND (${awaitingKey.name} = '${reviewerPseudonym(this.settings.linkSecret, email)}' OR ${awaitingKey.name} IS NULL)`, PENDING_LIMIT)
      : await this.listWhere(inReview, PENDING_LIMIT);
    const rounds = await Promise.all(
      candidates.map(async (summary) => {
        const idea = await this.getIdea(summary.ideaId).catch(() => undefined);
        const round = idea?.status === 'in-review' && idea.round?.phase !== 'closing' ? idea.round : undefined;
        if (!idea || !round || !round.reviewers.some((person) => person.email === email && !person.voted)) return [];
        return [{ ideaId: idea.ideaId, title: idea.title, gate: round.gate, gateName: round.gateName, round: round.round, deadlineAt: round.deadlineAt }];
      }),
    );
    return rounds.flat().sort((a, b) => a.deadlineAt.localeCompare(b.deadlineAt));
  }

  /**
   * Emails a reviewer a fresh review link for a round still waiting on them, worded as the
   * round's review request. Asked again within the same ten minutes, it sends nothing more
   * (`sent: false`). Refused when the round is not open (`gate-closed`), the person is not one of
   * its reviewers (`not-a-reviewer`) or has already voted (`already-voted`).
   */
  async sendReviewLink(ideaId: string, request: { reviewer: string; gate: string; round: number }): Promise<{ sent: boolean; to: string }> {
    const email = parse('reviewer', contributorSchema.shape.email, request.reviewer);
    const idea = await this.journeyState(ideaId);
    const round = idea.round;
    if (idea.status !== 'in-review' || !round || round.phase === 'closing' || round.gate !== request.gate || round.round !== request.round) {
      throw new StageGateError('gate-closed', `Round ${request.round} of ${request.gate} for "${idea.title}" is not open any more.`);
    }
    const reviewer = round.reviewers.find((person) => person.email === email);
    if (!reviewer) throw new StageGateError('not-a-reviewer', `${email} is not among the reviewers of ${round.gateName}.`);
    if (reviewer.voted) throw new StageGateError('already-voted', `${reviewer.name} has already voted in ${round.gateName}, round ${round.round}.`);
    const message: ReviewLinkRequest = {
      purpose: 'review-request',
      to: [{ email: reviewer.email, name: reviewer.name }],
      idea: { ideaId: idea.ideaId, title: idea.title, description: idea.description, source: idea.source, submitter: idea.submitter, champion: idea.champion, processName: idea.process.name },
      gate: {
        id: round.gate,
        name: round.gateName,
        round: round.round,
        deadlineAt: round.deadlineAt,
        criteria: round.criteria.map((criterion) => ({ id: criterion.id, label: criterion.label, minimum: criterion.minimum })),
        awaiting: round.reviewers.filter((person) => !person.voted).map((person) => person.name),
      },
    };
    // Keyed with the link secret where there is one, so the id in Temporal's list does not give the address away to a dictionary.
    const who = (this.settings.linkSecret ? createHmac('sha256', this.settings.linkSecret) : createHash('sha256')).update(email).digest('hex').slice(0, 12);
    const bucket = Math.floor(Date.now() / REVIEW_LINK_BUCKET_MS);
    try {
      await this.client.workflow.start<typeof reviewLinkResend>('reviewLinkResend', {
        workflowId: ideaPartWorkflowId(idea.ideaId, 'link', round.gate, round.round, who, bucket),
        taskQueue: this.settings.taskQueue,
        args: [message],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
      });
      return { sent: true, to: reviewer.email };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return { sent: false, to: reviewer.email };
      throw explain(err, idea.ideaId);
    }
  }

  /**
   * Webhook deliveries from the events store, newest first: how each ended, after how many
   * attempts, the receiver's last answer. `failed: true` lists the dead letters that no resend has
   * delivered since.
   */
  async webhookDeliveries(filter: WebhookListInput = {}): Promise<WebhookDelivery[]> {
    const parsed = parse('filter', webhookListSchema, filter);
    const store = await openSealedStore(this.settings);
    try {
      return await store.webhookDeliveries(parsed);
    } finally {
      await store.close();
    }
  }

  /**
   * Sends a delivery again, as a new delivery workflow with the same `webhook-id` (receivers drop
   * what they already have) and the settings' retry schedule; answers the new delivery's id.
   * `unknown-delivery` when no delivery has that id, `config` when its subscriber left the settings.
   */
  async resendWebhook(deliveryId: string): Promise<{ deliveryId: string }> {
    const id = parse('deliveryId', webhookDeliveryIdSchema, deliveryId);
    const store = await openSealedStore(this.settings);
    const [delivery] = await store.webhookDeliveries({ id, limit: 1 }).finally(() => store.close());
    if (!delivery) throw new StageGateError('unknown-delivery', `No webhook delivery "${id}" is known; stagegate webhook list names them.`);
    if (!this.settings.webhooks.some((subscriber) => subscriber.name === delivery.subscriber)) {
      throw new StageGateError('config', `No webhook subscriber is named "${delivery.subscriber}" in the settings any more, so ${id} cannot be sent again.`);
    }
    const resend = `${webhookDeliveryId(delivery.eventId, delivery.subscriber)}:resend-${Date.now()}`;
    await this.client.workflow.start<typeof webhookDelivery>('webhookDelivery', {
      workflowId: resend,
      taskQueue: this.settings.taskQueue,
      args: [webhookDeliveryInput(this.settings, { eventId: delivery.eventId, ideaId: delivery.ideaId, type: delivery.type }, delivery.subscriber)],
    });
    return { deliveryId: resend };
  }

  /** Tells the journey a reviewer opened the review page (time to open, opened but never voted). */
  async reviewOpened(ideaId: string, opened: { reviewer: string; round: number }): Promise<void> {
    const id = parse('ideaId', ideaIdSchema, ideaId);
    const input = parse('opened', reviewOpenedSchema, opened);
    try {
      await this.handle(id).signal(reviewOpenedSignal, input);
    } catch (err) {
      throw explain(err, id);
    }
  }

  /** How this firm writes numbers (the `locale` setting): KPI values given as text are read with it. */
  numberSeparators(): NumberSeparators {
    this.separatorsCache ??= numberSeparators(this.settings.locale);
    return this.separatorsCache;
  }

  /** A KPI reading for the idea's running pilot, judged against its target at once. A value given as text is read in the firm's locale. */
  async recordKpiReading(ideaId: string, reading: KpiReadingInput): Promise<KpiReceipt> {
    const input = parse('reading', kpiReadingSchemaFor(this.numberSeparators()), reading);
    const { workflowId } = await this.mayRecord(ideaId, input.by);
    return this.untilRoom(ideaId, () => this.client.workflow.getHandle(workflowId).executeUpdate(recordKpiUpdate, { args: [{ ...input, source: 'manual' }] }));
  }

  /**
   * Several KPI readings at once (a KPI page's form, `pilot record` with several `--kpi`): all
   * taken, or none if any is refused. With `form`, the update's id is derived from it, so the same
   * form sent twice (a double tap, a retry) is recorded once and answered with the first receipts.
   */
  async recordKpiReadings(ideaId: string, readings: KpiReadingsInput): Promise<KpiReceipt[]> {
    const { form, ...input } = parse('readings', kpiReadingsSchemaFor(this.numberSeparators()), readings);
    const { workflowId } = await this.mayRecord(ideaId, input.by);
    const handle = this.client.workflow.getHandle(workflowId);
    const updateId = form ? kpiFormUpdateId(form) : undefined;
    try {
      return await this.untilRoom(ideaId, () => handle.executeUpdate(recordKpiReadingsUpdate, { args: [input], updateId }));
    } catch (err) {
      if (!(err instanceof StageGateError && err.code === 'no-worker') || !form) throw err;
      const taken = await this.kpiForm(ideaId, form);
      if (taken) return taken;
      throw err;
    }
  }

  /**
   * What a KPI form recorded (its receipts), or undefined when the pilot recorded nothing under
   * that form id: asked of the pilot's current run, then of the answers the pilot carries from its
   * runs before (`pilot-remembers-answers`), so a confirmation still shows after it continued as new.
   */
  async kpiForm(ideaId: string, form: string): Promise<KpiReceipt[] | undefined> {
    const id = parse('form', kpiReadingsSchema.shape.form.unwrap(), form);
    const pilot = (await this.getIdea(ideaId)).stage.pilot;
    if (!pilot) return undefined;
    const handle = this.client.workflow.getHandle(pilot.workflowId);
    const within = <Result>(call: () => Promise<Result>): Promise<Result | undefined> => this.client.connection.withDeadline(Date.now() + OUTCOME_CHECK_MS, call).catch((): undefined => undefined);
    return (await within(() => handle.getUpdateHandle<KpiReceipt[]>(kpiFormUpdateId(id)).result())) ?? within(() => handle.query(pilotAnswerQuery, kpiFormUpdateId(id)));
  }

  /** The running pilot of an idea, if `by` may record its readings: the champion, the pilot's recorders, an admin. */
  private async mayRecord(ideaId: string, by: string): Promise<{ workflowId: string }> {
    const { idea, workflowId } = await this.runningPilotOf(ideaId);
    const pilot = await this.answered(ideaId, () => this.client.workflow.getHandle(workflowId).query(pilotStatusQuery));
    const recorders = (pilot.recorders ?? []).filter((email) => email !== idea.champion.email);
    this.authorise(by, `record KPI readings for "${idea.title}"`, {
      people: [{ email: idea.champion.email, as: 'the champion' }, ...recorders.map((email) => ({ email, as: "the pilot's recorders" }))],
      admin: true,
    });
    return { workflowId };
  }

  /** The running pilot's KPIs: readings, latest, trend, target met or not. */
  async pilotStatus(ideaId: string): Promise<PilotStatus> {
    const { workflowId } = await this.runningPilotOf(ideaId);
    return this.answered(ideaId, () => this.client.workflow.getHandle(workflowId).query(pilotStatusQuery));
  }

  private async runningPilotOf(ideaId: string): Promise<{ idea: IdeaStatus; workflowId: string }> {
    const idea = await this.getIdea(ideaId);
    const pilot = idea.stage.pilot;
    if (!pilot || pilot.endedAt) {
      throw new StageGateError('wrong-status', pilot ? `The pilot of ${idea.stage.name} ended ${pilot.endedAt}; readings are closed.` : `"${idea.title}" has no pilot running (it is ${idea.status} in ${idea.stage.name}).`);
    }
    return { idea, workflowId: pilot.workflowId };
  }

  /**
   * Refuses an actor the people directory does not know for what they ask, before anything is
   * sent: named people (the champion, the submitter, a pilot's recorders) may act whether or not
   * the directory lists them; everyone else must be in it, with the admin role where `admin` says
   * so. The journey checks again against its own snapshot.
   */
  private authorise(by: string, what: string, allowed: { people?: { email: string; as: string }[]; admin?: boolean; anyone?: string }, code: 'not-allowed' | 'not-a-reviewer' = 'not-allowed'): void {
    if (allowed.people?.some((person) => person.email === by)) return;
    const found = this.people().people.find((candidate) => candidate.email === by);
    // A deactivated person is asked nothing and may decide nothing, whatever their roles.
    const person = found?.active ? found : undefined;
    if (found && !found.active) throw new StageGateError(code, `${by} (${found.name}) is deactivated in the people directory (${this.settings.peopleFile}), so may not ${what}.`);
    if (person && (allowed.anyone || (allowed.admin && person.roles.includes(ADMIN_ROLE)))) return;
    const named = new Map<string, string[]>();
    for (const person of allowed.people ?? []) named.set(person.as, [...(named.get(person.as) ?? []), person.email]);
    const needed = [...[...named].map(([as, emails]) => `${as} (${emails.join(', ')})`), ...(allowed.admin ? [`an admin (role ${ADMIN_ROLE} in the people directory)`] : []), ...(allowed.anyone ? [allowed.anyone] : [])];
    const who = person ? `${by} (${person.name}, roles ${person.roles.join(', ') || 'none'})` : `${by}, who is not in the people directory (${this.settings.peopleFile}),`;
    throw new StageGateError(code, `${who} may not ${what}: that needs ${orList(needed)}.`);
  }

  /**
   * The champion says the stage's work is done and the gate can open. For the stage whose gate
   * leads into a pilot, `pilot` is the plan that pilot is to run (the template's default plan
   * when absent): checked here against the template's limits as the idea's snapshot has them, and
   * again by the journey. `planSource` names where the plan came from (a file, a form) in the
   * errors about it, which then give the plan's own field paths.
   */
  async markReady(ideaId: string, ready: ReadyInput, options: { planSource?: string } = {}): Promise<void> {
    const input = parseReady(ready, options.planSource);
    const idea = await this.journeyState(ideaId);
    this.authorise(input.by, `mark "${idea.title}" ready for review`, { people: [{ email: idea.champion.email, as: 'the champion' }], admin: true });
    if (input.pilot) {
      const [source, prefix] = options.planSource ? [options.planSource, ''] : ['ready', 'pilot.'];
      const template = await this.pilotPlan(ideaId);
      if (!template) throw new StageGateError('invalid-input', `${source}: ${prefix ? 'pilot' : '(root)'}: no pilot follows the gate of ${idea.stage.name}, so there is nothing to plan; mark it ready without a plan.`);
      const problems = planProblems(input.pilot, template.limits);
      if (problems.length) throw new StageGateError('invalid-input', problems.map((problem) => `${source}: ${prefix}${problem.field}: ${problem.message}`).join('\n'));
    }
    await this.update(ideaId, markReadyUpdate, input, commandId('ready', positionOf(idea), input.by, says(input)));
  }

  /**
   * What the champion may plan now, from the idea's own snapshot of its process: the template's
   * default plan and limits for the pilot after the current stage's gate, with the plan handed in
   * so far; undefined when no pilot follows the current stage.
   */
  async pilotPlan(ideaId: string): Promise<PilotPlanTemplate | undefined> {
    const id = parse('ideaId', ideaIdSchema, ideaId);
    return this.answered(id, () => this.handle(id).query(pilotPlanQuery));
  }

  /**
   * One reviewer's decision and scores at a gate round: the one it names, or the one open now.
   * The same vote sent twice (a double click, a retry after a timeout) is counted once and
   * answered with the first receipt; a different vote from the same reviewer is refused.
   */
  async castVote(ideaId: string, vote: VoteInput): Promise<VoteReceipt> {
    const parsed = parse('vote', voteSchema, vote);
    // A link was sent to the reviewer it names; anyone else must be a person of the directory (the journey checks they review this round).
    if (parsed.via !== 'link') this.authorise(parsed.reviewer, `vote on idea "${ideaId}"`, { anyone: 'a reviewer of the gate from the people directory' }, 'not-a-reviewer');
    await this.locate(parse('ideaId', ideaIdSchema, ideaId));
    const input = await this.aimed(ideaId, parsed);
    const { decision, scores, comment, conditions } = input;
    try {
      return await this.roundClosed(ideaId, input, this.update(ideaId, castVoteUpdate, input, commandId('vote', roundOf(input), input.reviewer, { decision, scores: Object.entries(scores).sort(), comment, conditions })));
    } catch (err) {
      if (err instanceof StageGateError && err.code === 'not-a-reviewer') throw (await this.outsideAuthority(ideaId, input.reviewer)) ?? err;
      throw err;
    }
  }

  /**
   * Why someone holding delegated authority at the open round's gate is not in the round, when
   * that is why their vote was refused: the idea's estimated cost is above their budget, it has
   * none, or it is their own idea. The committee decides it; the vote changed nothing.
   */
  private async outsideAuthority(ideaId: string, reviewer: string): Promise<StageGateError | undefined> {
    const idea = await this.journeyState(ideaId).catch(() => undefined);
    const round = idea?.round;
    const held = round && authorityFor(this.people(), reviewer, round.gate);
    if (!idea || !round || !held) return undefined;
    const cost = idea.estimatedCost;
    const own = reviewer === idea.submitter.email ? 'submitted' : reviewer === idea.champion.email ? 'is the champion of' : undefined;
    const why = own
      ? `${held.name} ${own} "${idea.title}", and nobody decides their own idea under delegated authority (${round.gateName} does not allow self-review)`
      : cost === undefined
        ? `"${idea.title}" has no estimated cost, so it is never decided under delegated authority`
        : held.budget < cost
          ? `"${idea.title}" is estimated at ${amount(cost)}, above ${held.name}'s delegated authority at ${round.gateName} (${figures(held.budget, cost)})`
          : undefined;
    if (!why) return undefined;
    return new StageGateError('not-allowed', `${why}: ${round.gateName} round ${round.round} is for its committee (${round.reviewers.map((person) => person.name).join(', ')}) to decide. The vote was refused; nothing was changed.`);
  }

  /** An admin or escalation contact decides a gate round (the one named, or the one open now), with a reason. */
  async overrideDecision(ideaId: string, override: OverrideInput): Promise<void> {
    const parsed = parse('decision', overrideSchema, override);
    this.authorise(parsed.by, `decide a gate round of idea "${ideaId}"`, { admin: true, anyone: "the gate's escalation contact" });
    const input = await this.aimed(ideaId, parsed);
    const { decision, reason, conditions } = input;
    await this.roundClosed(ideaId, input, this.update(ideaId, overrideDecisionUpdate, input, commandId('decide', roundOf(input), input.by, { decision, reason, conditions })));
  }

  /**
   * A reviewer hands their review in the idea's open round to a colleague, who is emailed their
   * own review link; the reviewer's link is refused from then on, and the hand-over is recorded
   * (`review_delegated`). Refused, nothing changed: a colleague not in the people directory or
   * deactivated (`invalid-delegation`), a reviewer not in the round (`not-a-reviewer`) or who has
   * voted (`already-voted`), a colleague already asked (`invalid-delegation`), and the idea's
   * submitter or champion unless the gate allows self-review (`not-allowed`). The same hand-over
   * twice (a double click) is one hand-over.
   */
  async delegateReview(ideaId: string, delegation: DelegationInput): Promise<ReplacementReceipt> {
    const parsed = parse('delegation', delegationSchema, delegation);
    const by = parsed.by ?? parsed.reviewer;
    if (parsed.via !== 'link') this.authorise(by, `hand over a review of idea "${ideaId}"`, { people: [{ email: parsed.reviewer, as: 'the reviewer' }], admin: true });
    const colleague = this.people().people.find((person) => person.email === parsed.to);
    if (!colleague) throw new StageGateError('invalid-delegation', `delegation: to: ${parsed.to} is not in the people directory (${this.settings.peopleFile}); hand the review to a colleague who is. Nothing was changed.`);
    if (!colleague.active) throw new StageGateError('invalid-delegation', `delegation: to: ${parsed.to} (${colleague.name}) is deactivated in the people directory; hand the review to an active colleague. Nothing was changed.`);
    const input = await this.aimed(ideaId, { reviewer: parsed.reviewer, to: { email: colleague.email, name: colleague.name }, by, gate: parsed.gate, round: parsed.round, via: parsed.via, ...(parsed.key ? { key: parsed.key } : {}) });
    return this.update(ideaId, delegateReviewUpdate, input, commandId('delegate', roundOf(input), input.reviewer, { to: input.to.email }));
  }

  /**
   * Replaces, in every open round, the reviewers still awaited who are no longer active in the
   * people directory (removed from the file, or `active: false`) by someone it has now: the next
   * of the gate's reviewers not asked yet, else its escalation contact (`reviewer_reassigned`, and
   * the new reviewer gets their review link). The rounds are found in one visibility query: those
   * whose `StageGateAwaiting` holds a pseudonym no active person has. Safe to run again, or from
   * several workers at once: each reassignment has one update id, and a reviewer already replaced
   * (or who voted) is left as they are.
   */
  async syncPeople(sync: PeopleSyncInput = {}): Promise<Reassigned[]> {
    const parsed = parse('sync', peopleSyncSchema, sync);
    if (parsed.by !== undefined) this.authorise(parsed.by, 'reassign the rounds of people who left', { admin: true });
    const by = parsed.by ?? PEOPLE_SYNC_ACTOR;
    const directory = this.people();
    const active = new Set(directory.people.filter((person) => person.active).map((person) => person.email));
    const secret = this.settings.linkSecret;
    const known = secret ? new Set([...active].map((email) => reviewerPseudonym(secret, email))) : undefined;
    const candidates: string[] = [];
    for await (const execution of this.client.workflow.list({ query: `${this.scope()} AND ${statusKey.name} = 'in-review'` })) {
      const awaiting = execution.typedSearchAttributes.get(awaitingKey) as string[] | undefined;
      // An idea that does not show whom it awaits (a journey before it did) is asked; one that does only if it awaits someone inactive.
      if (!known || !awaiting || awaiting.some((pseudonym) => !known.has(pseudonym))) candidates.push(execution.workflowId.slice(IDEA_WORKFLOW_PREFIX.length));
    }
    const reassigned: Reassigned[] = [];
    for (const ideaId of candidates) {
      const idea = await this.getIdea(ideaId).catch(() => undefined);
      const round = idea?.status === 'in-review' && idea.round?.phase !== 'closing' ? idea.round : undefined;
      if (!idea || !round || !round.standIns) continue;
      for (const reviewer of round.reviewers.filter((person) => !person.voted && !active.has(person.email))) {
        const why = directory.people.some((person) => person.email === reviewer.email) ? 'deactivated' : 'removed';
        const receipt = await this.update(ideaId, reassignReviewerUpdate, { reviewer: reviewer.email, why, by }, `reassign/${roundOf(round)}/${reviewer.email}`).catch((err: unknown) => {
          // Replaced or voted meanwhile (another worker's sync): nothing to do.
          if (err instanceof StageGateError && ['not-a-reviewer', 'already-voted', 'gate-closed', 'idea-ended'].includes(err.code)) return undefined;
          throw err;
        });
        if (receipt?.replaced) reassigned.push({ ideaId, title: idea.title, gate: round.gate, round: round.round, from: reviewer.email, ...(receipt.to ? { to: receipt.to } : {}), why });
      }
    }
    return reassigned;
  }

  /**
   * A vote or decision for a round whose decision ended the journey is refused by Temporal, not by
   * the journey: say `gate-closed` with who decided what and when, as the journey would have.
   */
  private async roundClosed<Result>(ideaId: string, target: { gate?: string; round?: number }, sent: Promise<Result>): Promise<Result> {
    try {
      return await sent;
    } catch (err) {
      if (!(err instanceof StageGateError && err.code === 'idea-ended')) throw err;
      const final = await this.journeyState(ideaId).catch(() => undefined);
      const reason = final && closedReason(undefined, final.decisions[final.decisions.length - 1], target, final.status);
      if (!final?.decisions.length || !reason) throw err;
      throw new StageGateError('gate-closed', reason, { cause: err });
    }
  }

  /** Names the round a vote or decision is for: the open one, unless the caller named one. */
  private async aimed<T extends { gate?: string; round?: number }>(ideaId: string, input: T): Promise<T> {
    if (input.gate !== undefined && input.round !== undefined) return input;
    const round = (await this.journeyState(ideaId)).round;
    if (!round) return input;
    return { ...input, gate: input.gate ?? round.gate, round: input.round ?? round.round };
  }

  /** The champion (or an admin) says the conditions of a conditional go are met, so the next gate can open. */
  async markConditionsMet(ideaId: string, action: ActionInput): Promise<void> {
    const input = parse('conditions', actionSchema, action);
    const idea = await this.journeyState(ideaId);
    this.authorise(input.by, `mark the conditions of "${idea.title}" met`, { people: [{ email: idea.champion.email, as: 'the champion' }], admin: true });
    await this.update(ideaId, markConditionsMetUpdate, input, commandId('conditions-met', positionOf(idea), input.by, says(input)));
  }

  /** An admin parks the idea, with a reason told to the submitter, until it is resumed or `revisitAfter` passes. */
  async hold(ideaId: string, hold: HoldInput): Promise<void> {
    const input = parse('hold', holdSchema, hold);
    this.authorise(input.by, `put idea "${ideaId}" on hold`, { admin: true });
    await this.update(ideaId, holdUpdate, input, commandId('hold', positionOf(await this.journeyState(ideaId)), input.by, says(input)));
  }

  /** An admin brings a held idea back where it was. */
  async resume(ideaId: string, action: ActionInput): Promise<void> {
    const input = parse('resume', actionSchema, action);
    this.authorise(input.by, `resume idea "${ideaId}"`, { admin: true });
    await this.update(ideaId, resumeUpdate, input, commandId('resume', positionOf(await this.journeyState(ideaId)), input.by, says(input)));
  }

  /** Withdrawing is once for good: the same request again is the same withdrawal. */
  async withdraw(ideaId: string, action: ActionInput): Promise<void> {
    const input = parse('withdraw', actionSchema, action);
    const idea = await this.journeyState(ideaId);
    this.authorise(input.by, `withdraw "${idea.title}"`, { people: [{ email: idea.submitter.email, as: 'the submitter' }], admin: true });
    await this.update(ideaId, withdrawUpdate, input, commandId('withdraw', 'idea', input.by, says(input)));
  }

  /**
   * A screener (a reviewer of the idea's first gate) or an admin merges a duplicate into its
   * survivor: the duplicate's journey ends `merged`, its submitter is told why and credited on the
   * survivor. Refused, before anything is sent, when the survivor is the idea itself
   * (`invalid-input`), has ended, was itself merged (a chain, or a cycle back to this idea) or
   * cannot take credit (`invalid-merge`), when the duplicate has ended (`idea-ended`), and when
   * `by` is neither screener nor admin (`not-allowed`). Refused too (`invalid-merge`, try again)
   * while the survivor is being merged itself or another idea is being merged into the duplicate,
   * as when two screeners merge each of two ideas into the other at the same instant.
   */
  async merge(ideaId: string, merge: MergeInput): Promise<{ ideaId: string; into: string }> {
    const id = parse('ideaId', ideaIdSchema, ideaId);
    const input = parse('merge', mergeSchema, merge);
    if (input.into === id) throw new StageGateError('invalid-input', `merge: into: an idea cannot be merged into itself ("${id}")`);
    const duplicate = await this.journeyState(id);
    if (duplicate.status === 'merged') throw new StageGateError('idea-ended', `"${duplicate.title}" was already merged into ${duplicate.mergedInto?.ideaId}; nothing was changed.`);
    if (['launched', 'killed', 'withdrawn'].includes(duplicate.status)) throw new StageGateError('idea-ended', `"${duplicate.title}" is ${duplicate.status}; only an idea under way can be merged. Nothing was changed.`);
    const screeners = duplicate.screeners;
    this.authorise(input.by, `merge "${duplicate.title}"`, { people: (screeners?.reviewers ?? []).map((email) => ({ email, as: `a screener (a reviewer of ${screeners!.name})` })), admin: true });
    const survivor = await this.getIdea(input.into);
    if (survivor.status === 'merged') {
      const next = survivor.mergedInto?.ideaId;
      throw new StageGateError('invalid-merge', next === id
        ? `"${survivor.title}" was merged into "${duplicate.title}" itself: merging back would make a cycle. Nothing was changed.`
        : `"${survivor.title}" was itself merged into ${next}: merge into ${next} instead, so no idea is merged into a chain. Nothing was changed.`);
    }
    if (['launched', 'killed', 'withdrawn'].includes(survivor.status)) throw new StageGateError('invalid-merge', `"${survivor.title}" is ${survivor.status}: an idea can be merged only into one under way. Nothing was changed.`);
    if (survivor.stopped) throw new StageGateError('invalid-merge', `"${survivor.title}" is not moving on (Temporal says its journey was ${survivor.stopped}): it cannot take a merge. Nothing was changed.`);
    if (!survivor.credited) throw new StageGateError('invalid-merge', `"${survivor.title}" started its journey before ideas could be merged, so it cannot credit anyone: merge into a newer idea, or withdraw "${duplicate.title}". Nothing was changed.`);
    if (survivor.credited.some((credit) => credit.from === id)) throw new StageGateError('invalid-merge', `"${duplicate.title}" was merged into "${survivor.title}" already. Nothing was changed.`);
    // Two phases, so that of two opposite merges at the same instant at most one goes through: the
    // survivor is claimed (refused if it is being merged itself), then the duplicate refuses the
    // merge while it is claimed in turn. A fresh update id each time: a claim is never an old answer.
    await this.update(input.into, claimMergeUpdate, { from: id });
    try {
      await this.update(id, mergeUpdate, { ...input, survivorTitle: survivor.title }, commandId('merge', 'idea', input.by, says(input)));
    } catch (err) {
      await this.handle(input.into).signal(releaseMergeClaimSignal, { from: id }).catch(() => undefined);
      throw err;
    }
    return { ideaId: id, into: input.into };
  }

  /** An admin sets (or changes) an idea's category, recorded as `categorised`. */
  async categorise(ideaId: string, categorise: CategoriseInput): Promise<void> {
    const input = parse('categorise', categoriseSchema, categorise);
    const idea = await this.journeyState(ideaId);
    this.authorise(input.by, `set the category of "${idea.title}"`, { admin: true });
    await this.update(ideaId, categoriseUpdate, input, commandId('categorise', positionOf(idea), input.by, says(input)));
  }

  /** Waits for the journey to end: launched, killed, withdrawn or merged. */
  async outcome(ideaId: string): Promise<IdeaOutcome> {
    const id = parse('ideaId', ideaIdSchema, ideaId);
    try {
      return await this.handle(id).result();
    } catch (err) {
      throw explain(err, id);
    }
  }

  private handle(ideaId: string): WorkflowHandle<typeof ideaJourney> {
    return (this.located.get(ideaId) ?? this.client).workflow.getHandle(ideaWorkflowId(ideaId));
  }

  /**
   * An update under an id derived from what it is, when it has one: a retry of the same command
   * returns the first answer. When no answer comes in time, Temporal is asked whether the update
   * was taken after all, so a vote that counted is never reported as lost.
   */
  private async update<Result, Arg>(ideaId: string, definition: UpdateDefinition<Result, [Arg]>, arg: Arg, updateId?: string): Promise<Result> {
    const id = parse('ideaId', ideaIdSchema, ideaId);
    if (this.located.has(id) && definition !== castVoteUpdate) {
      throw new StageGateError('not-allowed', `Idea "${id}" is the network's: a member reads it and its people vote on it, everything else is done in the network's own scope (member ${NETWORK_SCOPE}). Nothing was changed.`);
    }
    const handle = this.handle(id);
    // Update ids are kept in history unencrypted, and ours name who sent the command.
    if (updateId && this.codec) updateId = `${updateId.split('/')[0]}/${this.codec.opaque(updateId)}`;
    try {
      return await this.answered(id, () => handle.executeUpdate(definition, { args: [arg], updateId }));
    } catch (err) {
      if (!(err instanceof StageGateError && err.code === 'no-worker') || !updateId) throw err;
      const taken = await this.client.connection
        .withDeadline(Date.now() + OUTCOME_CHECK_MS, () => handle.getUpdateHandle<Result>(updateId).result())
        .then((result) => ({ result }))
        .catch((): undefined => undefined);
      if (taken) return taken.result;
      throw err;
    }
  }

  /** A call that needs a worker's answer, given up after `updateTimeout`, its failure explained. */
  private async answered<Result>(ideaId: string, call: () => Promise<Result>): Promise<Result> {
    const timeout = this.settings.updateTimeout;
    const deadline = Date.now() + timeout;
    try {
      for (let wait = NOT_SCHEDULED_RETRY_MS; ; wait = Math.min(wait * 2, NOT_SCHEDULED_RETRY_MAX_MS)) {
        try {
          return await this.client.connection.withDeadline(deadline, call);
        } catch (err) {
          // A run that has just continued as new answers nothing until its first task is scheduled: a
          // moment later it does. A query the server gave up on before our deadline (a pilot flooded
          // with readings keeps it waiting behind its tasks) is asked again: a query changes nothing.
          if (!(notScheduledYet(err) || queryTimedOutEarly(err)) || Date.now() + wait >= deadline) throw err;
          await new Promise((resolve) => setTimeout(resolve, wait));
        }
      }
    } catch (err) {
      // A margin for the server, which keeps its own copy of the deadline and may end the call first.
      const explained = explain(err, ideaId, timeout, Date.now() >= deadline - DEADLINE_MARGIN_MS);
      if (explained instanceof StageGateError && explained.code === 'no-worker' && !(await this.serverAnswers())) {
        throw new StageGateError('server-unreachable', `The Temporal server (TEMPORAL_ADDRESS) did not answer, so nothing was confirmed for idea "${ideaId}". Check that it is running and reachable, then try again: the same command is never counted twice.`, { cause: err });
      }
      throw explained;
    }
  }

  /**
   * Sends readings until the pilot has room for them: a pilot still recording the most readings it
   * holds turns more away (`pilot-busy`) having taken nothing, so sending again is safe. Tried again
   * after 20 ms, 40, 80... up to a quarter of a second apart, within `updateTimeout`; then the caller hears `pilot-busy`.
   */
  private async untilRoom<Result>(ideaId: string, call: () => Promise<Result>): Promise<Result> {
    const deadline = Date.now() + this.settings.updateTimeout;
    for (let wait = BUSY_RETRY_MS; ; wait = Math.min(wait * 2, BUSY_RETRY_MAX_MS)) {
      try {
        return await this.answered(ideaId, call);
      } catch (err) {
        if (!(err instanceof StageGateError && err.code === 'pilot-busy') || Date.now() + wait >= deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  /** Whether the Temporal server itself answers, to tell "no worker" from "no server". */
  private async serverAnswers(): Promise<boolean> {
    return this.client.connection
      .withDeadline(Date.now() + OUTCOME_CHECK_MS, () => this.client.workflowService.getSystemInfo({}))
      .then(() => true)
      .catch(() => false);
  }
}

/** One fresh review link per reviewer, round and ten minutes, however often the button is pressed. */
const REVIEW_LINK_BUCKET_MS = 10 * 60_000;

/** How long to wait for Temporal to say whether a timed-out update was taken, or whether it answers at all. */
const OUTCOME_CHECK_MS = 3_000;
const DEADLINE_MARGIN_MS = 500;
const NOT_SCHEDULED_RETRY_MS = 10;
const NOT_SCHEDULED_RETRY_MAX_MS = 200;
/** The gRPC status FAILED_PRECONDITION. */
const GRPC_FAILED_PRECONDITION = 9;

/** What Temporal answers a query (or an update) sent to a run whose first workflow task is not scheduled yet: nothing was asked or taken. */
function notScheduledYet(err: unknown): boolean {
  for (let cause = err; cause instanceof Error; cause = cause.cause) {
    if ((cause as { code?: unknown }).code === GRPC_FAILED_PRECONDITION && /workflow task is not scheduled yet/i.test(cause.message)) return true;
  }
  return false;
}
/** The server's own timeout of a query it could not hand to a worker in time (DEADLINE_EXCEEDED), which comes before ours. */
function queryTimedOutEarly(err: unknown): boolean {
  for (let cause = err; cause instanceof Error; cause = cause.cause) {
    if ((cause as { code?: unknown }).code === GRPC_DEADLINE_EXCEEDED && /query timed out before a worker could process it/i.test(cause.message)) return true;
  }
  return false;
}
const GRPC_DEADLINE_EXCEEDED = 4;
const BUSY_RETRY_MS = 20;
const BUSY_RETRY_MAX_MS = 250;
/** The gRPC statuses (UNKNOWN, INVALID_ARGUMENT) of a list whose page token the server did not issue. */
const GRPC_BAD_PAGE_TOKEN = [2, 3];

/** The update id of a KPI form's readings: the form's own id, so it is recorded once however often it is sent. */
function kpiFormUpdateId(form: string): string {
  return `kpi-form/${form}`;
}

/**
 * The update id of a command: what it is, where the idea stood (the gate round it is aimed at),
 * whose it is, and a digest of what it says, so the same command sent twice is one update and a
 * different one is not.
 */
function commandId(kind: string, where: string, by: string, says: unknown): string {
  const digest = createHash('sha256').update(JSON.stringify(says)).digest('hex').slice(0, 16);
  return `${kind}/${where}/${by}/${digest}`;
}

/**
 * Where the idea stands, as part of a command's update id: the same command sent twice at the
 * same point is one update, and the same words at a later point (after a recycle, a second hold) a new one.
 */
function positionOf({ stage, round, hold }: IdeaStatus): string {
  return [`${stage.id}@${stage.enteredAt}`, round ? roundOf(round) : '', hold ? `held@${hold.at}` : ''].filter(Boolean).join('/');
}

/** What a command says, for its update id: the same words from the CLI and from a link are the same command. */
function says<T extends { via?: unknown; key?: unknown }>({ via: _via, key: _key, ...rest }: T): Omit<T, 'via' | 'key'> {
  return rest;
}

/** "a", "a or b", "a, b or c". */
function orList(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? 'nobody') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

function roundOf(target: { gate?: string; round?: number }): string {
  return `${target.gate ?? '-'}#${target.round ?? '-'}`;
}

/** A ready command, parsed; with `planSource`, problems of its plan name that source and the plan's own field paths. */
function parseReady(ready: ReadyInput, planSource: string | undefined): Ready {
  const result = readySchema.safeParse(ready);
  if (result.success) return result.data;
  if (!planSource) throw invalidInput('ready', result.error);
  const inPlan = (issue: z.core.$ZodIssue) => issue.path[0] === 'pilot';
  const lines = [
    ...result.error.issues.filter(inPlan).map((issue) => formatIssue(planSource, { ...issue, path: issue.path.slice(1) })),
    ...result.error.issues.filter((issue) => !inPlan(issue)).map((issue) => formatIssue('ready', issue)),
  ];
  throw new StageGateError('invalid-input', lines.join('\n'), { cause: result.error });
}

function parse<Schema extends z.ZodType>(what: string, schema: Schema, value: unknown): z.output<Schema> {
  const result = schema.safeParse(value);
  if (!result.success) throw invalidInput(what, result.error);
  return result.data;
}

/** The id of an idea submitted under an idempotency key: the same key, the same idea. */
function idempotentIdeaId(key: string): string {
  return `key-${createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 24)}`;
}

/** A readable id: the title's first words and a random suffix, like `loyalty-cards-7f3a9c`. */
/** Whether a campaign open to `audience` takes a submitter whose address says `source` (employee, partner, or nothing: anyone else). */
function admits(audience: readonly CampaignAudience[], source: 'employee' | 'partner' | undefined): boolean {
  if (audience.includes('anyone')) return true;
  if (source === 'employee') return audience.includes('staff');
  if (source === 'partner') return audience.includes('partners');
  return audience.includes('customers') || audience.includes('network');
}

/** Whether a campaign takes submissions at `at`. */
export function campaignStatus(campaign: Campaign, at: string): CampaignStatus {
  if ((campaign.closedAt !== undefined && at >= campaign.closedAt) || (campaign.closesAt !== undefined && at >= campaign.closesAt)) return 'closed';
  return at < campaign.opensAt ? 'upcoming' : 'open';
}

function newIdeaId(title: string): string {
  return ideaIdFor(title, randomBytes(3).toString('hex'));
}

/** An idea id from its title's words and a suffix of lower-case letters and digits: `loyalty-cards-3fa2b1`. */
export function ideaIdFor(title: string, suffix: string): string {
  const words = title.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40).replace(/-+$/, '');
  return `${words || 'idea'}-${suffix}`;
}

/** At most this many rounds are looked at for one reviewer's queue. */
const PENDING_LIMIT = 1000;

/** The idea journeys on a task queue. */
function journeysOn(taskQueue: string): string {
  return `WorkflowType = 'ideaJourney' AND TaskQueue = '${taskQueue.replace(/'/g, "''")}'`;
}

/**
 * The scope `member` names in the installation's network: its settings and namespace. Without a
 * network there is no member to name; a network installation needs one named.
 */
function networkScope(installation: Settings, member: string | undefined, prepare: (settings: Settings) => Settings = (settings) => settings) {
  if (!installation.network && member === undefined) return undefined;
  try {
    const settings = prepare(settingsOfMember(installation, member));
    const network = loadNetworkOf(installation)!;
    const scope = findScope(network, member!);
    return { id: scope.id, namespace: scope.namespace, settings, network };
  } catch (err) {
    if (err instanceof ConfigError && err.message.startsWith('member:')) throw new StageGateError('invalid-input', err.message, { cause: err });
    throw err;
  }
}

function summarise(execution: WorkflowExecutionInfo): IdeaSummary {
  const attributes = execution.typedSearchAttributes;
  const sharedWith = attributes.get(sharedKey);
  return {
    ideaId: execution.workflowId.slice(IDEA_WORKFLOW_PREFIX.length),
    title: String(execution.memo?.title ?? ''),
    status: attributes.get(statusKey) as IdeaStatusName | undefined,
    stage: attributes.get(stageKey),
    process: attributes.get(processKey),
    source: attributes.get(sourceKey),
    submittedAt: execution.startTime.toISOString(),
    ...(stoppedHow(execution.status.name) ? { stopped: stoppedHow(execution.status.name) } : {}),
    ...(sharedWith ? { sharedWith } : {}),
  };
}

const STOPPED: Partial<Record<string, StoppedHow>> = { FAILED: 'failed', TIMED_OUT: 'timed-out', TERMINATED: 'terminated', CANCELLED: 'cancelled' };

/** How Temporal stopped a journey, from its execution status; undefined while it runs or once it ended by itself. */
function stoppedHow(executionStatus: string): StoppedHow | undefined {
  return STOPPED[executionStatus];
}
