import { createHmac, randomBytes } from 'node:crypto';
import type { Store } from '../store';
import { open, seal, type MasterKey, type MasterKeys } from './keys';

/** The data key of one idea: destroying it (crypto-shredding) leaves that idea's payloads unreadable. */
export const ideaKeyName = (ideaId: string) => `idea:${ideaId}`;
/** The key of the events store's pseudonyms (keyed hashes of emails); never destroyed, so reports keep grouping. */
const PSEUDONYM_KEY = 'pseudonyms';

/** Thrown where a payload or record needs a data key that was destroyed: the idea was forgotten. */
export class DataKeyDestroyed extends Error {
  override readonly name = 'DataKeyDestroyed';
  constructor(readonly keyName: string, readonly destroyedAt: string) {
    super(`The data key ${keyName} was destroyed at ${destroyedAt}: what it encrypted is unreadable for good.`);
  }
}

/**
 * Data keys, made on first use and kept wrapped by the current master key in the events store's
 * key table, where every process finds the same one. Unwrapped keys are cached for
 * `CACHE_MS`, so a key destroyed by another process stays usable there until its copy expires.
 */
export class DataKeys {
  private readonly cache = new Map<string, { key: Buffer; until: number }>();
  private store?: Promise<Store>;

  constructor(
    readonly masterKeys: MasterKeys,
    private readonly openStore: () => Promise<Store>,
    /** Whether `close()` closes the store (not when it was handed over open). */
    private readonly ownsStore: boolean,
  ) {}

  keyStore(): Promise<Store> {
    this.store ??= this.openStore();
    return this.store;
  }

  masterKey(id: string): MasterKey {
    const key = this.masterKeys.byId.get(id);
    if (!key) throw new Error(`No codec master key "${id}" in STAGEGATE_CODEC_KEYS or the key file: keep every key listed while payloads encrypted with it remain.`);
    return key;
  }

  /** The named data key, made now when there is none yet; DataKeyDestroyed once destroyed. */
  async key(name: string, create = true): Promise<Buffer> {
    const cached = this.cache.get(name);
    if (cached && cached.until > Date.now()) return cached.key;
    const store = await this.keyStore();
    let row = await store.dataKey(name);
    if (!row && !create) throw new Error(`No data key ${name} in the key table: was this payload encrypted against another events store?`);
    if (!row) {
      const master = this.masterKeys.current;
      row = await store.addDataKey({ name, masterKeyId: master.id, wrapped: seal(master.key, randomBytes(32), name).toString('base64'), createdAt: new Date().toISOString() });
    }
    if (row.wrapped === null) throw new DataKeyDestroyed(name, row.destroyedAt ?? 'an unknown time');
    const key = open(this.masterKey(row.masterKeyId).key, Buffer.from(row.wrapped, 'base64'), name);
    this.cache.set(name, { key, until: Date.now() + CACHE_MS });
    return key;
  }

  /** Whether the named data key was destroyed (and when). */
  async destroyedAt(name: string): Promise<string | undefined> {
    const row = await (await this.keyStore()).dataKey(name);
    return row?.wrapped === null ? (row.destroyedAt ?? 'an unknown time') : undefined;
  }

  async destroy(name: string): Promise<boolean> {
    this.cache.delete(name);
    return (await this.keyStore()).destroyDataKey(name, new Date().toISOString());
  }

  /** A person's stable pseudonym: a keyed hash of the address, the same in every process and idea. */
  async pseudonym(email: string): Promise<string> {
    const key = await this.key(PSEUDONYM_KEY);
    return `person:${createHmac('sha256', key).update(email.trim().toLowerCase()).digest('hex').slice(0, 24)}`;
  }

  async close(): Promise<void> {
    if (this.ownsStore && this.store) await (await this.store).close();
  }
}

const CACHE_MS = 60_000;
