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
 * Costs: selection scans the queue (O(entries) per message picked). Queues are short in
 * practice (an intent lives for a few gossip rounds); the depth limit bounds the worst case.
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
  #entries: Entry[] = [];
  #nextId = 1;

  constructor(depthMax: number) {
    assert(Number.isSafeInteger(depthMax) && depthMax >= 1, `bad queue depth ${depthMax}`);
    this.depthMax = depthMax;
  }

  get size(): number {
    return this.#entries.length;
  }

  /** Queues an encoded Serf message; returns its id for `isPending`. */
  queue(bytes: Uint8Array): number {
    if (this.#entries.length >= this.depthMax) this.#dropOne();
    const id = this.#nextId++;
    this.#entries.push({ id, bytes, transmits: 0 });
    return id;
  }

  /** True while the entry is still to be sent (not yet sent its full count, not dropped). */
  isPending(id: number): boolean {
    for (const e of this.#entries) if (e.id === id) return true;
    return false;
  }

  /**
   * Picks entries for one outgoing packet: each costs `overheadBytes` besides its length,
   * all together at most `limitBytes`. Entries that reach `transmitLimit` are removed.
   */
  getBroadcasts(overheadBytes: number, limitBytes: number, transmitLimit: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    const entries = this.#entries;
    if (entries.length === 0) return out;
    const picked = new Set<Entry>();
    let usedBytes = 0;
    for (;;) {
      const freeBytes = limitBytes - usedBytes - overheadBytes;
      if (freeBytes <= 0) break;
      let best: Entry | undefined;
      for (const e of entries) {
        if (picked.has(e) || e.bytes.length > freeBytes) continue;
        if (best === undefined || before(e, best)) best = e;
      }
      if (best === undefined) break;
      picked.add(best);
      usedBytes += overheadBytes + best.bytes.length;
      out.push(best.bytes);
    }
    for (const e of picked) e.transmits++;
    this.#entries = entries.filter((e) => e.transmits < transmitLimit);
    return out;
  }

  /** The queue's victim under the depth limit: most transmitted, then shortest, then oldest. */
  #dropOne(): void {
    const entries = this.#entries;
    let worst = 0;
    for (let i = 1; i < entries.length; i++) {
      if (before(entries[worst]!, entries[i]!)) worst = i;
    }
    entries.splice(worst, 1);
    this.droppedTotal++;
  }
}

/** memberlist's `limitedBroadcast.Less`: fewer transmits, then longer, then newer first. */
function before(a: Entry, b: Entry): boolean {
  if (a.transmits !== b.transmits) return a.transmits < b.transmits;
  if (a.bytes.length !== b.bytes.length) return a.bytes.length > b.bytes.length;
  return a.id > b.id;
}
