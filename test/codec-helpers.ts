import type { Payload } from '@temporalio/common';
import type { StageGateClient } from '../client/sdk';

/** Every payload in a raw history, with the path it sits at; search attributes are Temporal's index, never encoded. */
export function payloadsIn(value: unknown, path = ''): { path: string; payload: Payload }[] {
  if (!value || typeof value !== 'object') return [];
  // Search attributes are Temporal's index and a patch marker names a code change: neither goes through a codec.
  if (path.endsWith('searchAttributes') || path.endsWith('patch-data')) return [];
  const record = value as Record<string, unknown>;
  // A local activity's marker: its `result` goes through the codec; its `data` is the Temporal core's own note of the
  // call (sequence, attempt, activity id and type, times), written by the core and never through a codec.
  if (record.markerName === 'core_local_activity' && record.details && typeof record.details === 'object') {
    const { data: _core, ...details } = record.details as Record<string, unknown>;
    return payloadsIn({ ...record, markerName: undefined, details }, path);
  }
  if (record.metadata && typeof record.metadata === 'object' && 'data' in record && (record.metadata as Record<string, unknown>).encoding) return [{ path, payload: record as Payload }];
  return Object.entries(record).flatMap(([name, inner]) => payloadsIn(inner, `${path}.${name}`));
}

export async function rawHistory(client: StageGateClient, workflowId: string) {
  const { history } = await client.client.workflowService.getWorkflowExecutionHistory({ namespace: 'default', execution: { workflowId } });
  return history!.events!;
}
