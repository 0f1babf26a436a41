import type { Payload, PayloadCodec, SerializationContext } from '@temporalio/common';
import { ideaIdOfWorkflowId } from '../workflows/messages';
import { DataKeyDestroyed, ideaKeyName, type DataKeys } from './data-keys';
import { open, seal } from './keys';

export const ENCODING_KEY = 'encoding';
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Names the key a payload is encrypted with: a master key's id, or `idea:<ideaId>` for an idea's data key. */
export const KEY_ID_KEY = 'encryption-key-id';

const text = new TextEncoder();
const words = new TextDecoder();

/**
 * AES-256-GCM over whole payloads (metadata and data). A payload owned by an idea's workflow (or
 * one of its activities or children) is encrypted with that idea's data key, any other with the
 * current master key. The key's name travels in the metadata, so decoding needs no context: the
 * Web UI's codec endpoint has none. Payloads without the encrypted encoding (written before the
 * codec, or by a client without it) pass through unchanged.
 */
export class StageGateCodec implements PayloadCodec {
  constructor(private readonly keys: DataKeys) {}

  async encode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    const ideaId = context?.workflowId ? ideaIdOfWorkflowId(context.workflowId) : undefined;
    const keyId = ideaId ? ideaKeyName(ideaId) : this.keys.masterKeys.current.id;
    const key = ideaId ? await this.keys.key(keyId) : this.keys.masterKeys.current.key;
    return payloads.map((payload) => ({
      metadata: { [ENCODING_KEY]: text.encode(ENCRYPTED_ENCODING), [KEY_ID_KEY]: text.encode(keyId) },
      data: seal(key, serialise(payload), keyId),
    }));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.all(payloads.map((payload) => this.decodeOne(payload)));
  }

  private async decodeOne(payload: Payload): Promise<Payload> {
    const encoding = payload.metadata?.[ENCODING_KEY];
    if (!encoding || words.decode(encoding) !== ENCRYPTED_ENCODING) return payload;
    const keyIdBytes = payload.metadata?.[KEY_ID_KEY];
    if (!keyIdBytes || !payload.data) throw new Error('An encrypted payload without its key id or data cannot be decoded.');
    const keyId = words.decode(keyIdBytes);
    let key;
    try {
      key = keyId.startsWith(ideaKeyName('')) ? await this.keys.key(keyId, false) : this.keys.masterKey(keyId).key;
    } catch (err) {
      // A forgotten idea reads as this note everywhere (idea list titles, the Web UI), never as an error.
      if (err instanceof DataKeyDestroyed) return { metadata: { [ENCODING_KEY]: text.encode('json/plain') }, data: text.encode(JSON.stringify(FORGOTTEN)) };
      throw err;
    }
    return deserialise(open(key, payload.data, keyId));
  }
}

/** What a payload of a forgotten idea decodes to. */
export const FORGOTTEN = '(forgotten)';

/** A payload as JSON bytes (base64 metadata values and data). */
function serialise(payload: Payload): Uint8Array {
  const metadata = Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([name, value]) => [name, Buffer.from(value).toString('base64')]));
  return text.encode(JSON.stringify({ metadata, data: payload.data ? Buffer.from(payload.data).toString('base64') : undefined }));
}

function deserialise(bytes: Uint8Array): Payload {
  const parsed = JSON.parse(words.decode(bytes)) as { metadata: Record<string, string>; data?: string };
  return {
    metadata: Object.fromEntries(Object.entries(parsed.metadata).map(([name, value]) => [name, new Uint8Array(Buffer.from(value, 'base64'))])),
    ...(parsed.data === undefined ? {} : { data: new Uint8Array(Buffer.from(parsed.data, 'base64')) }),
  };
}
