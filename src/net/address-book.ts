/**
 * The address book: "a.b.c.d:port" ↔ NodeId for the real host.
 *
 * Protocols speak in opaque numeric ids; the host owns the mapping. The node itself is id 0
 * (`SELF_ID`); every other address gets the next id the first time it is seen, whether
 * given as a configured peer, added by a control command, or observed as the source of a
 * packet. Ids are never reused, so a protocol's per-peer state can never be attributed to the
 * wrong address.
 *
 * Until a membership protocol supplies the view, any sender becomes a peer: that is what
 * lets a node started with no peers be found, and it is also why the book has a hard limit
 * (`peersMax`). A stranger arriving when the book is full is refused with a typed
 * `RemoteError` (HEARSAY_ERR_QUEUE_FULL) and its packet dropped and counted; known peers
 * keep working. Sampling draws from `peerIds` (every id but self) with the node's seeded Rng.
 */

import { assert, RemoteError } from '../core/errors.ts';
import type { NodeId } from '../core/protocol.ts';
import { formatHostPort, type HostPort } from './address.ts';

export const SELF_ID: NodeId = 0;

/** Default most peers a node will remember (excluding itself). */
export const PEERS_MAX_DEFAULT = 4096;

export class AddressBook {
  readonly peersMax: number;
  readonly #idByKey = new Map<string, NodeId>();
  /** Indexed by id; index 0 is this node. */
  readonly #addressById: HostPort[] = [];
  readonly #peerIds: NodeId[] = [];

  constructor(self: HostPort, peersMax: number = PEERS_MAX_DEFAULT) {
    assert(Number.isInteger(peersMax) && peersMax >= 0, 'peersMax >= 0');
    this.peersMax = peersMax;
    this.#idByKey.set(formatHostPort(self.host, self.port), SELF_ID);
    this.#addressById.push(self);
  }

  /** Number of known peers, excluding self. */
  get peerCount(): number {
    return this.#peerIds.length;
  }

  /** All peer ids, excluding self, in the order they were learnt. Do not mutate. */
  get peerIds(): readonly NodeId[] {
    return this.#peerIds;
  }

  idOf(host: string, port: number): NodeId | undefined {
    return this.#idByKey.get(formatHostPort(host, port));
  }

  /**
   * The id of `host:port`, adding it when new. Throws `RemoteError` (HEARSAY_ERR_QUEUE_FULL)
   * when the address is new and the book already holds `peersMax` peers.
   */
  learn(host: string, port: number): NodeId {
    const key = formatHostPort(host, port);
    const known = this.#idByKey.get(key);
    if (known !== undefined) return known;
    if (this.#peerIds.length >= this.peersMax) {
      throw new RemoteError(
        'HEARSAY_ERR_QUEUE_FULL',
        `address book full (peersMax ${this.peersMax}); refusing new peer ${key}`,
      );
    }
    const id = this.#addressById.length;
    this.#addressById.push({ host, port });
    this.#idByKey.set(key, id);
    this.#peerIds.push(id);
    return id;
  }

  addressOf(id: NodeId): HostPort | undefined {
    return this.#addressById[id];
  }

  /** "host:port" of every peer, excluding self. */
  peerAddresses(): string[] {
    return this.#peerIds.map((id) => {
      const a = this.#addressById[id]!;
      return formatHostPort(a.host, a.port);
    });
  }
}
