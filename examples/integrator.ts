/**
 * An integrator's script: start an idea from your own system and follow it to its first gate.
 * Needs a running stagegate (worker) and Temporal's variables: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
 * and TEMPORAL_TLS_* or TEMPORAL_API_KEY in production. Run with `npx tsx examples/integrator.ts`.
 */
import { StageGateClient } from 'stagegate';

async function main(): Promise<void> {
  const stagegate = await StageGateClient.connect();
  try {
    const { ideaId, created } = await stagegate.submitIdea({
      ideaId: process.argv[2] ?? `crm-${Date.now()}`, // your own id: sending it again returns the same journey
      title: 'Gluten-free bread',
      description: 'Three customers a week ask for it.',
      source: 'customer',
      submitter: { email: 'ana@customer.example', name: 'Ana Silva' },
      champion: { email: 'maya@cornerbakery.example', name: 'Maya Chen' },
      category: 'product',
      horizon: 'incremental',
      process: 'express',
    });
    const idea = await stagegate.waitFor(ideaId, (status) => status.status === 'in-review');
    const waitingOn = idea.round?.reviewers.filter((reviewer) => !reviewer.voted).map((reviewer) => reviewer.name);
    console.log(`${ideaId} ${created ? 'submitted' : 'already known'}: ${idea.status} at ${idea.round?.gateName}, waiting on ${waitingOn?.join(', ')}`);
  } finally {
    await stagegate.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
