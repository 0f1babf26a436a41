import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CODEC_KEYS, type Settings } from '../config/settings';
import { ConfigError } from '../config/yaml';

/** A 32-byte AES-256 key and the id payloads name it by. */
export interface MasterKey {
  id: string;
  key: Buffer;
}

/** The master keys in their order: the first encrypts, every one decrypts. */
export interface MasterKeys {
  current: MasterKey;
  byId: Map<string, MasterKey>;
}

/** The master keys from `codecKeys` or `codecKeyFile`; undefined when neither is set (no encryption). */
export function loadMasterKeys(settings: Pick<Settings, 'codecKeys' | 'codecKeyFile'>): MasterKeys | undefined {
  let text = settings.codecKeys;
  if (!text && settings.codecKeyFile) {
    try {
      text = readFileSync(settings.codecKeyFile, 'utf8');
    } catch (err) {
      throw new ConfigError(`codecKeyFile: cannot read ${settings.codecKeyFile} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    if (!CODEC_KEYS.test(text)) throw new ConfigError(`${settings.codecKeyFile}: expected id:base64key,... (ids of letters, digits, . _ -; keys of 32 bytes in base64)`);
  }
  if (!text) return undefined;
  const keys = text
    .split(/[,\n]/)
    .map((pair) => pair.trim())
    .filter(Boolean)
    .map((pair): MasterKey => {
      const at = pair.indexOf(':');
      return { id: pair.slice(0, at), key: Buffer.from(pair.slice(at + 1), 'base64') };
    });
  const byId = new Map<string, MasterKey>();
  for (const key of keys) {
    if (byId.has(key.id)) throw new ConfigError(`codec keys: the key id "${key.id}" is listed twice`);
    byId.set(key.id, key);
  }
  return { current: keys[0]!, byId };
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** AES-256-GCM: iv, tag, ciphertext in one buffer; `aad` binds it to what it is (its key id). */
export function seal(key: Buffer, plaintext: Uint8Array, aad: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

export function open(key: Buffer, sealed: Uint8Array, aad: string): Buffer {
  const buffer = Buffer.from(sealed);
  const decipher = createDecipheriv('aes-256-gcm', key, buffer.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(buffer.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(buffer.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
}
