/**
 * Serf's transmit-limited broadcast queues (serf-layer.md §5.5, memberlist-wire.md §8.5).
 *
 * Serf keeps three queues of encoded Serf messages — intents, queries, events — and hands
 * them to memberlist's gossip through the delegate's `getBroadcasts`, after memberlist's own
 * messages, in that order. Each queue behaves like memberlist's `TransmitLimitedQueue`:
 *
 *   - an entry is sent at most `retransmitLimit(mult, n)` = mult × ceil(log10(n + 1)) times,
 *     n being the number of Serf members (failed and left included), read at selection
 *     time so the limit grows with the cluster;
 *   - selection order: fewest transmissions first, then longest, then newest, among the
 *     entries that still fit the remaining budget; one entry at most once per call;
 *   - unlike memberlist's own messages, Serf messages never replace each other (two intents
 *     about one node both go out; the receivers' Lamport checks sort them out).
 *
 * Serf waits for one particular entry (its own leave intent) to be fully sent before leaving
 * memberlist: `queue` returns an id and `isPending(id)` says whether it is still queued.
 *
 * Limit: at most `depthMax` entries. Serf prunes an over-deep queue every 30 s to
 * `MaxQueueDepth` (4096), dropping the most transmitted entries; we apply the same rule at
 * insertion, so the queue is never over its limit even for a moment (and no timer is
 * needed). Dropped entries are counted in `droppedTotal`.
 *
 * Costs: entries are kept in selection order — one array per transmit count, each sorted
 * longest first, then newest — so picking a packet's entries is one ordered pass with a
 * binary search for the next entry that fits (O(log n) per entry picked), the depth limit's
 * victim is the last entry of the highest bucket (O(1)), and an insertion is a binary search
 * and an array splice. A full queue (4096 events under a burst of `serf event`) used to be
 * scanned whole for every entry of every gossip packet and on every insertion.
 */

import { assert } from '../core/errors.ts';

/** memberlist's `retransmitLimit`: how many times one broadcast is sent in total. */
export function retransmitLimit(retransmitMult: number, memberCount: number): number {
  const scale = Math.ceil(Math.log10(memberCount + 1));
  return retransmitMult * Math.max(scale, 0);
}

interface Entry {
  readonly id: number;
  readonly bytes: Uint8Array;
  transmits: number;
}

export class SerfBroadcastQueue {
  readonly depthMax: number;
  /** Entries dropped by the depth limit since creation. */
  droppedTotal = 0;
  /** `#buckets[t]`: the entries sent t times, in selection order (`before`). */
  #buckets: Entry[][] = [];
  /** Queued entries by id, for `isPending`. */
  readonly #byId = new Map<number, Entry>();
  #nextId = 1;

  constructor(depthMax: number) {
    assert(Number.isSafeInteger(depthMax) && depthMax >= 1, `bad queue depth ${depthMax}`);
    this.depthMax = depthMax;
  }

  get size(): number {
    return this.#byId.size;
  }

  /** Queues an encoded Serf message; returns its id for `isPending`. */
  queue(bytes: Uint8Array): number {
    if (this.#byId.size >= this.depthMax) this.#dropOne();
    const id = this.#nextId++;
    const e: Entry = { id, bytes, transmits: 0 };
    this.#insert(e);
    this.#byId.set(id, e);
    return id;
  }

  /** True while the entry is still to be sent (not yet sent its full count, not dropped). */
  isPending(id: number): boolean {
    return this.#byId.has(id);
  }

  /**
   * Picks entries for one outgoing packet: each costs `overheadBytes` besides its length,
   * all together at most `limitBytes`. Entries that reach `transmitLimit` are removed.
   *
   * Picking "the first entry in selection order that fits what is left" again and again is
   * one pass in that order: the budget only shrinks, so an entry passed over never fits
   * later, and within a bucket (longest first) the next fitting one is found by bisection.
   */
  getBroadcasts(overheadBytes: number, limitBytes: number, transmitLimit: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    const buckets = this.#buckets;
    const picked: Entry[] = [];
    let usedBytes = 0;
    pass: for (const bucket of buckets) {
      let i = 0;
      for (;;) {
        const freeBytes = limitBytes - usedBytes - overheadBytes;
        if (freeBytes <= 0) break pass;
        i = firstFitting(bucket, i, freeBytes);
        if (i === bucket.length) break;
        const e = bucket[i++]!;
        picked.push(e);
        usedBytes += overheadBytes + e.bytes.length;
        out.push(e.bytes);
      }
    }
    for (const e of picked) {
      this.#remove(e);
      e.transmits++;
      if (e.transmits < transmitLimit) this.#insert(e);
      else this.#byId.delete(e.id);
    }
    // Entries already at a limit that shrank (fewer members) go too, sent or not.
    this.#dropFrom(Math.max(0, transmitLimit));
    return out;
  }

  /** The queue's victim under the depth limit: most transmitted, then shortest, then oldest. */
  #dropOne(): void {
    const buckets = this.#buckets;
    for (let t = buckets.length - 1; t >= 0; t--) {
      const victim = buckets[t]!.pop();
      if (victim === undefined) continue;
      this.#byId.delete(victim.id);
      this.droppedTotal++;
      return;
    }
  }

  /** Removes every entry sent `transmits` times or more (the limit shrinks with the cluster). */
  #dropFrom(transmits: number): void {
    const buckets = this.#buckets;
    for (let t = transmits; t < buckets.length; t++) {
      for (const e of buckets[t]!) this.#byId.delete(e.id);
    }
    if (buckets.length > transmits) buckets.length = transmits;
  }

  #insert(e: Entry): void {
    const buckets = this.#buckets;
    while (buckets.length <= e.transmits) buckets.push([]);
    const bucket = buckets[e.transmits]!;
    bucket.splice(positionOf(bucket, e), 0, e);
  }

  #remove(e: Entry): void {
    const bucket = this.#buckets[e.transmits]!;
    const i = positionOf(bucket, e);
    assert(bucket[i] === e, 'broadcast entry not where its order puts it');
    bucket.splice(i, 1);
  }
}

/** Index of the first entry of `bucket` not before `e` (where `e` is, or would go). */
function positionOf(bucket: readonly Entry[], e: Entry): number {
  let lo = 0;
  let hi = bucket.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (before(bucket[mid]!, e)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index ≥ `from` whose entry is at most `freeBytes` long (lengths never increase). */
function firstFitting(bucket: readonly Entry[], from: number, freeBytes: number): number {
  let lo = from;
  let hi = bucket.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (bucket[mid]!.bytes.length > freeBytes) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** memberlist's `limitedBroadcast.Less`: fewer transmits, then longer, then newer first. */
function before(a: Entry, b: Entry): boolean {
  if (a.transmits !== b.transmits) return a.transmits < b.transmits;
  if (a.bytes.length !== b.bytes.length) return a.bytes.length > b.bytes.length;
  return a.id > b.id;
}
