/**
 * The gate package: what the champion handed in for review (notes and links). Its fingerprint
 * lets a vote say which version it was cast on. FNV-1a, pure, so workflow code can use it.
 */
export function packageFingerprint(pack: { notes: string; links: string[] }): string {
  const text = JSON.stringify([pack.notes, pack.links]);
  let hash = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) {
    hash ^= BigInt(text.charCodeAt(i));
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}
