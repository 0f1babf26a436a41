export { ideaJourney } from './idea';
