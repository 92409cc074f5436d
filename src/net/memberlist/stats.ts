/**
 * Traffic and drop counters of the memberlist host.
 *
 * Same shape as the generic host's (`HostStatsSnapshot`, src/net/host-stats.ts), so tools
 * that read one read both: messages and bytes per type and direction, events per type, drops
 * per reason. Types are prefixed by transport (`udp:ping`, `tcp:pushPull`) and name the
 * message inside the CRC and compression wrappers, since that is what an operator asks about
 * ("how many push/pulls?"); a compound counts once, as `udp:compound`. Bytes are what crossed
 * the socket (sealed, when encrypting).
 *
 * Drops by a peer's fault are keyed by `HEARSAY_ERR_*` code; the host's own by a
 * `MemberlistDropReason`. Both sets are closed, so memory is bounded.
 */

import type { RemoteError } from '../../core/errors.ts';
import type { SwimMessage } from '../../membership/types.ts';
import { HostStats, type HostStatsSnapshot } from '../host-stats.ts';

/** Drops that are not a peer's fault (or not provably so). */
export type MemberlistDropReason =
  /** A handler, encoder or callback threw something other than `RemoteError`: a hearsay bug. */
  | 'internal'
  /** The OS refused a datagram send (EMSGSIZE, ENETUNREACH, …). */
  | 'send-error'
  /** The protocol sent to an id the address map does not hold (never known, or evicted). */
  | 'send-unknown-peer'
  /** An encoded packet is over the UDP payload maximum; not sent. */
  | 'send-oversize'
  /** A TCP connection to a peer was refused, reset, or failed to open. */
  | 'stream-connect'
  /** A TCP exchange (either side) did not finish within `tcpTimeoutMs`. */
  | 'stream-timeout'
  /** The peer closed a connection without the answer a push/pull or ping expects. */
  | 'stream-no-answer'
  /** An inbound connection was closed at once: `inboundStreamsMax` exchanges in progress. */
  | 'stream-inbound-full'
  /** An outbound exchange was not started: `outboundStreamsMax` exchanges in progress. */
  | 'stream-outbound-full'
  /** `ctx.reply` with no open request to answer (a response, or a second reply). */
  | 'reply-unavailable';

export type Transport = 'udp' | 'tcp';

/** Stats label of a message: transport and the type inside hasCrc/compress wrappers. */
export function messageLabel(transport: Transport, msg: SwimMessage): string {
  let m: SwimMessage = msg;
  while (m.type === 'hasCrc' || m.type === 'compress') m = m.message;
  return `${transport}:${m.type}`;
}

export class MemberlistStats {
  readonly #host = new HostStats();
  readonly #local = new Map<MemberlistDropReason, number>();

  countIn(label: string, bytes: number): void {
    this.#host.in.add(label, bytes);
  }

  countOut(label: string, bytes: number): void {
    this.#host.out.add(label, bytes);
  }

  event(type: string): void {
    this.#host.event(type);
  }

  /** Count a drop caused by a peer. True the first time this code is seen (log it then). */
  remoteDrop(err: RemoteError): boolean {
    return this.#host.remoteDrop(err);
  }

  /** Count a local drop. True the first time this reason is seen (log it then). */
  localDrop(reason: MemberlistDropReason): boolean {
    const seen = this.#local.get(reason);
    this.#local.set(reason, (seen ?? 0) + 1);
    return seen === undefined;
  }

  snapshot(uptimeMs: number, peers: number): HostStatsSnapshot {
    const base = this.#host.snapshot(uptimeMs, peers);
    const droppedByReason = { ...base.droppedByReason, ...Object.fromEntries(this.#local) };
    let dropped = 0;
    for (const n of Object.values(droppedByReason)) dropped += n;
    return { ...base, dropped, droppedByReason };
  }
}
