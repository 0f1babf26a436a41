/** Wrong admin keys an address may try before it is locked out, and for how long. */
export const ADMIN_LOCKOUT = { failures: 10, lockedMs: 15 * 60_000 };
/** Addresses tracked at most; beyond it the oldest are forgotten (each is a few bytes). */
const TRACKED_ADDRESSES = 10_000;

/**
 * Counts wrong admin keys per client address (req.ip: the socket's unless a trusted proxy is
 * configured). After `failures` of them the address is locked out for `lockedMs`, the right key
 * included. One tracker guards every page that takes the admin key (the dashboard, the codec
 * endpoint), so guesses spread over both still count once.
 */
export class Lockout {
  private readonly tries = new Map<string, { failures: number; lockedUntil?: number }>();

  constructor(private readonly rule: { failures: number; lockedMs: number } = ADMIN_LOCKOUT) {}

  /** Until when the address is locked out, or undefined when it may try. */
  lockedUntil(address: string, now = Date.now()): number | undefined {
    const mine = this.tries.get(address);
    if (mine?.lockedUntil === undefined) return undefined;
    if (now < mine.lockedUntil) return mine.lockedUntil;
    this.tries.delete(address);
    return undefined;
  }

  failed(address: string, now = Date.now()): void {
    const failures = (this.tries.get(address)?.failures ?? 0) + 1;
    this.tries.delete(address);
    this.tries.set(address, failures >= this.rule.failures ? { failures, lockedUntil: now + this.rule.lockedMs } : { failures });
    if (this.tries.size > TRACKED_ADDRESSES) this.tries.delete(this.tries.keys().next().value!);
  }

  succeeded(address: string): void {
    this.tries.delete(address);
  }
}
