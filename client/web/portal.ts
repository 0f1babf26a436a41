import { randomBytes } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { sourceOfAddress, type Settings } from '../../config/settings';
import { linkBuilder, LinkError, verifyLink, type LinkClaims, type LinkPurpose } from '../../links';
import { ideaIdFor, StageGateError, type CampaignView, type IdeaStatus, type IdeaSubmission, type StageGateClient } from '../sdk';
import { layout, type Html } from './html';
import { clock, problemPage } from './pages';
import { campaignClosedPage, campaignPage, checkEmailPage, confirmPage, EMPTY_SUBMISSION, followPage, submitPage, type SubmissionForm } from './portal-pages';
import { campaignPath, campaignQrSvg, campaignUrl, SUBMIT_PATH } from './portal-links';

/** What the portal needs to ask a submitter from outside the firm to confirm (worker/confirmations.ts makes one). */
export interface PortalConfirmations {
  send(request: { ideaId: string; to: { email: string; name: string }; title: string; question?: string; expiresAt: string }): Promise<void>;
}

export interface PortalOptions {
  client: StageGateClient;
  settings: Settings & { linkSecret: string };
  confirmations?: PortalConfirmations;
}

/** A page the portal answers with instead of what was asked; nothing changed. */
class PortalPage extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly body: Html,
  ) {
    super(title);
  }
}

const FORM_ID = /^[A-Za-z0-9_-]{22}$/;
const newFormId = () => randomBytes(16).toString('base64url');
const text = (value: unknown) => (typeof value === 'string' ? value : '');

function send(response: Response, status: number, title: string, body: Html): void {
  response.status(status).type('html').send(layout(title, body));
}

/**
 * The submission portal: a page per campaign (`/campaigns/<id>`), a general one (`/submit`),
 * the confirmation a submitter from outside the firm follows (`/confirm/<token>`: GET shows a
 * button, POST starts the idea, so a mail scanner that opens the link confirms nothing), and a
 * submitter's page of their own idea (`/follow/<token>`). No login: the audience a campaign
 * admits is told apart by the address's domain. Against bots and floods: a field people never
 * see, a limit of submissions per client address, the size limits of every text, and
 * confirmation by email for every address outside `staffDomains`.
 */
export function portalRoutes({ client, settings, confirmations }: PortalOptions): express.Router {
  const router = express.Router();
  const links = linkBuilder(settings);
  const when = clock(settings.calendar?.timeZone);
  const submissions = rateLimit({
    windowMs: 3_600_000,
    limit: settings.portalSubmissionsPerHour,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    // Keyed on req.ip, as every limit of the web server: the socket's address unless a trusted proxy is named.
    validate: { xForwardedForHeader: false },
    handler: (_request, response) => send(response, 429, 'Too many ideas at once', problemPage('Too many ideas from here at once', [`This address may send ${settings.portalSubmissionsPerHour} ideas an hour. Please try again later.`])),
  });

  const action = (handler: (request: Request, response: Response) => Promise<void>) => (request: Request, response: Response, next: NextFunction) => {
    handler(request, response).catch(next);
  };

  function claimsFor(token: string, purpose: LinkPurpose): LinkClaims {
    try {
      return verifyLink(settings.linkSecret, token, purpose);
    } catch (err) {
      if (!(err instanceof LinkError)) throw err;
      const title = err.problem === 'expired' ? 'This link has expired' : 'This link is not valid';
      throw new PortalPage(err.problem === 'expired' ? 410 : 403, title, problemPage(title, [err.message]));
    }
  }

  /** The campaign of a page, if it takes submissions now; a page saying why not otherwise. */
  async function openCampaign(id: string, base: string): Promise<CampaignView> {
    const campaign = await client.getCampaign(id).catch((err: unknown) => {
      if (err instanceof StageGateError && (err.code === 'unknown-campaign' || err.code === 'invalid-input')) throw new PortalPage(404, 'No such campaign', problemPage('There is no such campaign', [`Check the address, or send your idea on the general page: ${base}${SUBMIT_PATH}.`]));
      throw err;
    });
    if (campaign.status !== 'open') throw new PortalPage(campaign.status === 'closed' ? 410 : 200, campaign.status === 'closed' ? 'Campaign closed' : 'Not open yet', campaignClosedPage({ campaign, when, submitPath: `${base}${SUBMIT_PATH}` }));
    return campaign;
  }

  /** The submitter's own idea that a follow link names; a page saying why not otherwise. */
  async function ownIdea(claims: LinkClaims): Promise<IdeaStatus> {
    const idea = await client.getIdea(claims.ideaId!).catch((err: unknown) => {
      if (err instanceof StageGateError && (err.code === 'unknown-idea' || err.code === 'forgotten')) throw new PortalPage(404, 'Unknown idea', problemPage('This idea is not known', ['The link names an idea this stagegate does not have (any more).']));
      throw err;
    });
    if (idea.submitter.email !== claims.email) throw new PortalPage(403, 'Not your idea', problemPage('This link is not for this idea', ['A follow link shows only the idea of the person it was sent to.']));
    return idea;
  }

  const followLink = (ideaId: string, email: string) => `${links.follow(ideaId, email).replace(/^https?:\/\/[^/]+/, '')}?submitted=1`;

  /** Reads the form, sends it, and answers: the follow page (staff), "check your email" (anyone else), or the form again with what to fix. */
  async function receive(request: Request, response: Response, campaign: CampaignView | undefined, page: (form: SubmissionForm, errors: string[]) => Html): Promise<void> {
    const body = request.body as Record<string, unknown>;
    const formId = FORM_ID.test(text(body.form)) ? text(body.form) : newFormId();
    const form: SubmissionForm = { title: text(body.title), description: text(body.description), category: text(body.category), name: text(body.name), email: text(body.email).trim().toLowerCase(), form: formId };
    const title = campaign ? campaign.question : 'Submit an idea';
    // People never see this field; whatever fills it is not a person. It is told what a person would be, and nothing is kept.
    if (text(body.website)) {
      console.warn(`stagegate web: portal: a submission filled the hidden field and was dropped`);
      return send(response, 200, 'Check your email', checkEmailPage());
    }
    const retry = (status: number, errors: string[]) => send(response, status, title, page(form, errors));
    const submission = {
      // The form's id in the idea's: the same form sent twice (a double tap) is one idea.
      ideaId: ideaIdFor(form.title, formId.slice(0, 10).toLowerCase().replace(/[^a-z0-9]/g, '0')),
      title: form.title,
      description: form.description,
      // "Not sure" leaves it to the first gate's reviewers.
      ...(form.category ? { category: form.category } : {}),
      source: sourceOfAddress(settings, form.email) ?? 'customer',
      submitter: { email: form.email, name: form.name },
      ...(campaign ? { campaign: campaign.id } : {}),
    } as IdeaSubmission;
    if (!confirmations && sourceOfAddress(settings, form.email) !== 'employee') {
      return retry(503, ['This server cannot send confirmation emails, so it takes ideas from staff addresses only. Please try again later.']);
    }
    try {
      const receipt = await client.submitFromPortal(submission);
      if (!receipt.held) return response.redirect(303, followLink(receipt.ideaId, form.email));
      await confirmations!.send({ ideaId: receipt.ideaId, to: { email: form.email, name: form.name.trim() }, title: form.title.trim(), question: campaign?.question, expiresAt: receipt.expiresAt });
      response.redirect(303, `${request.baseUrl}${SUBMIT_PATH}/sent`);
    } catch (err) {
      if (!(err instanceof StageGateError)) throw err;
      if (err.code === 'invalid-input') return retry(422, readable(err.message));
      if (err.code === 'campaign-closed' || err.code === 'campaign-not-open') return send(response, err.code === 'campaign-closed' ? 410 : 200, 'Campaign closed', campaignClosedPage({ campaign: await client.getCampaign(campaign!.id), when, submitPath: `${request.baseUrl}${SUBMIT_PATH}` }));
      if (err.code === 'not-in-audience') return retry(403, [`This campaign is open to ${campaign!.audience.join(', ')} only; send your idea on the general page instead: ${request.baseUrl}${SUBMIT_PATH}.`]);
      if (err.code === 'too-many-pending') return retry(429, ['Ideas from this address already wait for confirmation: follow the links in those emails first.']);
      if (err.code === 'no-worker' || err.code === 'server-unreachable') return retry(503, ['stagegate is busy: your idea was not sent. Please try again in a moment.']);
      console.error(`stagegate web: portal: ${err.code}: ${err.message.slice(0, 200)}`);
      return retry(500, ['This page cannot take ideas right now; whoever runs stagegate can see why in its log. Please try again later.']);
    }
  }

  // Every path a page names starts at where the portal is mounted (a network member's under /m/<member>).
  router.get(SUBMIT_PATH, (request, response) => send(response, 200, 'Submit an idea', submitPage({ form: { ...EMPTY_SUBMISSION, form: newFormId() }, errors: [], action: `${request.baseUrl}${SUBMIT_PATH}` })));
  router.post(SUBMIT_PATH, submissions, action((request, response) => receive(request, response, undefined, (form, errors) => submitPage({ form, errors, action: `${request.baseUrl}${SUBMIT_PATH}` }))));
  router.get(`${SUBMIT_PATH}/sent`, (_request, response) => send(response, 200, 'Check your email', checkEmailPage()));

  router.get(
    '/campaigns/:id',
    action(async (request, response) => {
      const campaign = await openCampaign(String(request.params.id), request.baseUrl);
      send(response, 200, campaign.question, campaignPage({ campaign, form: { ...EMPTY_SUBMISSION, form: newFormId() }, errors: [], action: `${request.baseUrl}${campaignPath(campaign.id)}`, when }));
    }),
  );
  router.post(
    '/campaigns/:id',
    submissions,
    action(async (request, response) => {
      const campaign = await openCampaign(String(request.params.id), request.baseUrl);
      await receive(request, response, campaign, (form, errors) => campaignPage({ campaign, form, errors, action: `${request.baseUrl}${campaignPath(campaign.id)}`, when }));
    }),
  );
  router.get(
    '/campaigns/:id/qr.svg',
    action(async (request, response) => {
      const campaign = await client.getCampaign(String(request.params.id)).catch(() => undefined);
      if (!campaign) throw new PortalPage(404, 'No such campaign', problemPage('There is no such campaign', []));
      response.set('Cache-Control', 'public, max-age=3600').type('image/svg+xml').send(await campaignQrSvg(campaignUrl(settings, campaign.id)));
    }),
  );

  router.get(
    '/confirm/:token',
    action(async (request, response) => {
      const claims = claimsFor(String(request.params.token), 'confirm');
      // Opening the link changes nothing: a mail scanner that fetches it confirms no one's idea.
      const held = await client.heldSubmission(claims.ideaId!);
      if (held?.email === claims.email) return send(response, 200, 'Confirm your idea', confirmPage({ title: held.title, action: request.originalUrl }));
      await confirmed(claims, response);
    }),
  );
  router.post(
    '/confirm/:token',
    action(async (request, response) => {
      const claims = claimsFor(String(request.params.token), 'confirm');
      try {
        await client.confirmSubmission(claims.ideaId!, { submitter: claims.email });
      } catch (err) {
        if (!(err instanceof StageGateError)) throw err;
        if (err.code === 'no-worker' || err.code === 'server-unreachable') throw new PortalPage(503, 'Try again', problemPage('stagegate is busy', ['Your idea was not confirmed yet: press the button again in a moment.']));
        console.error(`stagegate web: portal: confirming: ${err.code}: ${err.message.slice(0, 200)}`);
        throw new PortalPage(500, 'Not confirmed', problemPage('Your idea could not be confirmed', ['Whoever runs stagegate can see why in its log. Please try again later.']));
      }
      // Started now, or by the other of two clicks: either way the idea is there once.
      await confirmed(claims, response);
    }),
  );

  /** The idea of a confirmation link that is no longer held: started (its page), or never confirmed in time. */
  async function confirmed(claims: LinkClaims, response: Response): Promise<void> {
    const started = await client.getIdea(claims.ideaId!).then(
      (idea) => idea.submitter.email === claims.email,
      (err: unknown) => {
        if (err instanceof StageGateError && err.code === 'unknown-idea') return false;
        throw err;
      },
    );
    if (!started) throw new PortalPage(410, 'This link has expired', problemPage('This submission has expired', ['It was not confirmed in time, so it was never sent on. Send your idea again, and follow the link in the email soon.']));
    response.redirect(303, followLink(claims.ideaId!, claims.email));
  }

  router.get(
    '/follow/:token',
    action(async (request, response) => {
      const claims = claimsFor(String(request.params.token), 'follow');
      const idea = await ownIdea(claims);
      send(response, 200, idea.title, followPage({ idea, submitted: request.query.submitted === '1', when }));
    }),
  );

  router.use((err: unknown, _request: Request, response: Response, next: NextFunction) => {
    if (err instanceof PortalPage) return send(response, err.status, err.title, err.body);
    next(err);
  });
  return router;
}

/** The SDK's field errors in the portal's words: `idea: title: must not be empty` becomes `Your idea in a few words: must not be empty`. */
const FIELD_LABELS: Record<string, string> = {
  title: 'Your idea in a few words',
  description: 'What is it, and why would it help?',
  category: 'What kind of idea it is',
  'submitter.name': 'Your name',
  'submitter.email': 'Your email',
};

function readable(message: string): string[] {
  return message
    .split('\n')
    .map((line) => line.trim().replace(/^idea:\s*/, ''))
    .filter(Boolean)
    .map((line) => {
      const field = Object.keys(FIELD_LABELS).find((name) => line.startsWith(`${name}:`));
      return field ? `${FIELD_LABELS[field]}${line.slice(field.length)}` : line;
    });
}

/** The paths the portal serves, with the methods each answers. */
export const PORTAL_METHODS: Record<string, string[]> = {
  [SUBMIT_PATH]: ['GET', 'POST'],
  [`${SUBMIT_PATH}/sent`]: ['GET'],
  '/campaigns/:id': ['GET', 'POST'],
  '/campaigns/:id/qr.svg': ['GET'],
  '/confirm/:token': ['GET', 'POST'],
  '/follow/:token': ['GET'],
};
