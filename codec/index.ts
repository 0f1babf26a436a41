import { createHmac } from 'node:crypto';
import type { DataConverter } from '@temporalio/common';
import type { Settings } from '../config/settings';
import { openStore, type Store } from '../store';
import { DataKeys } from './data-keys';
import { loadMasterKeys } from './keys';
import { StageGateCodec } from './payload-codec';
import { sealStore } from './sealed-store';

export { DataKeyDestroyed, ideaKeyName, DataKeys } from './data-keys';
export { ENCRYPTED_ENCODING, KEY_ID_KEY, StageGateCodec } from './payload-codec';
export { FORGOTTEN_PERSON, sealStore } from './sealed-store';
export { loadMasterKeys } from './keys';

/** The payload codec of one process, with the data keys it reads from the events store's key table. */
export interface Codec {
  codec: StageGateCodec;
  keys: DataKeys;
  dataConverter: DataConverter;
  /** A keyed digest of `text` (an update id naming a person): the same text gives the same digest, and nobody without the key can tell whose it is. */
  opaque(text: string): string;
  /** Closes the key table's store, unless it was handed over open. */
  close(): Promise<void>;
}

/**
 * The codec named by the settings (`codecKeys` or `codecKeyFile`); undefined without keys, when
 * payloads and the store stay plaintext. `store` is an open events store to keep the data keys
 * in; without one the codec opens its own on first use.
 */
export function createCodec(settings: Settings, store?: Store): Codec | undefined {
  const masterKeys = loadMasterKeys(settings);
  if (!masterKeys) return undefined;
  const keys = new DataKeys(masterKeys, async () => store ?? openStore(settings), !store);
  const codec = new StageGateCodec(keys);
  const opaque = (text: string) => createHmac('sha256', masterKeys.current.key).update(`opaque:${text}`).digest('hex').slice(0, 32);
  return { codec, keys, dataConverter: { payloadCodecs: [codec] }, opaque, close: () => keys.close() };
}

/** The events store and outbox named by the settings, with personal fields sealed when the codec has keys. */
export async function openSealedStore(settings: Settings): Promise<Store> {
  const store = await openStore(settings);
  const codec = createCodec(settings, store);
  return codec ? sealStore(store, codec.keys) : store;
}
export { forgetInStore, ideasSubmittedBy, type Erasure } from './erasure';
