/**
 * Seeded pseudo-random source.
 *
 * Every random choice a protocol makes comes from an `Rng` handed to it by its host, never
 * from `Math.random`: a seed plus the inputs then replays a run exactly. The generator is
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator): 128 bits of state, 32-bit
 * integer operations only (fast in V8), passes PractRand to 2^42+ bytes. Seeds go through
 * splitmix32 so that nearby seeds (1, 2, 3 …) give unrelated streams.
 */

export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;
  /** The seed this generator was created from, so a run can print it first. */
  readonly seed: number;

  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
    this.seed = seed;
    let s = seed >>> 0;
    const hi = Math.floor(seed / 2 ** 32) >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s ^ hi;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#a = next();
    this.#b = next();
    this.#c = next();
    this.#d = next();
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    const a = this.#a;
    const b = this.#b;
    const c = this.#c;
    const d = this.#d;
    const t = (((a + b) | 0) + d) | 0;
    this.#d = (d + 1) | 0;
    this.#a = b ^ (b >>> 9);
    this.#b = (c + (c << 3)) | 0;
    const r = (c << 21) | (c >>> 11);
    this.#c = (r + t) | 0;
    return t >>> 0;
  }

  /** Uniform float in [0, 1) with 32 bits of precision. */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [0, n). `n` must be a positive integer below 2^32. */
  int(n: number): number {
    // Multiply-shift (Lemire) without the rejection step: the bias is below n / 2^32,
    // far under anything a gossip experiment can observe, and it keeps this branch-free.
    return Math.floor(this.float() * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** Standard normal deviate (Box–Muller; one of the pair is discarded for simplicity). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.float();
    const v = this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A new generator whose stream is independent of this one, derived deterministically. */
  fork(): Rng {
    return new Rng(this.u32() * 2 ** 20 + (this.u32() >>> 12));
  }

  /** Fisher–Yates shuffle in place. */
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = xs[i]!;
      xs[i] = xs[j]!;
      xs[j] = t;
    }
    return xs;
  }
}
