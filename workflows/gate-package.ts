import type { PilotPlan } from './inputs';

/**
 * The gate package: what the champion handed in for review (notes, links and, before a pilot,
 * the pilot's plan). Its fingerprint lets a vote say which version it was cast on, so a vote
 * approves the plan it was shown. FNV-1a, pure, so workflow code can use it. A package without
 * a plan keeps the fingerprint it always had.
 */
export function packageFingerprint(pack: { notes: string; links: string[]; pilot?: PilotPlan }): string {
  const text = JSON.stringify(pack.pilot ? [pack.notes, pack.links, pack.pilot] : [pack.notes, pack.links]);
  let hash = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) {
    hash ^= BigInt(text.charCodeAt(i));
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}
