/**
 * The memberlist host's `AddressMap`: member addresses ↔ `NodeId`s, bounded.
 *
 * memberlist names peers by address; hearsay protocols by numeric id. Two kinds of address
 * reach this table:
 *   - member addresses, which the SWIM node learns from alive messages and push/pulls and
 *     keeps sending to for as long as the member is in its table;
 *   - sources of inbound traffic: every datagram's source and every accepted TCP
 *     connection's far end (an ephemeral port). Anyone can send those, from any number of
 *     ports, so they must not grow memory without bound.
 *
 * Hence: at most `addressesMax` entries; the least recently used (looked up or sent to)
 * entry that is not *pinned* is evicted to make room. The layer that knows which addresses
 * are members (member.ts, from the SWIM node's member list) pins them, so a flood from many
 * source ports only ever evicts other flood entries. Ids are never reused: an evicted
 * address that comes back gets a fresh id, and a protocol still holding the old one finds
 * `addressOf` undefined (its send is dropped and counted) instead of reaching a stranger.
 *
 * The node itself is id 0 (`SELF_ID`, `ctx.self`), at its advertised address, pinned.
 * When every entry is pinned and a new address arrives, or an address is not 4 or 16 bytes,
 * `idOf` returns `NO_PEER` (as the simulator's map does for addresses outside the cluster)
 * and counts a refusal: the SWIM node drops what names such an address, and the host drops
 * a datagram from it (HEARSAY_ERR_QUEUE_FULL).
 *
 * Recency is a JavaScript `Map`'s insertion order (delete + set moves an entry to the end),
 * so lookups, touches and evictions are O(1) amortised; an eviction scan that meets a pinned
 * entry moves it to the end, so pinned entries are stepped over once per cycle, not once
 * per eviction.
 */

import { assert } from '../../core/errors.ts';
import { NO_PEER, type NodeId } from '../../core/protocol.ts';
import type { AddressMap, MemberAddress } from '../../membership/types.ts';
import { canonicalIp, endpointText } from './ip.ts';

export const SELF_ID: NodeId = 0;

/**
 * Default most addresses held. A Serf cluster of a few thousand nodes needs that many pinned
 * entries; the rest is room for transient sources. At roughly 200 bytes an entry, the full
 * table costs about 3 MiB.
 */
export const ADDRESSES_MAX_DEFAULT = 16_384;

interface Entry {
  readonly id: NodeId;
  readonly key: string;
  readonly address: MemberAddress;
  pinned: boolean;
}

export class BoundedAddressMap implements AddressMap {
  readonly addressesMax: number;
  /** Recency order: oldest first. */
  readonly #byKey = new Map<string, Entry>();
  readonly #byId = new Map<NodeId, Entry>();
  /** Pinned ids other than self, for uniform sampling (swap-remove keeps it dense). */
  readonly #pinnedIds: NodeId[] = [];
  readonly #pinnedAt = new Map<NodeId, number>();
  #nextId = SELF_ID + 1;
  #evictions = 0;
  #refusals = 0;

  constructor(self: MemberAddress, addressesMax: number = ADDRESSES_MAX_DEFAULT) {
    assert(Number.isSafeInteger(addressesMax) && addressesMax >= 1, 'addressesMax >= 1');
    this.addressesMax = addressesMax;
    const ip = canonicalIp(self.ip);
    assert(ip !== undefined, 'self address is 4 or 16 bytes');
    const entry: Entry = {
      id: SELF_ID,
      key: endpointText(ip, self.port),
      address: { ip: ip.slice(), port: self.port },
      pinned: true,
    };
    this.#byKey.set(entry.key, entry);
    this.#byId.set(SELF_ID, entry);
  }

  /** Entries held, self included. */
  get size(): number {
    return this.#byKey.size;
  }

  /** Entries evicted so far (a growing count under a flood of sources is expected). */
  get evictions(): number {
    return this.#evictions;
  }

  /** Addresses refused (`NO_PEER`): malformed, or the table full of pinned entries. */
  get refusals(): number {
    return this.#refusals;
  }

  /** Pinned ids, self excluded. Do not mutate. */
  get pinnedIds(): readonly NodeId[] {
    return this.#pinnedIds;
  }

  /** The id of an address, added when new; `NO_PEER` when malformed or the table is all pinned. */
  idOf(ip: Uint8Array, port: number): NodeId {
    const c = canonicalIp(ip);
    if (c === undefined || !Number.isInteger(port) || port < 0 || port > 0xffff) {
      this.#refusals++;
      return NO_PEER;
    }
    const key = endpointText(c, port);
    const known = this.#byKey.get(key);
    if (known !== undefined) {
      this.#touch(known);
      return known.id;
    }
    if (this.#byKey.size >= this.addressesMax && !this.#evictOne()) {
      this.#refusals++;
      return NO_PEER;
    }
    const entry: Entry = {
      id: this.#nextId++,
      key,
      address: { ip: c.slice(), port },
      pinned: false,
    };
    this.#byKey.set(key, entry);
    this.#byId.set(entry.id, entry);
    return entry.id;
  }

  /** The id of an address already held, without adding or touching it. */
  lookup(ip: Uint8Array, port: number): NodeId | undefined {
    const c = canonicalIp(ip);
    return c === undefined ? undefined : this.#byKey.get(endpointText(c, port))?.id;
  }

  addressOf(id: NodeId): MemberAddress | undefined {
    const entry = this.#byId.get(id);
    if (entry === undefined) return undefined;
    this.#touch(entry);
    return entry.address;
  }

  /** Exempts an id from eviction (a member). Unknown ids are ignored. */
  pin(id: NodeId): void {
    const entry = this.#byId.get(id);
    if (entry === undefined || entry.pinned) return;
    entry.pinned = true;
    this.#pinnedAt.set(id, this.#pinnedIds.length);
    this.#pinnedIds.push(id);
  }

  /** Makes an id evictable again (no longer a member). Self stays pinned. */
  unpin(id: NodeId): void {
    const entry = this.#byId.get(id);
    if (entry === undefined || !entry.pinned || id === SELF_ID) return;
    entry.pinned = false;
    const at = this.#pinnedAt.get(id)!;
    const last = this.#pinnedIds.pop()!;
    if (last !== id) {
      this.#pinnedIds[at] = last;
      this.#pinnedAt.set(last, at);
    }
    this.#pinnedAt.delete(id);
  }

  isPinned(id: NodeId): boolean {
    return this.#byId.get(id)?.pinned ?? false;
  }

  #touch(entry: Entry): void {
    this.#byKey.delete(entry.key);
    this.#byKey.set(entry.key, entry);
  }

  /** Evicts the least recently used unpinned entry; false when all are pinned. */
  #evictOne(): boolean {
    let scanned = 0;
    const total = this.#byKey.size;
    for (const entry of this.#byKey.values()) {
      if (scanned++ >= total) break;
      if (entry.pinned) {
        // Iterating a Map visits re-inserted keys again; `scanned` bounds the pass.
        this.#touch(entry);
        continue;
      }
      this.#byKey.delete(entry.key);
      this.#byId.delete(entry.id);
      this.#evictions++;
      return true;
    }
    return false;
  }
}
