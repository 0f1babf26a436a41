import { currentPeopleDirectory, fileStamp } from '../config/people';
import type { Settings } from '../config/settings';
import { StageGateClient } from '../client/sdk';

/** How often the worker looks whether the people file changed. */
export const PEOPLE_CHECK_MS = 2_000;

/**
 * While the worker runs, it looks at the people file every PEOPLE_CHECK_MS: when it changed (and
 * still reads), the open rounds still waiting on someone removed or deactivated are reassigned,
 * as `stagegate people sync` does, so the admin only edits the file. Several workers noticing the
 * same change do no harm: each reassignment is one update, and a second finds nothing to do.
 */
export function watchPeopleFile(settings: Settings, namespace: string | undefined): { stop(): Promise<void> } {
  let seen = fileStamp(settings.peopleFile);
  let client: Promise<StageGateClient> | undefined;
  let syncing: Promise<void> = Promise.resolve();
  const sync = async () => {
    try {
      currentPeopleDirectory(settings.peopleFile);
    } catch (err) {
      console.warn(`stagegate worker: the people file changed but cannot be used, so nothing was reassigned: ${(err as Error).message}`);
      return;
    }
    client ??= StageGateClient.connect({ settings, ...(namespace ? { namespace } : {}) });
    const reassigned = await (await client).syncPeople();
    for (const r of reassigned) console.info(`stagegate worker: ${r.ideaId} ${r.gate} round ${r.round}: ${r.from} (${r.why}) replaced by ${r.to ?? 'nobody: escalated'}`);
  };
  const timer = setInterval(() => {
    const stamp = fileStamp(settings.peopleFile);
    if (stamp === seen) return;
    seen = stamp;
    syncing = syncing.then(sync).catch((err: unknown) => console.warn(`stagegate worker: reassigning after the people file changed failed (run stagegate people sync): ${(err as Error).message}`));
  }, PEOPLE_CHECK_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await syncing;
      if (client) await (await client.catch(() => undefined))?.close();
    },
  };
}
