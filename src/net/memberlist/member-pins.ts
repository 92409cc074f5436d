/**
 * Keeps members' addresses pinned in the host's address map.
 *
 * The address map (address-map.ts) evicts least-recently-used entries that are not pinned;
 * only the layer that sees member events knows which addresses are members. Feed this the
 * member snapshots of `member-join`/`member-update` events and the names of `member-reaped`
 * ones (the SWIM node's, or the Serf layer's forwarding of them): each member's current
 * address stays pinned from its join until the SWIM node drops it from its table, and a
 * member that moves to a new address has the old one unpinned. Memory: one entry per member.
 */

import { NO_PEER, type NodeId } from '../../core/protocol.ts';
import { type BoundedAddressMap, SELF_ID } from './address-map.ts';

export class MemberPins {
  readonly #addresses: BoundedAddressMap;
  /** Member name → the pinned address id. */
  readonly #byName = new Map<string, NodeId>();

  constructor(addresses: BoundedAddressMap) {
    this.#addresses = addresses;
  }

  /** Members currently pinned (self excluded). */
  get size(): number {
    return this.#byName.size;
  }

  /**
   * Pins the member's current address (a join or an update). Takes only what pinning needs,
   * so SWIM's and Serf's member snapshots both fit.
   */
  pin(m: { readonly name: string; readonly ip: Uint8Array; readonly port: number }): void {
    const addresses = this.#addresses;
    const id = addresses.lookup(m.ip, m.port) ?? addresses.idOf(m.ip, m.port);
    // NO_PEER: the map is full of pinned members; this one stays unpinned (and counted there).
    if (id === SELF_ID || id === NO_PEER) return;
    const old = this.#byName.get(m.name);
    if (old === id) return;
    if (old !== undefined) addresses.unpin(old);
    addresses.pin(id);
    this.#byName.set(m.name, id);
  }

  /** Unpins a member that left the table (reaped). */
  unpin(name: string): void {
    const id = this.#byName.get(name);
    if (id === undefined) return;
    this.#addresses.unpin(id);
    this.#byName.delete(name);
  }
}
