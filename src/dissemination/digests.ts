/**
 * Shared one-id digests: for each item id, one frozen `[id]` array and one `syn` message
 * carrying it, handed to every node of a spec whose store holds exactly that one item.
 *
 * Why. Push-pull's steady state is every node sending its digest each period to a random
 * peer that already knows the same items. With one item per store (the common case in
 * large simulations: one rumor, a million nodes) the digests are equal, and if equal
 * digests are the *same array*, the receiver recognises "nothing to exchange" by one
 * identity compare on its own node object, without touching the sender's message or any
 * entry — the cache misses that otherwise dominate a delivery at 100,000 nodes. It also
 * saves two objects per node. A per-node array stays correct (the receiver falls back to
 * comparing contents), so sharing is an optimisation, never a requirement.
 *
 * Messages are immutable once sent, so sharing the `syn` object between senders is safe.
 * The cache is bounded (`ONE_ID_DIGESTS_MAX` ids); past it, nodes build their own arrays.
 */

import type { SynMsg } from './messages.ts';

/**
 * Distinct ids with a shared digest. A store's *first* item picks the entry, so this is
 * about the number of different items that were some node's first; 4096 covers every
 * experiment we run while keeping the cache far below the stores it serves.
 */
export const ONE_ID_DIGESTS_MAX = 4096;

/**
 * The empty id list, shared by every empty store and every empty answer. Not frozen, for
 * the reason given in `oneId`; `readonly` keeps our code from writing to it.
 */
export const NO_IDS: readonly string[] = [];

export interface OneIdDigest {
  readonly ids: readonly string[];
  readonly syn: SynMsg;
}

export class DigestCache {
  readonly #byId = new Map<string, OneIdDigest>();
  /** The digest of every empty store. */
  readonly empty: OneIdDigest = { ids: NO_IDS, syn: { t: 'syn', ids: NO_IDS } };

  /** The shared digest of a store holding only `id`. */
  oneId(id: string): OneIdDigest {
    let d = this.#byId.get(id);
    if (d === undefined) {
      // Not frozen: V8 iterates frozen arrays on a slow path (`for…of` allocates), and
      // `readonly` already keeps our own code from writing to it.
      const ids: readonly string[] = [id];
      d = { ids, syn: { t: 'syn', ids } };
      if (this.#byId.size < ONE_ID_DIGESTS_MAX) this.#byId.set(id, d);
    }
    return d;
  }

  get size(): number {
    return this.#byId.size;
  }
}
