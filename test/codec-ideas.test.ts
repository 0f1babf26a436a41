import { randomBytes } from 'node:crypto';
import type { Payload, SerializationContext } from '@temporalio/common';
import { ENCRYPTED_ENCODING, ideaKeyName, KEY_ID_KEY } from '../codec';
import type { StageGateClient } from '../client/sdk';
import { ideaIdOfWorkflowId } from '../workflows/messages';
import { payloadsIn, rawHistory } from './codec-helpers';
import { COUNTER, HEAD_BAKER, idea, inReview, SHOP_MANAGER, testSettings, waitForIdea, withStack } from './helpers';

const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');

/** Watches (never replaces) what the SDK's codec is asked to encode and what key each payload it decodes names. */
function watch(client: StageGateClient) {
  const codec = client.codec!.codec;
  const encoded: (SerializationContext | undefined)[] = [];
  const decodedKeys: string[] = [];
  const encode = codec.encode.bind(codec);
  const decode = codec.decode.bind(codec);
  codec.encode = async (payloads: Payload[], context?: SerializationContext) => (encoded.push(context), encode(payloads, context));
  codec.decode = async (payloads: Payload[]) => {
    for (const payload of payloads) if (text(payload.metadata?.encoding) === ENCRYPTED_ENCODING) decodedKeys.push(text(payload.metadata![KEY_ID_KEY]));
    return decode(payloads);
  };
  return { encoded, decodedKeys };
}

const codecSettings = () => testSettings({ codecKeys: `k1:${randomBytes(32).toString('base64')}` });

describe("each idea's payloads under its own data key", () => {
  test('start, update, signal and query from the client, activity inputs and results in the worker: all under the idea\'s key, context on every path', async () => {
    await withStack(async ({ client }) => {
      const seen = watch(client);
      const { ideaId } = await client.submitIdea(idea());
      await waitForIdea(client, ideaId, inReview('screen'));
      await client.reviewOpened(ideaId, { reviewer: HEAD_BAKER, round: 1 });
      await client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'go', scores: { feasibility: 4, impact: 4 }, comment: 'Autumn favourite' });
      await client.castVote(ideaId, { reviewer: SHOP_MANAGER, decision: 'go', scores: { feasibility: 4, impact: 4 } });
      await waitForIdea(client, ideaId, (s) => s.stage.id === 'build');

      for (const context of seen.encoded) expect(context).toMatchObject({ type: 'workflow', workflowId: `idea-${ideaId}` });
      expect(seen.encoded.length).toBeGreaterThanOrEqual(4);
      expect(new Set(seen.decodedKeys)).toEqual(new Set([ideaKeyName(ideaId)]));

      const payloads = payloadsIn(await rawHistory(client, `idea-${ideaId}`));
      const where = new Set(payloads.map(({ path }) => path.replace(/^\.\d+\./, '')));
      for (const kind of ['workflowExecutionStartedEventAttributes.input', 'activityTaskScheduledEventAttributes.input', 'activityTaskCompletedEventAttributes.result', 'workflowExecutionUpdateAcceptedEventAttributes.acceptedRequest.input.args', 'workflowExecutionSignaledEventAttributes.input']) {
        expect([...where].some((path) => path.startsWith(kind))).toBe(true);
      }
      for (const { path, payload } of payloads) {
        expect({ path, encoding: text(payload.metadata!.encoding), key: text(payload.metadata![KEY_ID_KEY]) }).toEqual({ path, encoding: ENCRYPTED_ENCODING, key: ideaKeyName(ideaId) });
      }
    }, codecSettings());
  });

  test("a pilot (a child workflow): its input, KPI updates and status query under the idea's key", async () => {
    await withStack(async ({ client }) => {
      const seen = watch(client);
      const { ideaId } = await client.submitIdea(idea({ process: 'manual-pilot' }));
      const status = await waitForIdea(client, ideaId, (s) => s.stage.pilot !== undefined);
      await client.recordKpiReading(ideaId, { kpi: 'weekly_sales', value: 620, by: COUNTER });
      expect((await client.pilotStatus(ideaId)).summary[0]).toMatchObject({ latest: 620 });
      for (const context of seen.encoded) expect(context).toMatchObject({ type: 'workflow' });
      expect(seen.encoded.some((context) => context?.workflowId === status.stage.pilot!.workflowId)).toBe(true);
      // Until pilots get `idea-<ideaId>:pilot:...` ids, an old-format child id reads as an idea of its own, with its own data key.
      const keys = new Set([ideaKeyName(ideaId), ideaKeyName(ideaIdOfWorkflowId(status.stage.pilot!.workflowId)!)]);
      expect(new Set(seen.decodedKeys)).toEqual(keys);
      const child = payloadsIn(await rawHistory(client, status.stage.pilot!.workflowId));
      expect(child.some(({ path }) => path.includes('workflowExecutionStartedEventAttributes.input'))).toBe(true);
      for (const { payload } of [...child, ...payloadsIn(await rawHistory(client, `idea-${ideaId}`))]) {
        expect(keys.has(text(payload.metadata![KEY_ID_KEY]))).toBe(true);
      }
    }, codecSettings());
  });
});
