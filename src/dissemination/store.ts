/**
 * A node's known items, with the per-item rumor state SIR needs.
 *
 * `hot` is the SIR "infective" flag: a hot item is still being pushed; a cold one is kept
 * (to answer digests and pulls) but no longer spread actively ("removed").
 *
 * Memory layout matters here: a million-node simulation holds a million stores, most with
 * zero or one item. So the first entry lives in a field and a Map is built only for the
 * second; a store that stays small costs one object, not a hash table, and stays in cache.
 */

import { type DigestCache, NO_IDS } from './digests.ts';
import type { Item } from './messages.ts';

export interface Entry {
  readonly item: Item;
  hot: boolean;
  /** Loss-of-interest counter (contacts counted so far). */
  counter: number;
  /** When this node learned the item (ms, host clock). */
  readonly learnedAtMs: number;
}

/** Below this size a linear scan beats building a Set. */
const LINEAR_SCAN_MAX = 16;

// Loops here are indexed, not `for…of`: these run for most deliveries of an epidemic, and
// results that equal an input or the store's own id list are returned as that array (ids
// lists are immutable) instead of a copy, so an exchange allocates little.
export class ItemStore {
  // `#firstId` answers `has` without touching the entry (a separate object, so another
  // cache miss at 100,000 nodes).
  /** Cached `ids()`: digests are sent every period and the store rarely changes. */
  #ids: readonly string[] = NO_IDS;
  #firstId: string | null = null;
  #map: Map<string, Entry> | null = null;
  #first: Entry | null = null;
  /** Where a one-item store gets its (shared) digest; null: build its own. */
  readonly #digests: DigestCache | null;

  constructor(digests: DigestCache | null = null) {
    this.#digests = digests;
  }

  get size(): number {
    return this.#map !== null ? this.#map.size : this.#first === null ? 0 : 1;
  }

  has(id: string): boolean {
    if (this.#map !== null) return this.#map.has(id);
    return this.#firstId === id;
  }

  get(id: string): Entry | undefined {
    if (this.#map !== null) return this.#map.get(id);
    const f = this.#first;
    return f !== null && f.item.id === id ? f : undefined;
  }

  /** Add a new item; returns its entry, or null if the id was already known. */
  add(item: Item, hot: boolean, nowMs: number): Entry | null {
    if (this.has(item.id)) return null;
    const entry: Entry = { item, hot, counter: 0, learnedAtMs: nowMs };
    if (this.#first === null) {
      this.#first = entry;
      this.#firstId = item.id;
      this.#ids = this.#digests !== null ? this.#digests.oneId(item.id).ids : [item.id];
      return entry;
    }
    if (this.#map === null) this.#map = new Map([[this.#first.item.id, this.#first]]);
    this.#map.set(item.id, entry);
    this.#ids = [...this.#map.keys()];
    return entry;
  }

  /** All known ids, oldest first. The array is shared: callers must not mutate it. */
  ids(): readonly string[] {
    return this.#ids;
  }

  /** Number of ids in `ids` this store knows (ids assumed distinct). */
  countKnown(ids: readonly string[]): number {
    let known = 0;
    for (let i = 0; i < ids.length; i++) if (this.has(ids[i]!)) known++;
    return known;
  }

  entries(): Iterable<Entry> {
    if (this.#map !== null) return this.#map.values();
    return this.#first === null ? [] : [this.#first];
  }

  /** True when at least one item is still hot. */
  anyHot(): boolean {
    if (this.#map === null) return this.#first?.hot === true;
    for (const e of this.#map.values()) if (e.hot) return true;
    return false;
  }

  /** The ids in `ids` that this store lacks (order kept, duplicates removed). */
  lacking(ids: readonly string[]): readonly string[] {
    // A single id lacked by an empty store is the whole answer: no copy.
    if (ids.length === 1 && this.#firstId === null) return ids;
    let out: string[] | null = null;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (this.has(id)) continue;
      if (out === null) out = [id];
      else if (!out.includes(id)) out.push(id);
    }
    return out ?? NO_IDS;
  }

  /** This store's ids that are not in `ids`. */
  notIn(ids: readonly string[]): readonly string[] {
    const mine = this.#ids;
    // Against an empty list, that is all of ours: our own (immutable) list.
    if (ids.length === 0) return mine;
    let out: string[] | null = null;
    if (ids.length <= LINEAR_SCAN_MAX) {
      for (let i = 0; i < mine.length; i++) {
        const id = mine[i]!;
        if (ids.includes(id)) continue;
        if (out === null) out = [id];
        else out.push(id);
      }
    } else {
      const set = new Set(ids);
      for (let i = 0; i < mine.length; i++) {
        const id = mine[i]!;
        if (set.has(id)) continue;
        if (out === null) out = [id];
        else out.push(id);
      }
    }
    return out ?? NO_IDS;
  }

  /** The items among `ids` that this store has. */
  items(ids: readonly string[]): Item[] {
    const out: Item[] = [];
    for (let i = 0; i < ids.length; i++) {
      const e = this.get(ids[i]!);
      if (e !== undefined) out.push(e.item);
    }
    return out;
  }
}
