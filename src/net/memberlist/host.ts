/**
 * The memberlist host: one `Protocol<SwimMessage, T, E>` (a SWIM node, or the Serf layer
 * wrapping one) driven over memberlist's real transport, byte-compatible with HashiCorp
 * memberlist 0.2.2 (memberlist-wire.md §1, §4.6, §5, §6).
 *
 *   contract                 here
 *   ────────────────────     ─────────────────────────────────────────────────────────────
 *   NodeId                   BoundedAddressMap (address-map.ts): self = 0 at the advertised
 *                            address; members and traffic sources get fresh ids, never reused
 *   ctx.now                  performance.now() − start: monotonic ms, read once per call
 *   ctx.rng                  Rng(seed); the seed is reported (`seed`)
 *   randomPeer(s)            uniform over pinned addresses (the members member.ts pins)
 *   send                     encodePacket → seal (primary key) → one datagram to the address
 *   sendReliable             a new TCP connection: write encodeStream (in an encrypt frame),
 *                            then read answers until the peer closes (or `tcpTimeoutMs`),
 *                            each delivered as handleMessage(to, answer)
 *   reply                    to a datagram: a datagram back to its source; to an inbound
 *                            stream: written on that connection, which is then closed
 *   setTimer/cancelTimer     one setTimeout per kind, replaced on re-arm
 *   emit                     counted, then `onEvent`
 *
 * Inbound TCP is one request per connection, as in memberlist: read one message (bounded by
 * `streamBytesMax` and the `tcpTimeoutMs` deadline), deliver it as handleMessage(id of the
 * far end, msg), write the reply if the protocol gave one, close. At most
 * `inboundStreamsMax` (memberlist: 128) exchanges run at once; more are closed on accept.
 * An inbound stream that cannot be read or opened is answered with an err message, as Go
 * does, so a Go peer logs the reason ("Encryption is configured but …").
 *
 * Every entry into the protocol goes through `#dispatch` exactly as in the generic UDP host
 * (udp-host.ts): the context is live only during the call, outputs are buffered and flushed
 * after it (sends, then events), and anything thrown that is not a `RemoteError` is a hearsay
 * bug: logged (at most `internalErrorLogsMax` times), counted as `internal`, node stays up.
 * Bad input is dropped, counted by code and logged once per code (stats.ts).
 *
 * Failed outbound exchanges (refused, timed out, closed without an answer, an answer that
 * does not decrypt) are counted and reported to `onStreamFailure` with the reason, so the
 * library can tell a user why a join failed. When the request expected an answer (push/pull,
 * ping), the protocol also gets one: an `err` message from the peer's id naming the failure,
 * on a later tick. memberlist's dialer likewise sees such failures at once, and the
 * contract has no other input for them; without it a join to a dead port would wait out the
 * protocol's own deadline.
 */

import type { RemoteInfo, Socket as UdpSocket } from 'node:dgram';
import type { Server, Socket } from 'node:net';
import { assert, ConfigError, isRemoteError, RemoteError } from '../../core/errors.ts';
import type { Context, NodeId, Protocol, ProtocolEvent } from '../../core/protocol.ts';
import { NO_PEER } from '../../core/protocol.ts';
import { Rng } from '../../core/rng.ts';
import type { MemberAddress, SwimMessage } from '../../membership/types.ts';
import { type MemberlistLimits, memberlistLimits } from '../../membership/wire/limits.ts';
import type { Packet, Stream } from '../../membership/wire/messages.ts';
import type { HostStatsSnapshot } from '../host-stats.ts';
import { HostTimers } from '../host-timers.ts';
import { InputFaults } from '../input-faults.ts';
import { randomSeed } from '../random-seed.ts';
import type { Keyring } from '../security/keyring.ts';
import { type HostLogger, stderrLogger } from '../udp-host.ts';
import { BoundedAddressMap, SELF_ID } from './address-map.ts';
import { type BoundSockets, bindSockets } from './bind.ts';
import {
  asPacket,
  asStream,
  packetFromWire,
  packetToWire,
  type Security,
  streamFromWire,
  streamToWire,
} from './envelope.ts';
import {
  checkPort,
  hostLimits,
  type MemberlistHostLimits,
  type MemberlistHostOptions,
  type StreamFailure,
  securityFrom,
  UDP_PAYLOAD_BYTES_MAX,
} from './host-options.ts';
import { endpointText, ipBytes, ipText, isIpv4 } from './ip.ts';
import { OutboundExchange } from './outbound-exchange.ts';
import { type MemberlistDropReason, MemberlistStats, messageLabel } from './stats.ts';
import { StreamReader } from './stream-reader.ts';
import { warmUpStreamCodecOnce } from './warm-up.ts';

export {
  MEMBERLIST_HOST_LIMITS_DEFAULT,
  type MemberlistHostLimits,
  type MemberlistHostOptions,
  type StreamFailure,
  type StreamFailureReason,
  UDP_PAYLOAD_BYTES_MAX,
} from './host-options.ts';

/** How `ctx.reply` answers the message being handled. */
type ReplyPath =
  | { readonly kind: 'none' }
  | { readonly kind: 'udp'; readonly to: NodeId }
  | { readonly kind: 'stream'; readonly exchange: InboundExchange };

type Outgoing =
  | { readonly kind: 'packet'; readonly to: NodeId; readonly msg: Packet }
  | { readonly kind: 'stream'; readonly to: NodeId; readonly msg: Stream }
  | { readonly kind: 'reply'; readonly exchange: InboundExchange; readonly msg: Stream };

interface InboundExchange {
  readonly socket: Socket;
  readonly endpoint: string;
  readonly deadline: ReturnType<typeof setTimeout>;
  replied: boolean;
}

const NO_REPLY: ReplyPath = { kind: 'none' };

export class MemberlistHost<
  T extends string,
  E extends ProtocolEvent,
  P extends Protocol<SwimMessage, T, E>,
> {
  /** The seed of this node's Rng. */
  readonly seed: number;
  readonly limits: MemberlistHostLimits;
  readonly wireLimits: MemberlistLimits;
  readonly protocol: P;
  readonly addresses: BoundedAddressMap;
  /** The address the node announces. */
  readonly advertise: MemberAddress;
  readonly #bound: { readonly host: string; readonly port: number };
  readonly #udp: UdpSocket;
  readonly #udpV6: boolean;
  readonly #tcp: Server;
  readonly #rng: Rng;
  readonly #logger: HostLogger;
  readonly #onEvent: ((event: E) => void) | undefined;
  readonly #onStreamFailure: ((failure: StreamFailure) => void) | undefined;
  readonly #timerKinds: ReadonlySet<string> | undefined;
  readonly #stats = new MemberlistStats();
  readonly #timers = new HostTimers<T>((kind, dueMs) => this.#onTimer(kind, dueMs));
  readonly #startMs = performance.now();
  readonly #ctx: Context<SwimMessage, T, E>;
  readonly #inbound = new Set<InboundExchange>();
  readonly #outbound = new Set<OutboundExchange>();
  #security: Security;
  #running = false;
  #active = false;
  #nowMs = 0;
  #replyPath: ReplyPath = NO_REPLY;
  #outbox: Outgoing[] = [];
  #events: E[] = [];
  #udpInFlight = 0;
  #udpDrained: (() => void) | undefined;
  readonly #faults: InputFaults<MemberlistDropReason>;
  #stopPromise: Promise<void> | undefined;

  private constructor(
    options: MemberlistHostOptions<T, E, P>,
    limits: MemberlistHostLimits,
    wireLimits: MemberlistLimits,
    security: Security,
    sockets: BoundSockets,
    advertise: MemberAddress,
  ) {
    this.limits = limits;
    this.wireLimits = wireLimits;
    this.#security = security;
    this.seed = options.seed ?? randomSeed();
    this.#rng = new Rng(this.seed);
    this.#logger = options.logger ?? stderrLogger('hearsay memberlist');
    this.#faults = new InputFaults(this.#stats, this.#logger, limits.internalErrorLogsMax);
    this.#onEvent = options.onEvent;
    this.#onStreamFailure = options.onStreamFailure;
    this.#timerKinds = options.timerKinds === undefined ? undefined : new Set(options.timerKinds);
    this.#udp = sockets.udp;
    this.#udpV6 = sockets.v6;
    this.#tcp = sockets.tcp;
    this.#bound = { host: sockets.host, port: sockets.port };
    this.advertise = advertise;
    this.addresses = new BoundedAddressMap(advertise, limits.addressesMax);
    this.#ctx = this.#makeContext();
    this.protocol = options.protocol({ addresses: this.addresses, advertise });
  }

  /**
   * Validates the options, binds both sockets and starts the protocol. Rejects with
   * `ConfigError` naming a bad field, or `RemoteError(HEARSAY_ERR_SOCKET)` when binding fails.
   */
  static async start<
    T extends string,
    E extends ProtocolEvent,
    P extends Protocol<SwimMessage, T, E>,
  >(options: MemberlistHostOptions<T, E, P>): Promise<MemberlistHost<T, E, P>> {
    const limits = hostLimits(options.limits);
    const wireLimits = memberlistLimits(options.wireLimits);
    const security = securityFrom(options);
    if (options.seed !== undefined && !Number.isSafeInteger(options.seed)) {
      throw new ConfigError('seed', `must be an integer, got ${options.seed}`);
    }
    const bindIp = ipBytes(options.bind.host);
    if (bindIp === undefined) {
      throw new ConfigError('bind', `expected an IP literal, got '${options.bind.host}'`);
    }
    checkPort(options.bind.port, 'bind', true);
    let advertiseIp = bindIp;
    if (options.advertise !== undefined) {
      const ip = ipBytes(options.advertise.host);
      if (ip === undefined) {
        throw new ConfigError(
          'advertise',
          `expected an IP literal, got '${options.advertise.host}'`,
        );
      }
      if (options.advertise.port !== undefined)
        checkPort(options.advertise.port, 'advertise', true);
      advertiseIp = ip;
    }
    if (advertiseIp.every((b) => b === 0)) {
      throw new ConfigError(
        'advertise',
        `peers cannot reach ${options.bind.host}: give the address to advertise`,
      );
    }
    // Before any traffic (and before any socket, so it holds nothing if it throws): the
    // first push/pulls a fresh process handles would otherwise run cold.
    warmUpStreamCodecOnce(security);
    const sockets = await bindSockets({
      host: options.bind.host,
      port: options.bind.port,
      bindAttemptsMax: limits.bindAttemptsMax,
      udpReceiveBufferBytes: limits.udpReceiveBufferBytes,
    });
    const advertisePort = options.advertise?.port || sockets.port;
    let host: MemberlistHost<T, E, P>;
    try {
      host = new MemberlistHost(options, limits, wireLimits, security, sockets, {
        ip: advertiseIp,
        port: advertisePort,
      });
    } catch (err) {
      sockets.udp.close();
      sockets.tcp.close();
      throw err;
    }
    host.#running = true;
    sockets.udp.on('message', (bytes, rinfo) => host.#onDatagram(bytes, rinfo));
    sockets.udp.on('error', (err) => host.#localDrop('send-error', err.message));
    sockets.tcp.on('connection', (socket) => host.#accept(socket));
    // Errors after listening (EMFILE on accept, …) must not crash the node.
    sockets.tcp.on('error', (err) => host.#localDrop('stream-connect', err.message));
    try {
      host.#dispatch((p, ctx) => p.start(ctx));
    } catch (err) {
      await host.#close();
      throw err;
    }
    return host;
  }

  /** The bound address (the actual port when 0 was asked). */
  get address(): { readonly host: string; readonly port: number } {
    return this.#bound;
  }

  get running(): boolean {
    return this.#running;
  }

  /**
   * Runs an application command against the protocol (join, leave, …) with a live context;
   * its sends and events are flushed before this returns. Errors from `fn` propagate.
   */
  invoke<R>(fn: (protocol: P, ctx: Context<SwimMessage, T, E>) => R): R {
    assert(this.#running, 'invoke on a host that is not running');
    return this.#dispatch(fn);
  }

  stats(): HostStatsSnapshot {
    return this.#stats.snapshot(performance.now() - this.#startMs, this.addresses.pinnedIds.length);
  }

  // ── keyring ───────────────────────────────────────────────────────────────────────────

  /** True when the host was started with keys. */
  get encryptionEnabled(): boolean {
    return this.#security.keyring !== undefined;
  }

  /** Installed keys, primary first (copies). */
  keys(): Uint8Array[] {
    return (this.#security.keyring?.keys ?? []).map((k) => k.slice());
  }

  /** Adds a key (no-op when present). New keys decrypt at once; `useKey` makes one primary. */
  installKey(key: Uint8Array): void {
    this.#security = { ...this.#security, keyring: this.#keyring().install(key) };
  }

  /** Makes an installed key the primary: everything sent from now on is sealed with it. */
  useKey(key: Uint8Array): void {
    this.#security = { ...this.#security, keyring: this.#keyring().use(key) };
  }

  /** Removes a key; the primary cannot be removed. */
  removeKey(key: Uint8Array): void {
    this.#security = { ...this.#security, keyring: this.#keyring().remove(key) };
  }

  #keyring(): Keyring {
    const keyring = this.#security.keyring;
    if (keyring === undefined) {
      throw new ConfigError(
        'keys',
        'encryption is not enabled on this member (start it with encryption keys)',
      );
    }
    return keyring;
  }

  /**
   * Stops the node: `protocol.stop` (its last sends are flushed) when `graceful` (the
   * default), then timers cleared, in-flight datagrams given `closeGraceMs`, every socket
   * closed. Resolves when closed. Idempotent.
   */
  stop(options: { graceful?: boolean } = {}): Promise<void> {
    if (this.#stopPromise === undefined) {
      this.#stopPromise = (async () => {
        if (options.graceful ?? true) {
          try {
            this.#dispatch((p, ctx) => p.stop(ctx));
          } catch (err) {
            this.#inputFailed(err, 'protocol stop');
          }
        }
        await this.#close();
      })();
    }
    return this.#stopPromise;
  }

  async #close(): Promise<void> {
    this.#running = false;
    this.#timers.clear();
    if (this.#udpInFlight > 0) {
      await new Promise<void>((resolve) => {
        const grace = setTimeout(resolve, this.limits.closeGraceMs);
        this.#udpDrained = () => {
          clearTimeout(grace);
          resolve();
        };
      });
    }
    for (const x of this.#outbound) x.destroy();
    this.#outbound.clear();
    const closing: Promise<void>[] = [
      new Promise<void>((resolve) => this.#udp.close(() => resolve())),
      new Promise<void>((resolve) => this.#tcp.close(() => resolve())),
    ];
    for (const x of this.#inbound) {
      closing.push(
        new Promise<void>((resolve) => {
          if (x.socket.destroyed) return resolve();
          x.socket.once('close', () => resolve());
          // A reply being written gets the grace period; anything else goes now.
          if (x.replied) setTimeout(() => x.socket.destroy(), this.limits.closeGraceMs).unref();
          else x.socket.destroy();
        }),
      );
    }
    await Promise.all(closing);
  }

  // ── UDP in ─────────────────────────────────────────────────────────────────────────────

  #onDatagram(bytes: Buffer, rinfo: RemoteInfo): void {
    if (!this.#running) return;
    const source = `datagram from ${rinfo.address}:${rinfo.port}`;
    let packet: Packet;
    let from: NodeId;
    try {
      packet = packetFromWire(bytes, this.#security, this.wireLimits);
      const ip = ipBytes(rinfo.address);
      assert(ip !== undefined, `dgram source ${rinfo.address} is an IP literal`);
      from = this.#sourceId(ip, rinfo.port);
    } catch (err) {
      this.#inputFailed(err, `decode ${source}`);
      return;
    }
    this.#stats.countIn(messageLabel('udp', packet), bytes.length);
    this.#deliver(from, packet, { kind: 'udp', to: from }, source);
  }

  /** The id of a traffic source; a full table of pinned members refuses strangers. */
  #sourceId(ip: Uint8Array, port: number): NodeId {
    const id = this.addresses.idOf(ip, port);
    if (id === NO_PEER) {
      throw new RemoteError(
        'HEARSAY_ERR_QUEUE_FULL',
        `address map full of members (addressesMax ${this.addresses.addressesMax}); refusing ${endpointText(ip, port)}`,
      );
    }
    return id;
  }

  #deliver(from: NodeId, msg: SwimMessage, path: ReplyPath, source: string): void {
    this.#replyPath = path;
    try {
      this.#dispatch((p, ctx) => p.handleMessage(ctx, from, msg));
    } catch (err) {
      this.#inputFailed(err, `handle ${source}`);
    } finally {
      this.#replyPath = NO_REPLY;
    }
  }

  // ── TCP in: one request per connection ────────────────────────────────────────────────

  #accept(socket: Socket): void {
    socket.on('error', () => {
      // Resets are routine; 'close' follows and cleans up.
    });
    if (!this.#running || this.#inbound.size >= this.limits.inboundStreamsMax) {
      this.#localDrop(
        'stream-inbound-full',
        `inbound connection closed: ${this.#inbound.size} exchanges running, limit inboundStreamsMax ${this.limits.inboundStreamsMax}`,
      );
      socket.destroy();
      return;
    }
    const endpoint = `${socket.remoteAddress}:${socket.remotePort}`;
    const exchange: InboundExchange = {
      socket,
      endpoint,
      replied: false,
      deadline: setTimeout(() => {
        this.#localDrop(
          'stream-timeout',
          `inbound stream from ${endpoint} not done within tcpTimeoutMs ${this.limits.tcpTimeoutMs}`,
        );
        socket.destroy();
      }, this.limits.tcpTimeoutMs),
    };
    this.#inbound.add(exchange);
    socket.on('close', () => {
      clearTimeout(exchange.deadline);
      this.#inbound.delete(exchange);
    });
    const reader = new StreamReader(socket, this.wireLimits, this.limits.streamWalkDeferMs, {
      message: (bytes) => {
        socket.pause();
        this.#onRequest(exchange, bytes);
        return false;
      },
      fault: (err) => this.#refuseRequest(exchange, err),
      end: (leftover) => {
        if (leftover > 0) {
          this.#remoteDrop(
            new RemoteError(
              'HEARSAY_ERR_DECODE_TRUNCATED',
              `inbound stream from ${endpoint} ended ${leftover} B into a message`,
            ),
            'inbound stream',
          );
        }
        socket.end();
      },
    });
    socket.once('close', () => reader.stop());
  }

  #onRequest(exchange: InboundExchange, bytes: Uint8Array): void {
    if (!this.#running) {
      exchange.socket.destroy();
      return;
    }
    const source = `stream from ${exchange.endpoint}`;
    let msg: Stream;
    let from: NodeId;
    try {
      msg = streamFromWire(bytes, this.#security, this.wireLimits);
      const ip = ipBytes(exchange.socket.remoteAddress ?? '');
      assert(ip !== undefined, `tcp peer ${exchange.socket.remoteAddress} is an IP literal`);
      from = this.#sourceId(ip, exchange.socket.remotePort ?? 0);
    } catch (err) {
      if (isRemoteError(err)) this.#refuseRequest(exchange, err);
      else {
        this.#inputFailed(err, `decode ${source}`);
        exchange.socket.destroy();
      }
      return;
    }
    this.#stats.countIn(messageLabel('tcp', msg), bytes.length);
    this.#deliver(from, msg, { kind: 'stream', exchange }, source);
    // Replies were written by the flush; without one the exchange is over. Reading resumes
    // (into nothing) so the peer's close is seen at once: closing with unread bytes would
    // reset the connection and could destroy the reply in flight.
    if (!exchange.replied) exchange.socket.end();
    exchange.socket.resume();
  }

  /** Counts the fault and answers it with an err message, as memberlist does. */
  #refuseRequest(exchange: InboundExchange, err: RemoteError): void {
    this.#remoteDrop(err, `stream from ${exchange.endpoint}`);
    if (exchange.replied || exchange.socket.destroyed) return;
    exchange.replied = true;
    try {
      const bytes = streamToWire({ type: 'err', error: err.message }, this.#security);
      this.#stats.countOut('tcp:err', bytes.length);
      exchange.socket.end(bytes);
      exchange.socket.resume();
    } catch (e) {
      this.#inputFailed(e, 'err reply');
      exchange.socket.destroy();
    }
  }

  // ── TCP out: one exchange per connection ──────────────────────────────────────────────

  #dial(to: NodeId, msg: Stream): void {
    const sent = messageLabel('tcp', msg).slice(4);
    const expectsAnswer = sent === 'pushPull' || sent === 'ping';
    const address = to === SELF_ID ? undefined : this.addresses.addressOf(to);
    if (address === undefined) {
      const detail = `id ${to} is not a known address`;
      this.#localDrop('send-unknown-peer', `protocol opened a stream to ${detail}`);
      this.#streamFailed({ to, endpoint: '', sent, reason: 'unknown-peer', detail }, expectsAnswer);
      return;
    }
    const endpoint = endpointText(address.ip, address.port);
    if (this.#outbound.size >= this.limits.outboundStreamsMax) {
      const detail = `${this.#outbound.size} exchanges running, limit outboundStreamsMax ${this.limits.outboundStreamsMax}`;
      this.#localDrop('stream-outbound-full', detail);
      this.#streamFailed({ to, endpoint, sent, reason: 'outbound-full', detail }, expectsAnswer);
      return;
    }
    const bytes = streamToWire(msg, this.#security);
    this.#stats.countOut(`tcp:${sent}`, bytes.length);
    const exchange: OutboundExchange = new OutboundExchange(
      {
        host: this.#socketHost(address.ip),
        port: address.port,
        endpoint,
        bytes,
        expectsAnswer,
        security: this.#security,
        wireLimits: this.wireLimits,
        tcpTimeoutMs: this.limits.tcpTimeoutMs,
        responseMessagesMax: this.limits.responseMessagesMax,
        streamWalkDeferMs: this.limits.streamWalkDeferMs,
      },
      {
        answer: (reply, wireBytes) => {
          this.#stats.countIn(messageLabel('tcp', reply), wireBytes);
          if (this.#running) this.#deliver(to, reply, NO_REPLY, `answer from ${endpoint}`);
        },
        failed: (reason, drop, detail) => {
          if (drop instanceof RemoteError) this.#remoteDrop(drop, `answer from ${endpoint}`);
          else this.#localDrop(drop, `${sent} to ${endpoint}: ${detail}`);
          this.#streamFailed({ to, endpoint, sent, reason, detail }, expectsAnswer);
        },
        closed: () => this.#outbound.delete(exchange),
      },
    );
    this.#outbound.add(exchange);
  }

  /**
   * Reports a failed exchange to `onStreamFailure` and, when the request expected an answer,
   * to the protocol as that answer: an `err` from the peer's id with the reason. That is what
   * memberlist's dialer sees (its exchange returns the error at once), and it spares the
   * protocol waiting out its own deadline for a connection that was refused. Delivered on a
   * later tick, never inside the call that sent the request.
   */
  #streamFailed(failure: StreamFailure, expectsAnswer: boolean): void {
    if (this.#onStreamFailure !== undefined) {
      try {
        this.#onStreamFailure(failure);
      } catch (err) {
        this.#inputFailed(err, 'onStreamFailure callback');
      }
    }
    if (!expectsAnswer) return;
    setImmediate(() => {
      if (!this.#running) return;
      const error = `${failure.sent} to ${failure.endpoint || `id ${failure.to}`} failed: ${failure.detail}`;
      this.#deliver(failure.to, { type: 'err', error }, NO_REPLY, `failure of a ${failure.sent}`);
    });
  }

  // ── outputs ────────────────────────────────────────────────────────────────────────────

  /**
   * `notBeforeMs`: a timer's due time; libuv may fire a fraction early by
   * `performance.now()`, and clamping keeps the contract (a timer armed at t for d ms sees
   * `now >= t + d`) and keeps `now` monotonic.
   */
  #dispatch<R>(fn: (protocol: P, ctx: Context<SwimMessage, T, E>) => R, notBeforeMs = 0): R {
    assert(!this.#active, 'protocol re-entered: a call started while another was running');
    this.#active = true;
    this.#nowMs = Math.max(this.#nowMs, notBeforeMs, performance.now() - this.#startMs);
    try {
      return fn(this.protocol, this.#ctx);
    } finally {
      this.#active = false;
      this.#flush();
    }
  }

  #flush(): void {
    const outbox = this.#outbox;
    const events = this.#events;
    this.#outbox = [];
    this.#events = [];
    for (const o of outbox) {
      try {
        this.#transmit(o);
      } catch (err) {
        this.#inputFailed(err, `transmit of a ${o.msg.type}`);
      }
    }
    for (const e of events) {
      this.#stats.event(e.type);
      if (this.#onEvent === undefined) continue;
      try {
        this.#onEvent(e);
      } catch (err) {
        this.#inputFailed(err, `onEvent(${e.type}) callback`);
      }
    }
  }

  #transmit(o: Outgoing): void {
    if (!this.#running && o.kind !== 'reply') return;
    switch (o.kind) {
      case 'packet':
        this.#sendPacket(o.to, o.msg);
        return;
      case 'stream':
        this.#dial(o.to, o.msg);
        return;
      case 'reply': {
        const bytes = streamToWire(o.msg, this.#security);
        this.#stats.countOut(messageLabel('tcp', o.msg), bytes.length);
        o.exchange.socket.end(bytes);
        return;
      }
    }
  }

  #sendPacket(to: NodeId, packet: Packet): void {
    const address = to === SELF_ID ? undefined : this.addresses.addressOf(to);
    if (address === undefined) {
      this.#localDrop(
        'send-unknown-peer',
        `protocol sent a ${packet.type} to id ${to}, not a known peer`,
      );
      return;
    }
    const endpoint = endpointText(address.ip, address.port);
    if (!this.#udpV6 && !isIpv4(address.ip)) {
      this.#localDrop('send-error', `${endpoint}: an IPv4 socket cannot reach an IPv6 address`);
      return;
    }
    const bytes = packetToWire(packet, this.#security);
    if (bytes.length > UDP_PAYLOAD_BYTES_MAX) {
      this.#localDrop('send-oversize', `${packet.type} of ${bytes.length} B to ${endpoint}`);
      return;
    }
    this.#stats.countOut(messageLabel('udp', packet), bytes.length);
    this.#udpInFlight++;
    this.#udp.send(bytes, address.port, this.#socketHost(address.ip), (err) => {
      this.#udpInFlight--;
      if (err) this.#localDrop('send-error', `${endpoint}: ${err.message}`);
      if (this.#udpInFlight === 0) this.#udpDrained?.();
    });
  }

  /** The text a socket call needs: a dual-stack v6 socket reaches IPv4 as ::ffff:a.b.c.d. */
  #socketHost(ip: Uint8Array): string {
    const text = ipText(ip);
    return this.#udpV6 && isIpv4(ip) ? `::ffff:${text}` : text;
  }

  // ── faults ─────────────────────────────────────────────────────────────────────────────

  // Thin forwards: the reporting rules are shared with the other host (input-faults.ts).
  #inputFailed(err: unknown, what: string): void {
    this.#faults.inputFailed(err, what);
  }

  #remoteDrop(err: RemoteError, what: string): void {
    this.#faults.remoteDrop(err, what);
  }

  #localDrop(reason: MemberlistDropReason, detail: string): void {
    this.#faults.localDrop(reason, detail);
  }

  // ── the context ────────────────────────────────────────────────────────────────────────

  #live(what: string): void {
    assert(this.#active, `ctx.${what} used outside a protocol call (contexts are call-scoped)`);
  }

  #onTimer(kind: T, dueMs: number): void {
    if (!this.#running) return;
    try {
      this.#dispatch((p, ctx) => p.handleTimer(ctx, kind), dueMs);
    } catch (err) {
      this.#inputFailed(err, `timer ${kind}`);
    }
  }

  #makeContext(): Context<SwimMessage, T, E> {
    const host = this;
    return {
      self: SELF_ID,
      get now(): number {
        host.#live('now');
        return host.#nowMs;
      },
      get rng(): Rng {
        host.#live('rng');
        return host.#rng;
      },
      get peerCount(): number {
        host.#live('peerCount');
        return host.addresses.pinnedIds.length;
      },
      randomPeer(): NodeId {
        host.#live('randomPeer');
        const ids = host.addresses.pinnedIds;
        return ids.length === 0 ? NO_PEER : ids[host.#rng.int(ids.length)]!;
      },
      randomPeers(k: number, out: NodeId[]): NodeId[] {
        host.#live('randomPeers');
        out.length = 0;
        const ids = host.addresses.pinnedIds;
        const m = Math.min(k, ids.length);
        // Floyd's sampling: m distinct indices without copying the id list.
        const picked = new Set<number>();
        for (let j = ids.length - m; j < ids.length; j++) {
          const t = host.#rng.int(j + 1);
          picked.add(picked.has(t) ? j : t);
        }
        for (const i of picked) out.push(ids[i]!);
        return out;
      },
      send(to: NodeId, msg: SwimMessage): void {
        host.#live('send');
        host.#outbox.push({ kind: 'packet', to, msg: asPacket(msg) });
      },
      sendReliable(to: NodeId, msg: SwimMessage): void {
        host.#live('sendReliable');
        host.#outbox.push({ kind: 'stream', to, msg: asStream(msg) });
      },
      reply(msg: SwimMessage): void {
        host.#live('reply');
        const path = host.#replyPath;
        switch (path.kind) {
          case 'udp':
            host.#outbox.push({ kind: 'packet', to: path.to, msg: asPacket(msg) });
            return;
          case 'stream':
            if (!path.exchange.replied) {
              path.exchange.replied = true;
              host.#outbox.push({ kind: 'reply', exchange: path.exchange, msg: asStream(msg) });
              return;
            }
            host.#localDrop(
              'reply-unavailable',
              `second reply to the stream from ${path.exchange.endpoint}`,
            );
            return;
          case 'none':
            host.#localDrop(
              'reply-unavailable',
              `reply to a ${msg.type} outside an inbound request (e.g. to an answer)`,
            );
            return;
        }
      },
      setTimer(kind: T, delayMs: number): void {
        host.#live('setTimer');
        assert(
          host.#timerKinds === undefined || host.#timerKinds.has(kind),
          `setTimer: unknown kind '${kind}'`,
        );
        assert(Number.isFinite(delayMs) && delayMs >= 0, `setTimer(${kind}): delayMs ${delayMs}`);
        if (host.#running) host.#timers.set(kind, delayMs, host.#nowMs);
        else host.#timers.cancel(kind);
      },
      cancelTimer(kind: T): void {
        host.#live('cancelTimer');
        host.#timers.cancel(kind);
      },
      emit(event: E): void {
        host.#live('emit');
        host.#events.push(event);
      },
    };
  }
}
