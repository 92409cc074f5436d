/**
 * A seed for a real host's generator (core/rng.ts) when the caller gives none.
 *
 * The seed orders probes and jitters timers; it guards nothing, so `Math.random` (which V8
 * seeds from the OS) serves, and node:crypto is not loaded for it (security/node-crypto.ts).
 */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 32);
}
