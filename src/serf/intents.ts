/**
 * Intents about nodes memberlist does not know yet (serf-layer.md §5.1).
 *
 * Join and leave intents are gossiped independently of memberlist's alive messages, so an
 * intent often arrives before the node it is about. Serf keeps the latest intent per node
 * name (`recentIntents`: type, Lamport time, wall time) and applies it when memberlist
 * reports the node: a buffered leave makes the new member `leaving` at once, a buffered join
 * gives it its status time. Only a new or newer intent is stored — and only then re-gossiped
 * — which is what stops rebroadcast storms. Entries expire after `RecentIntentTimeout`
 * (5 min), swept by the reaper.
 *
 * Limit: at most `entriesMax` names. Serf has no bound; a peer could otherwise fill our
 * memory with intents about invented names. When full, the oldest entry (by the time it was
 * last stored) is evicted: it is the one closest to expiring anyway, and the intent it held
 * is still carried by push/pull state and by the node's own re-announcement.
 */

import { assert } from '../core/errors.ts';

export type IntentType = 'join' | 'leave';

export interface NodeIntent {
  readonly type: IntentType;
  readonly ltime: bigint;
  /** When it was stored, host milliseconds. */
  readonly storedAtMs: number;
}

export class IntentBuffer {
  readonly entriesMax: number;
  /** Entries evicted by the limit since creation. */
  evictedTotal = 0;
  /** Insertion order is storage order: a re-stored entry moves to the end. */
  readonly #byName = new Map<string, NodeIntent>();

  constructor(entriesMax: number) {
    assert(Number.isSafeInteger(entriesMax) && entriesMax >= 1, `bad intent limit ${entriesMax}`);
    this.entriesMax = entriesMax;
  }

  get size(): number {
    return this.#byName.size;
  }

  /**
   * Serf's `upsertIntent`: stores the intent if there is none for `node` or it is newer
   * than the stored one. Returns whether it was stored (then it should be re-gossiped).
   */
  upsert(node: string, type: IntentType, ltime: bigint, nowMs: number): boolean {
    const old = this.#byName.get(node);
    if (old !== undefined && ltime <= old.ltime) return false;
    if (old !== undefined) this.#byName.delete(node);
    else if (this.#byName.size >= this.entriesMax) {
      const oldest = this.#byName.keys().next().value as string;
      this.#byName.delete(oldest);
      this.evictedTotal++;
    }
    this.#byName.set(node, { type, ltime, storedAtMs: nowMs });
    return true;
  }

  /** The Lamport time of the buffered intent for `node` if it has this `type`. */
  get(node: string, type: IntentType): bigint | undefined {
    const intent = this.#byName.get(node);
    return intent !== undefined && intent.type === type ? intent.ltime : undefined;
  }

  /** Serf's `reapIntents`: forgets intents stored more than `timeoutMs` ago. */
  reap(nowMs: number, timeoutMs: number): void {
    for (const [name, intent] of this.#byName) {
      // Storage order is time order, so the first young entry ends the sweep.
      if (nowMs - intent.storedAtMs <= timeoutMs) break;
      this.#byName.delete(name);
    }
  }
}
