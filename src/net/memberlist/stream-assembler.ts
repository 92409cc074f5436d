/**
 * Collects the bytes of a TCP connection into whole memberlist stream messages.
 *
 * memberlist streams have no length prefix (except the encrypt frame's): where a message
 * ends is learnt by walking its framing (`streamMessageBytes`). Bytes arrive in chunks, so
 * the assembler keeps a growing buffer (capacity doubling, so appends are amortised O(1))
 * and re-walks it when enough has arrived: a walk is O(buffer), so walking after every
 * 1-byte chunk of a slow sender would be quadratic. `walkDue` says when a walk is worth it
 * (the buffer grew by an eighth since the last one, or a bit was left waiting, which the host
 * turns into a short deferred walk); total walking work stays within a small multiple of the
 * bytes received.
 *
 * Limits: a message may not exceed `streamBytesMax` (checked by `streamMessageBytes`, which
 * throws OVERSIZE once that many bytes are buffered without an end in sight); bad framing is
 * a `RemoteError` at the first walk that sees it. Time limits are the host's.
 */

import type { MemberlistLimits } from '../../membership/wire/limits.ts';
import { streamMessageBytes } from '../../membership/wire/stream-codec.ts';

const INITIAL_CAPACITY_BYTES = 4096;
/** Re-walk at once when the buffer grew by at least 1/WALK_GROWTH_DIVISOR since the last walk. */
const WALK_GROWTH_DIVISOR = 8;

export class StreamAssembler {
  readonly #limits: MemberlistLimits;
  #buf = new Uint8Array(INITIAL_CAPACITY_BYTES);
  #length = 0;
  #walkedAt = 0;

  constructor(limits: MemberlistLimits) {
    this.#limits = limits;
  }

  get bufferedBytes(): number {
    return this.#length;
  }

  append(chunk: Uint8Array): void {
    const need = this.#length + chunk.length;
    if (need > this.#buf.length) {
      let capacity = this.#buf.length;
      while (capacity < need) capacity *= 2;
      const grown = new Uint8Array(capacity);
      grown.set(this.#buf.subarray(0, this.#length));
      this.#buf = grown;
    }
    this.#buf.set(chunk, this.#length);
    this.#length = need;
  }

  /** True when a walk now is cheap relative to what arrived since the last one. */
  walkDue(): boolean {
    const grown = this.#length - this.#walkedAt;
    return grown > 0 && grown * WALK_GROWTH_DIVISOR >= this.#walkedAt;
  }

  /** Bytes arrived since the last walk (the host defers a walk for them). */
  get unwalkedBytes(): number {
    return this.#length - this.#walkedAt;
  }

  /**
   * The next complete message (a copy), or undefined while it is incomplete. Throws
   * `RemoteError` when the buffered bytes can never form a valid message.
   */
  take(): Uint8Array | undefined {
    this.#walkedAt = this.#length;
    const n = streamMessageBytes(this.#buf.subarray(0, this.#length), this.#limits);
    if (n === undefined) return undefined;
    const message = this.#buf.slice(0, n);
    this.#buf.copyWithin(0, n, this.#length);
    this.#length -= n;
    this.#walkedAt = 0;
    return message;
  }
}
