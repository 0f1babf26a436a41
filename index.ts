/** stagegate's public entry: the SDK for integrators, and the worker for those who host it themselves. */
export * from './client/sdk';
export { createStageGateWorker, bundleWorkflows, type StageGateWorker, type CreateWorkerOptions } from './worker/worker';
export { loadSettings, type Settings } from './config/settings';
export * from './reports';
