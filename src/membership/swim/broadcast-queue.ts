/**
 * memberlist's transmit-limited broadcast queue (memberlist queue.go), for memberlist's own
 * gossip: alive, suspect and dead messages.
 *
 * Each queued message is sent at most `retransmitLimit(retransmitMult, n)` times, n being
 * the member-table size when it is sent. A packet takes messages in this order: fewest
 * transmissions first; within a transmission count, the largest message that still fits,
 * the newest among equals. A message taken goes back one tier up (after the whole packet
 * is filled, so one packet never carries it twice) or, at its limit, leaves the queue and
 * its `onFinished` runs (the leave waits on that).
 *
 * Messages are keyed (memberlist's NamedBroadcast): queuing a message under a key already
 * present drops the older one, finished. memberlist keys alive/suspect/dead by node name,
 * except a refutation, which it keys by our address string; `node.ts` keeps that quirk.
 *
 * The tiers are arrays sorted by (bytes descending, id descending); tier t holds messages
 * sent t times. A queue beyond `broadcastsMax` loses its most-sent, smallest, oldest
 * messages first, as memberlist's `Prune` would.
 */

import type { Alive, Dead, Suspect } from '../wire/messages.ts';
import { retransmitLimit } from './formulas.ts';

export type GossipMessage = Alive | Suspect | Dead;

interface Item {
  readonly key: string;
  readonly message: GossipMessage;
  readonly bytes: number;
  readonly id: number;
  transmits: number;
  readonly onFinished: (() => void) | null;
}

export class BroadcastQueue {
  readonly retransmitMult: number;
  readonly broadcastsMax: number;
  readonly #tiers: Item[][] = [];
  readonly #byKey = new Map<string, Item>();
  #nextId = 1;
  #lastTakenBytes = 0;

  constructor(retransmitMult: number, broadcastsMax: number) {
    this.retransmitMult = retransmitMult;
    this.broadcastsMax = broadcastsMax;
  }

  get size(): number {
    return this.#byKey.size;
  }

  /** Bytes (messages plus per-message overhead) the last `take` used. */
  get lastTakenBytes(): number {
    return this.#lastTakenBytes;
  }

  /** Transmissions so far of the message queued under `key`, or undefined. */
  transmitsOf(key: string): number | undefined {
    return this.#byKey.get(key)?.transmits;
  }

  /**
   * Queues `message` (`bytes` long on the wire) under `key`, replacing any older message
   * under the same key. `onFinished` runs once, when the message has been sent its full
   * number of times or is replaced or pruned.
   */
  enqueue(
    key: string,
    message: GossipMessage,
    bytes: number,
    onFinished: (() => void) | null = null,
  ): void {
    const old = this.#byKey.get(key);
    if (old !== undefined) this.#remove(old, true);
    const item: Item = { key, message, bytes, id: this.#nextId++, transmits: 0, onFinished };
    this.#byKey.set(key, item);
    this.#insert(item);
    while (this.#byKey.size > this.broadcastsMax) this.#pruneOne();
  }

  /**
   * Takes messages for one packet: each costs its bytes plus `overheadBytes`, all together
   * at most `limitBytes`, at most `partsMax` of them. `n` is the current member-table size.
   */
  take(
    overheadBytes: number,
    limitBytes: number,
    n: number,
    partsMax: number,
    out: GossipMessage[],
  ): GossipMessage[] {
    out.length = 0;
    this.#lastTakenBytes = 0;
    if (this.#byKey.size === 0 || partsMax <= 0) return out;
    const limit = retransmitLimit(this.retransmitMult, n);
    const reinsert: Item[] = [];
    let used = 0;
    for (let t = 0; t < this.#tiers.length; ) {
      const free = limitBytes - used;
      if (free <= 0 || out.length >= partsMax) break;
      const tier = this.#tiers[t]!;
      const i = firstFitting(tier, free - overheadBytes);
      if (i === tier.length) {
        t++;
        continue;
      }
      const item = tier[i]!;
      tier.splice(i, 1);
      used += overheadBytes + item.bytes;
      out.push(item.message);
      if (item.transmits + 1 >= limit) {
        this.#byKey.delete(item.key);
        item.onFinished?.();
      } else {
        item.transmits++;
        reinsert.push(item);
      }
    }
    for (const item of reinsert) this.#insert(item);
    this.#lastTakenBytes = used;
    return out;
  }

  /** Drops everything (finished callbacks run). */
  clear(): void {
    for (const item of [...this.#byKey.values()]) this.#remove(item, true);
  }

  #insert(item: Item): void {
    while (this.#tiers.length <= item.transmits) this.#tiers.push([]);
    const tier = this.#tiers[item.transmits]!;
    // Sorted by bytes descending, then id descending: find the first element after `item`.
    let lo = 0;
    let hi = tier.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = tier[mid]!;
      if (m.bytes > item.bytes || (m.bytes === item.bytes && m.id > item.id)) lo = mid + 1;
      else hi = mid;
    }
    tier.splice(lo, 0, item);
  }

  #remove(item: Item, finished: boolean): void {
    const tier = this.#tiers[item.transmits];
    if (tier !== undefined) {
      const i = tier.indexOf(item);
      if (i >= 0) tier.splice(i, 1);
    }
    this.#byKey.delete(item.key);
    if (finished) item.onFinished?.();
  }

  #pruneOne(): void {
    for (let t = this.#tiers.length - 1; t >= 0; t--) {
      const tier = this.#tiers[t]!;
      if (tier.length > 0) {
        this.#remove(tier[tier.length - 1]!, true);
        return;
      }
    }
  }
}

/** Index of the first item (largest, newest) with `bytes <= room`; `tier.length` if none. */
function firstFitting(tier: readonly Item[], room: number): number {
  let lo = 0;
  let hi = tier.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (tier[mid]!.bytes > room) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
