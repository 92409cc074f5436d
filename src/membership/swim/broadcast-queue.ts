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
 * Tier t holds messages sent t times. Within a tier, messages are bucketed by exact byte
 * length (gossip messages come in a few dozen lengths at most), each bucket a max-heap by
 * id, with the tier's lengths kept sorted: taking "the largest that fits, newest first" is
 * a short scan of lengths and a heap pop, and every operation stays logarithmic in the
 * queue length (memberlist uses a B-tree for the same reason). Replaced and pruned
 * messages are marked and skipped when they surface. A queue beyond `broadcastsMax` loses
 * its most-sent, smallest, oldest messages first, as memberlist's `Prune` would.
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
  /** Replaced or pruned: skipped when it surfaces in its bucket. */
  removed: boolean;
  readonly onFinished: (() => void) | null;
}

/** Messages sent the same number of times, by length, newest first within a length. */
class Tier {
  /** Distinct lengths present, ascending. */
  readonly lengths: number[] = [];
  readonly buckets = new Map<number, Item[]>();
  /** Live (not removed) items. */
  live = 0;
  /** Heap entries, removed ones included. */
  entries = 0;

  add(item: Item): void {
    let heap = this.buckets.get(item.bytes);
    if (heap === undefined) {
      heap = [];
      this.buckets.set(item.bytes, heap);
      const at = lowerBound(this.lengths, item.bytes);
      this.lengths.splice(at, 0, item.bytes);
    }
    heapPush(heap, item);
    this.live++;
    this.entries++;
  }

  /** Drops removed entries once they outnumber the live ones (bounds a replacement flood). */
  compactIfSparse(): void {
    if (this.entries <= 2 * this.live + 64) return;
    const items: Item[] = [];
    for (const heap of this.buckets.values())
      for (const item of heap) if (!item.removed) items.push(item);
    this.lengths.length = 0;
    this.buckets.clear();
    this.live = 0;
    this.entries = 0;
    for (const item of items) this.add(item);
  }

  /** Removes and returns the newest of the largest live items of at most `room` bytes. */
  takeFitting(room: number): Item | null {
    for (let i = upperBound(this.lengths, room) - 1; i >= 0; i--) {
      const length = this.lengths[i]!;
      const heap = this.buckets.get(length)!;
      let found: Item | null = null;
      while (heap.length > 0) {
        const top = heapPop(heap);
        this.entries--;
        if (!top.removed) {
          found = top;
          break;
        }
      }
      if (heap.length === 0) {
        this.buckets.delete(length);
        this.lengths.splice(i, 1);
      }
      if (found !== null) {
        this.live--;
        return found;
      }
    }
    return null;
  }

  /** The oldest live item among the smallest: what `Prune` drops first. */
  pruneOne(): Item | null {
    for (const length of this.lengths) {
      const heap = this.buckets.get(length)!;
      let oldest: Item | null = null;
      for (const item of heap)
        if (!item.removed && (oldest === null || item.id < oldest.id)) oldest = item;
      if (oldest !== null) return oldest;
    }
    return null;
  }
}

export class BroadcastQueue {
  readonly retransmitMult: number;
  readonly broadcastsMax: number;
  readonly #tiers: Tier[] = [];
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
    if (old !== undefined) this.#remove(old);
    const item: Item = {
      key,
      message,
      bytes,
      id: this.#nextId++,
      transmits: 0,
      removed: false,
      onFinished,
    };
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
      const item = tier.live > 0 ? tier.takeFitting(free - overheadBytes) : null;
      if (item === null) {
        t++;
        continue;
      }
      used += overheadBytes + item.bytes;
      out.push(item.message);
      if (item.transmits + 1 >= limit) {
        this.#byKey.delete(item.key);
        item.removed = true;
        item.onFinished?.();
      } else {
        // Back one tier up, after the packet is full, so that it is not taken twice.
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
    for (const item of [...this.#byKey.values()]) this.#remove(item);
  }

  #insert(item: Item): void {
    while (this.#tiers.length <= item.transmits) this.#tiers.push(new Tier());
    this.#tiers[item.transmits]!.add(item);
  }

  #remove(item: Item): void {
    if (item.removed) return;
    item.removed = true;
    const tier = this.#tiers[item.transmits]!;
    tier.live--;
    tier.compactIfSparse();
    this.#byKey.delete(item.key);
    item.onFinished?.();
  }

  #pruneOne(): void {
    for (let t = this.#tiers.length - 1; t >= 0; t--) {
      const victim = this.#tiers[t]!.live > 0 ? this.#tiers[t]!.pruneOne() : null;
      if (victim !== null) {
        this.#remove(victim);
        return;
      }
    }
  }
}

/** First index with `xs[i] >= x` in an ascending array. */
function lowerBound(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index with `xs[i] > x` in an ascending array. */
function upperBound(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Max-heap by id (the newest on top). */
function heapPush(h: Item[], item: Item): void {
  let i = h.length;
  h.push(item);
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (h[p]!.id >= item.id) break;
    h[i] = h[p]!;
    i = p;
  }
  h[i] = item;
}

function heapPop(h: Item[]): Item {
  const top = h[0]!;
  const last = h.pop()!;
  const n = h.length;
  if (n > 0) {
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && h[r]!.id > h[l]!.id ? r : l;
      if (h[c]!.id <= last.id) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
  }
  return top;
}
