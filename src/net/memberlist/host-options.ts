/**
 * The memberlist host's options, limits and failure reports: what `MemberlistHost.start`
 * accepts and how it validates them (every error a `ConfigError` naming the field), kept
 * apart from the host so that the host file is about driving the protocol.
 */

import { ConfigError } from '../../core/errors.ts';
import type { NodeId, ProtocolEvent } from '../../core/protocol.ts';
import type { MemberAddress } from '../../membership/types.ts';
import type { MemberlistLimits } from '../../membership/wire/limits.ts';
import { TIMER_DELAY_MS_MAX } from '../host-timers.ts';
import { Keyring } from '../security/keyring.ts';
import type { HostLogger } from '../udp-host.ts';
import { ADDRESSES_MAX_DEFAULT, type BoundedAddressMap } from './address-map.ts';
import type { Security } from './envelope.ts';

/** Largest UDP payload the OS sends (65 535 − 8 UDP header − 20 IPv4 header). */
export const UDP_PAYLOAD_BYTES_MAX = 65_507;

export interface MemberlistHostLimits {
  /**
   * Deadline of one TCP exchange, either side (memberlist `TCPTimeout`: LAN 10 s, WAN 30 s,
   * local 1 s). A dialer that gets no answer by then gives up; a listener closes.
   */
  readonly tcpTimeoutMs: number;
  /** Inbound exchanges at once; memberlist refuses push/pulls beyond 128. */
  readonly inboundStreamsMax: number;
  /** Outbound exchanges at once; a send beyond it is dropped and counted. */
  readonly outboundStreamsMax: number;
  /** Answers read on one outbound exchange (memberlist sends at most one). */
  readonly responseMessagesMax: number;
  /** Entries of the address map (see address-map.ts). */
  readonly addressesMax: number;
  /** Port-0 bind retries when the TCP port's UDP twin is taken (memberlist: 10). */
  readonly bindAttemptsMax: number;
  /** UDP receive buffer asked of the OS (memberlist: 2 MiB, halved until accepted). */
  readonly udpReceiveBufferBytes: number;
  /** How long a partial stream message waits before the buffer is walked again. */
  readonly streamWalkDeferMs: number;
  /** Internal errors logged with a stack before further ones are only counted. */
  readonly internalErrorLogsMax: number;
  /** How long `stop` waits for datagrams and replies already handed to the OS. */
  readonly closeGraceMs: number;
}

export const MEMBERLIST_HOST_LIMITS_DEFAULT: MemberlistHostLimits = Object.freeze({
  tcpTimeoutMs: 10_000,
  inboundStreamsMax: 128,
  outboundStreamsMax: 128,
  responseMessagesMax: 4,
  addressesMax: ADDRESSES_MAX_DEFAULT,
  bindAttemptsMax: 10,
  udpReceiveBufferBytes: 2 * 1024 * 1024,
  streamWalkDeferMs: 2,
  internalErrorLogsMax: 20,
  closeGraceMs: 1_000,
});

/** Why an outbound exchange failed; see `StreamFailure`. */
export type StreamFailureReason =
  /** Nobody listens there (ECONNREFUSED). */
  | 'refused'
  /** The connection failed otherwise (unreachable, reset, …). */
  | 'connect-error'
  /** No (complete) answer within `tcpTimeoutMs`. */
  | 'timeout'
  /**
   * Accepted, then closed without the answer a push/pull or ping expects. A memberlist
   * node does this when it is over its push/pull limit; it is also what an answer we
   * cannot read looks like from far away, so an encryption mismatch is worth checking.
   */
  | 'no-answer'
  /** The answer is encrypted and did not open with any of our keys. */
  | 'undecryptable-answer'
  /** We encrypt and the answer is plaintext (the peer has no keys). */
  | 'plaintext-answer'
  /** The answer is encrypted and we have no keys. */
  | 'encrypted-answer'
  /** The answer is not a valid stream message. */
  | 'bad-answer'
  /** The protocol sent to an id the address map does not hold. */
  | 'unknown-peer'
  /** `outboundStreamsMax` exchanges were already running. */
  | 'outbound-full';

export interface StreamFailure {
  /** The id the protocol sent to. */
  readonly to: NodeId;
  /** "ip:port", or '' when the id was unknown. */
  readonly endpoint: string;
  /** The message type sent (`pushPull`, `ping`, `user`). */
  readonly sent: string;
  readonly reason: StreamFailureReason;
  /** One line for a human. */
  readonly detail: string;
}

export interface MemberlistHostOptions<T extends string, E extends ProtocolEvent, P> {
  /**
   * Makes the protocol once the sockets are bound: `addresses` is the host's address map,
   * `advertise` the address the node announces (the bound port when 0 was asked).
   */
  readonly protocol: (env: { addresses: BoundedAddressMap; advertise: MemberAddress }) => P;
  /** IP literal and port; port 0 picks a port free for both UDP and TCP. */
  readonly bind: { readonly host: string; readonly port: number };
  /**
   * The address peers should use, when not the bind address (which must then be a
   * specific address, not 0.0.0.0/::). Port 0 or absent: the bound port.
   */
  readonly advertise?: { readonly host: string; readonly port?: number };
  readonly seed?: number;
  /** Encryption keys, primary first; absent or empty: encryption off. */
  readonly keys?: readonly Uint8Array[];
  /** memberlist `GossipVerifyIncoming` (default true). */
  readonly gossipVerifyIncoming?: boolean;
  /** memberlist `GossipVerifyOutgoing` (default true). */
  readonly gossipVerifyOutgoing?: boolean;
  readonly wireLimits?: Partial<MemberlistLimits>;
  readonly limits?: Partial<MemberlistHostLimits>;
  readonly onEvent?: (event: E) => void;
  readonly onStreamFailure?: (failure: StreamFailure) => void;
  readonly logger?: HostLogger;
  /** Timer kinds the protocol may arm; when given, others are an assertion failure. */
  readonly timerKinds?: readonly T[];
}

export function hostLimits(
  overrides: Partial<MemberlistHostLimits> | undefined,
): MemberlistHostLimits {
  const limits = { ...MEMBERLIST_HOST_LIMITS_DEFAULT, ...overrides };
  for (const [field, value] of Object.entries(limits)) {
    const min = field === 'streamWalkDeferMs' ? 0 : 1;
    if (!Number.isSafeInteger(value) || (value as number) < min) {
      throw new ConfigError(
        `limits.${field}`,
        `must be an integer >= ${min}, got ${String(value)}`,
      );
    }
  }
  if (limits.tcpTimeoutMs > TIMER_DELAY_MS_MAX) {
    throw new ConfigError('limits.tcpTimeoutMs', `must be at most ${TIMER_DELAY_MS_MAX}`);
  }
  return Object.freeze(limits);
}

export function securityFrom(options: {
  keys?: readonly Uint8Array[];
  gossipVerifyIncoming?: boolean;
  gossipVerifyOutgoing?: boolean;
}): Security {
  const keys = options.keys ?? [];
  let keyring: Keyring | undefined;
  if (keys.length > 0) {
    keys.forEach((k, i) => {
      if (!(k instanceof Uint8Array)) throw new ConfigError(`keys[${i}]`, 'must be a Uint8Array');
    });
    keyring = Keyring.create(keys[0]!, keys.slice(1));
  }
  return {
    keyring,
    verifyIncoming: options.gossipVerifyIncoming ?? true,
    verifyOutgoing: options.gossipVerifyOutgoing ?? true,
  };
}

export function checkPort(port: number, field: string, allowZero: boolean): void {
  const min = allowZero ? 0 : 1;
  if (!Number.isInteger(port) || port < min || port > 0xffff) {
    throw new ConfigError(field, `port must be an integer in ${min}..65535, got ${String(port)}`);
  }
}
