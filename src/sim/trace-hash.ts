/**
 * A running 64-bit hash of a simulation's event trace, built from two independent 32-bit
 * lanes (word-wise FNV-1a and a murmur3-style mixer) because 64-bit arithmetic in JS means BigInt,
 * which is far too slow for the hot loop. Equal seeds must give equal hashes: the
 * determinism test compares these.
 */

export class TraceHash {
  // Kept as int32 (`| 0`): both seeds exceed 2^31, and as doubles the fields would be
  // boxed numbers, read and written through a pointer on every fold.
  #a = 0x811c9dc5 | 0;
  #b = 0x9747b28c | 0;

  /** Fold one 32-bit integer into the hash (word-wise: one multiply per lane). */
  int(x: number): void {
    this.#a = Math.imul(this.#a ^ x, 0x01000193);
    let k = Math.imul(x, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    let b = this.#b ^ Math.imul(k, 0x1b873593);
    b = (b << 13) | (b >>> 19);
    this.#b = (Math.imul(b, 5) + 0xe6546b64) | 0;
  }

  hex(): string {
    return (
      (this.#a >>> 0).toString(16).padStart(8, '0') + (this.#b >>> 0).toString(16).padStart(8, '0')
    );
  }
}
