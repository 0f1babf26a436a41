export { ideaJourney } from './idea';
export { pilotRun } from './pilot';
