/**
 * Traffic and drop counters of one real host.
 *
 * Messages and bytes are counted per message type (the codec's `typeOf`) and direction;
 * the same shapes as the simulator's `messagesByType`/`droppedByReason`, so a real run and a
 * simulated one can be compared column by column. Drops are keyed by reason: a
 * `HEARSAY_ERR_*` code when a peer sent something invalid (from `DropCounter`), or one of
 * the host's own `LocalDropReason`s. Memory is bounded by the number of message types and
 * reasons, both closed sets.
 */

import { DropCounter } from '../codec/drop-counter.ts';
import type { RemoteError } from '../core/errors.ts';

/** Drops that are not a peer's fault: our bugs, our limits, the OS refusing a send. */
export type LocalDropReason =
  /** A decoder or handler threw something other than `RemoteError`: a hearsay bug. */
  | 'internal'
  /** The OS refused a datagram send (EMSGSIZE, ENETUNREACH, …). */
  | 'send-error'
  /** An encoded message is larger than `packetBytesMax`; not sent. */
  | 'send-oversize'
  /** The protocol addressed an id the address book does not know. */
  | 'send-unknown-peer'
  | 'reliable-backlog'
  | 'reliable-connect'
  | 'reliable-inbound-full';

export interface DirectionStats {
  readonly messages: number;
  readonly bytes: number;
  readonly messagesByType: Record<string, number>;
  readonly bytesByType: Record<string, number>;
}

export interface HostStatsSnapshot {
  /** Milliseconds since the host started (monotonic). */
  readonly uptimeMs: number;
  readonly peers: number;
  readonly in: DirectionStats;
  readonly out: DirectionStats;
  /** Events the protocol emitted, by type. */
  readonly events: Record<string, number>;
  readonly dropped: number;
  readonly droppedByReason: Record<string, number>;
}

class Direction {
  messages = 0;
  bytes = 0;
  readonly messagesByType = new Map<string, number>();
  readonly bytesByType = new Map<string, number>();

  add(type: string, bytes: number): void {
    this.messages++;
    this.bytes += bytes;
    this.messagesByType.set(type, (this.messagesByType.get(type) ?? 0) + 1);
    this.bytesByType.set(type, (this.bytesByType.get(type) ?? 0) + bytes);
  }

  snapshot(): DirectionStats {
    return {
      messages: this.messages,
      bytes: this.bytes,
      messagesByType: Object.fromEntries(this.messagesByType),
      bytesByType: Object.fromEntries(this.bytesByType),
    };
  }
}

export class HostStats {
  readonly in = new Direction();
  readonly out = new Direction();
  readonly remoteDrops = new DropCounter();
  readonly #localDrops = new Map<LocalDropReason, number>();
  readonly #events = new Map<string, number>();

  /** Count a drop caused by a peer. True the first time this code is seen (log it then). */
  remoteDrop(err: RemoteError): boolean {
    return this.remoteDrops.record(err);
  }

  /** Count a local drop. True the first time this reason is seen (log it then). */
  localDrop(reason: LocalDropReason): boolean {
    const seen = this.#localDrops.get(reason);
    this.#localDrops.set(reason, (seen ?? 0) + 1);
    return seen === undefined;
  }

  event(type: string): void {
    this.#events.set(type, (this.#events.get(type) ?? 0) + 1);
  }

  snapshot(uptimeMs: number, peers: number): HostStatsSnapshot {
    const droppedByReason = {
      ...this.remoteDrops.counts(),
      ...Object.fromEntries(this.#localDrops),
    };
    let dropped = 0;
    for (const n of Object.values(droppedByReason)) dropped += n;
    return {
      uptimeMs,
      peers,
      in: this.in.snapshot(),
      out: this.out.snapshot(),
      events: Object.fromEntries(this.#events),
      dropped,
      droppedByReason,
    };
  }
}
