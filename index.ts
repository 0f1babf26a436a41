/** stagegate's public entry (`import ... from 'stagegate'`): the SDK for integrators, and the worker for those who host it themselves. What is exported here is the public API that semantic versioning covers. */
export * from './client/sdk';
/** Hosting the worker in your own process: `createStageGateWorker` connects, registers the journeys and activities, and runs. */
export { createStageGateWorker, bundleWorkflows, type StageGateWorker, type CreateWorkerOptions } from './worker/worker';
/** stagegate's settings: defaults, then the settings file, then `STAGEGATE_*` variables (see the README's Settings). */
export { loadSettings, type Settings } from './config/settings';
/** Every report as a pure function of the events (`REPORTS`, `findReport`, `runReport`, `funnelReport`, ...). */
export * from './reports';
