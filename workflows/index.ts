export { ideaJourney } from './idea';
export { pilotRun } from './pilot';
export { reviewLinkResend } from './review-link';
export { webhookDelivery } from './webhook';
