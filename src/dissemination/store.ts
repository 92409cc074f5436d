/**
 * A node's known items, with the per-item rumor state SIR needs.
 *
 * `hot` is the SIR "infective" flag: a hot item is still being pushed; a cold one is kept
 * (to answer digests and pulls) but no longer spread actively ("removed"). The map is
 * created lazily: in a million-node simulation most nodes start empty, and an empty Map
 * per node would cost more than the protocol state itself.
 */

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

export class ItemStore {
  #map: Map<string, Entry> | null = null;

  get size(): number {
    return this.#map === null ? 0 : this.#map.size;
  }

  has(id: string): boolean {
    return this.#map?.has(id) === true;
  }

  get(id: string): Entry | undefined {
    return this.#map?.get(id);
  }

  /** Add a new item; returns its entry, or null if the id was already known. */
  add(item: Item, hot: boolean, nowMs: number): Entry | null {
    if (this.#map === null) this.#map = new Map();
    else if (this.#map.has(item.id)) return null;
    const entry: Entry = { item, hot, counter: 0, learnedAtMs: nowMs };
    this.#map.set(item.id, entry);
    return entry;
  }

  ids(): string[] {
    return this.#map === null ? [] : [...this.#map.keys()];
  }

  entries(): IterableIterator<Entry> | readonly Entry[] {
    return this.#map === null ? [] : this.#map.values();
  }

  /** True when at least one item is still hot. */
  anyHot(): boolean {
    if (this.#map === null) return false;
    for (const e of this.#map.values()) if (e.hot) return true;
    return false;
  }

  /** The ids in `ids` that this store lacks (order kept, duplicates removed). */
  lacking(ids: readonly string[]): string[] {
    const out: string[] = [];
    for (const id of ids) if (!this.has(id) && !out.includes(id)) out.push(id);
    return out;
  }

  /** This store's ids that are not in `ids`. */
  notIn(ids: readonly string[]): string[] {
    if (this.#map === null) return [];
    const out: string[] = [];
    if (ids.length <= LINEAR_SCAN_MAX) {
      for (const id of this.#map.keys()) if (!ids.includes(id)) out.push(id);
    } else {
      const set = new Set(ids);
      for (const id of this.#map.keys()) if (!set.has(id)) out.push(id);
    }
    return out;
  }

  /** The items among `ids` that this store has. */
  items(ids: readonly string[]): Item[] {
    const out: Item[] = [];
    if (this.#map === null) return out;
    for (const id of ids) {
      const e = this.#map.get(id);
      if (e !== undefined) out.push(e.item);
    }
    return out;
  }
}
