/**
 * The real host: one protocol instance driven by a UDP socket, a TCP listener and real timers.
 *
 * This is the `net/` half of the sans-I/O split (the simulator in `src/sim` is the other):
 * the protocol object is the very one the simulator runs; this class only translates.
 *
 *   contract                 here
 *   ────────────────────     ─────────────────────────────────────────────────────────────
 *   NodeId                   AddressBook: self = 0, "a.b.c.d:port" ↔ 1, 2, … as seen
 *   ctx.now                  performance.now() − start: monotonic ms, immune to clock steps;
 *                            read once per call, never before a firing timer's due time
 *   ctx.rng                  Rng(seed); the seed is reported (`seed`) to replay in the sim
 *   randomPeer(s)            uniform over the address book, self excluded
 *   send                     codec.encode → one udp4 datagram (≤ packetBytesMax)
 *   sendReliable             codec.encode → one length-prefixed frame on TCP (reliable.ts)
 *   setTimer/cancelTimer     one setTimeout per timer kind, replaced on re-arm
 *   emit                     counted, then `onEvent`
 *   start/stop               `UdpHost.start` / `host.stop()`
 *   application commands     `host.invoke((protocol, ctx) => protocol.publish(ctx, …))`
 *
 * Every entry into the protocol (start, a datagram, a frame, a timer, `invoke`, stop) goes
 * through `#dispatch`, which marks the context live, reads the clock once, runs the call,
 * then marks the context dead and flushes what the call produced: sends are encoded and
 * written, then events are handed to `onEvent`. Buffering the outputs gives two guarantees:
 * the context works only synchronously inside a call (using it later is an assertion
 * failure, i.e. a protocol bug), and `onEvent` may call `invoke` without re-entering the
 * protocol mid-handler. Node's single thread already makes calls non-concurrent.
 *
 * Input from the network is hostile. A datagram over `packetBytesMax` or one the codec
 * rejects (`RemoteError`) is dropped, counted by code, and logged once per code; the node
 * stays up. Anything else thrown by a decoder or handler is a hearsay bug: logged with its
 * stack (up to `internalErrorLogsMax` times), counted as `internal`, and the node stays up
 * too, because one bad packet must not take a cluster member down. Only a packet that
 * decodes is attributed to its sender, so garbage never adds a peer to the address book.
 */

import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { assert, RemoteError } from '../core/errors.ts';
import type { Context, NodeId, Protocol, ProtocolEvent, ProtocolSpec } from '../core/protocol.ts';
import { NO_PEER } from '../core/protocol.ts';
import { Rng } from '../core/rng.ts';
import { formatHostPort, type HostPort, parseHostPort } from './address.ts';
import { AddressBook, PEERS_MAX_DEFAULT, SELF_ID } from './address-book.ts';
import { HostStats, type HostStatsSnapshot, type LocalDropReason } from './host-stats.ts';
import { HostTimers } from './host-timers.ts';
import { InputFaults } from './input-faults.ts';
import { randomSeed } from './random-seed.ts';
import { RELIABLE_LIMITS_DEFAULT, type ReliableLimits, ReliableTransport } from './reliable.ts';

/** Largest UDP payload over IPv4 (65 535 − 8 UDP header − 20 IP header). */
export const UDP_PAYLOAD_BYTES_MAX = 65_507;

export interface UdpHostLimits {
  /**
   * Largest datagram sent or accepted. The default is the IPv4 maximum, which loopback and
   * LANs carry (fragmented above the MTU); set ~1400 to stay unfragmented on any path.
   */
  readonly packetBytesMax: number;
  /** Most peers the address book holds; strangers beyond it are refused and counted. */
  readonly peersMax: number;
  /** Bind retries when port 0 was asked and the UDP port's TCP twin is taken. */
  readonly bindAttemptsMax: number;
  /** How many internal errors are logged with a stack before further ones are only counted. */
  readonly internalErrorLogsMax: number;
  /** How long `stop` waits for datagrams already handed to the OS. */
  readonly closeGraceMs: number;
  readonly reliable: ReliableLimits;
}

export const UDP_HOST_LIMITS_DEFAULT: UdpHostLimits = {
  packetBytesMax: UDP_PAYLOAD_BYTES_MAX,
  peersMax: PEERS_MAX_DEFAULT,
  bindAttemptsMax: 8,
  internalErrorLogsMax: 20,
  closeGraceMs: 1_000,
  reliable: RELIABLE_LIMITS_DEFAULT,
};

/** Where the host reports drops and bugs. Writes to stderr by default (stdout may be data). */
export interface HostLogger {
  warn(message: string): void;
  error(message: string, err?: unknown): void;
}

export function stderrLogger(prefix: string): HostLogger {
  return {
    warn: (message) => process.stderr.write(`${prefix} warn: ${message}\n`),
    error: (message, err) =>
      process.stderr.write(
        `${prefix} ERROR: ${message}${err === undefined ? '' : `\n${err instanceof Error ? (err.stack ?? err.message) : String(err)}`}\n`,
      ),
  };
}

export interface UdpHostOptions<
  M,
  T extends string,
  E extends ProtocolEvent,
  P extends Protocol<M, T, E>,
> {
  readonly spec: ProtocolSpec<M, T, E, P>;
  /** IPv4 address and port; port 0 lets the OS choose (read it back from `address`). */
  readonly bind: HostPort;
  /** Seed of the node's Rng. Omitted: drawn from the OS, and reported as `seed`. */
  readonly seed?: number;
  /** Initial peers, "a.b.c.d:port". */
  readonly peers?: readonly string[];
  /** Called after each protocol call with the events it emitted, in order. */
  readonly onEvent?: (event: E) => void;
  readonly logger?: HostLogger;
  readonly limits?: Partial<Omit<UdpHostLimits, 'reliable'>> & {
    readonly reliable?: Partial<ReliableLimits>;
  };
}

interface Outgoing<M> {
  readonly to: NodeId;
  readonly msg: M;
  readonly reliable: boolean;
}

export class UdpHost<M, T extends string, E extends ProtocolEvent, P extends Protocol<M, T, E>> {
  /** The seed of this node's Rng: pass it to the simulator to replay the node's choices. */
  readonly seed: number;
  readonly limits: UdpHostLimits;
  readonly #spec: ProtocolSpec<M, T, E, P>;
  readonly #protocol: P;
  readonly #rng: Rng;
  readonly #logger: HostLogger;
  readonly #onEvent: ((event: E) => void) | undefined;
  readonly #stats = new HostStats();
  readonly #timers = new HostTimers<T>((kind, dueMs) => this.#onTimer(kind, dueMs));
  readonly #timerKinds: ReadonlySet<string>;
  readonly #startMs = performance.now();
  readonly #ctx: Context<M, T, E>;

  // Set by #open, before any input can arrive.
  #udp!: Socket;
  #reliable!: ReliableTransport;
  #book!: AddressBook;
  #address!: HostPort;

  /** Peers in a persistent random order; partial Fisher–Yates over it samples uniformly. */
  readonly #sampleOrder: NodeId[] = [];
  #running = false;
  #active = false;
  #nowMs = 0;
  #outbox: Outgoing<M>[] = [];
  #events: E[] = [];
  #udpInFlight = 0;
  #udpDrained: (() => void) | undefined;
  readonly #faults: InputFaults<LocalDropReason>;
  #stopPromise: Promise<void> | undefined;

  private constructor(options: UdpHostOptions<M, T, E, P>, limits: UdpHostLimits) {
    this.#spec = options.spec;
    this.limits = limits;
    this.seed = options.seed ?? randomSeed();
    this.#rng = new Rng(this.seed);
    this.#logger = options.logger ?? stderrLogger('hearsay');
    this.#faults = new InputFaults(this.#stats, this.#logger, limits.internalErrorLogsMax);
    this.#onEvent = options.onEvent;
    this.#timerKinds = new Set(options.spec.timerKinds);
    this.#protocol = options.spec.create(SELF_ID);
    this.#ctx = this.#makeContext();
  }

  /**
   * Bind the sockets, learn the initial peers and start the protocol. Rejects with a
   * `RemoteError` (HEARSAY_ERR_SOCKET or HEARSAY_ERR_CONFIG_INVALID) when it cannot.
   */
  static async start<M, T extends string, E extends ProtocolEvent, P extends Protocol<M, T, E>>(
    options: UdpHostOptions<M, T, E, P>,
  ): Promise<UdpHost<M, T, E, P>> {
    const limits: UdpHostLimits = {
      ...UDP_HOST_LIMITS_DEFAULT,
      ...options.limits,
      reliable: { ...UDP_HOST_LIMITS_DEFAULT.reliable, ...options.limits?.reliable },
    };
    if (options.seed !== undefined && !Number.isSafeInteger(options.seed)) {
      throw new RemoteError(
        'HEARSAY_ERR_CONFIG_INVALID',
        `seed: must be an integer, got ${options.seed}`,
      );
    }
    const bind = parseHostPort(formatHostPort(options.bind.host, options.bind.port), 'bind', true);
    const peers = (options.peers ?? []).map((p) => parseHostPort(p, 'peer'));
    const host = new UdpHost(options, limits);
    await host.#open(bind);
    try {
      for (const p of peers) host.#learnPeer(p);
      host.#running = true;
      host.#udp.on('message', (bytes, rinfo) => host.#onDatagram(bytes, rinfo));
      host.#dispatch((p, ctx) => p.start(ctx));
    } catch (err) {
      await host.#close();
      throw err;
    }
    return host;
  }

  /** The bound address (the actual port when 0 was asked). */
  get address(): HostPort {
    return this.#address;
  }

  /** True between a successful `start` and `stop`. */
  get running(): boolean {
    return this.#running;
  }

  /** Add peers ("a.b.c.d:port"); self and known ones are ignored. Returns their ids. */
  addPeers(addresses: readonly string[]): NodeId[] {
    const parsed = addresses.map((a) => parseHostPort(a, 'peer'));
    return parsed.map((a) => this.#learnPeer(a));
  }

  /** "a.b.c.d:port" of every known peer, self excluded. */
  peerAddresses(): string[] {
    return this.#book.peerAddresses();
  }

  /**
   * Run an application command against the protocol (e.g. `publish`), with a live context.
   * Its sends and events are flushed before this returns. Errors from `fn` propagate.
   */
  invoke<R>(fn: (protocol: P, ctx: Context<M, T, E>) => R): R {
    assert(this.#running, 'invoke on a host that is not running');
    return this.#dispatch(fn);
  }

  stats(): HostStatsSnapshot {
    return this.#stats.snapshot(performance.now() - this.#startMs, this.#book.peerCount);
  }

  /**
   * Graceful shutdown: `protocol.stop` (its last sends are flushed), then timers cleared and
   * sockets closed. Resolves when everything is closed. Idempotent.
   */
  stop(): Promise<void> {
    if (this.#stopPromise === undefined) {
      this.#stopPromise = (async () => {
        try {
          this.#dispatch((p, ctx) => p.stop(ctx));
        } catch (err) {
          this.#inputFailed(err, 'protocol stop');
        }
        await this.#close();
      })();
    }
    return this.#stopPromise;
  }

  // ── sockets ────────────────────────────────────────────────────────────────────────────

  async #open(bind: HostPort): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const udp = createSocket({ type: 'udp4' });
      try {
        await new Promise<void>((resolve, reject) => {
          udp.once('error', reject);
          udp.bind({ address: bind.host, port: bind.port, exclusive: true }, () => {
            udp.off('error', reject);
            resolve();
          });
        });
      } catch (err) {
        udp.close();
        throw socketError(`bind udp ${formatHostPort(bind.host, bind.port)}`, err);
      }
      const port = udp.address().port;
      try {
        this.#reliable = await ReliableTransport.listen(
          { host: bind.host, port },
          this.limits.reliable,
          {
            frame: (from, payload) => this.#onFrame(from, payload),
            remoteFault: (err) => this.#remoteDrop(err, 'reliable stream'),
            fault: (kind, detail) => this.#localDrop(kind, detail),
          },
        );
      } catch (err) {
        await new Promise<void>((resolve) => udp.close(() => resolve()));
        const inUse = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
        if (bind.port === 0 && inUse && attempt < this.limits.bindAttemptsMax) continue;
        throw socketError(`listen tcp ${formatHostPort(bind.host, port)}`, err);
      }
      udp.on('error', (err) => this.#localDrop('send-error', err.message));
      this.#udp = udp;
      this.#address = { host: bind.host, port };
      this.#book = new AddressBook(this.#address, this.limits.peersMax);
      return;
    }
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
    await Promise.all([
      new Promise<void>((resolve) => this.#udp.close(() => resolve())),
      this.#reliable.close(),
    ]);
  }

  #learnPeer(a: HostPort): NodeId {
    const before = this.#book.peerCount;
    const id = this.#book.learn(a.host, a.port);
    if (this.#book.peerCount > before) {
      // Insert at a random position so the persistent sample order stays a uniform shuffle.
      const at = this.#rng.int(this.#sampleOrder.length + 1);
      this.#sampleOrder.push(this.#sampleOrder[at] ?? id);
      this.#sampleOrder[at] = id;
    }
    return id;
  }

  // ── inputs ─────────────────────────────────────────────────────────────────────────────

  #onDatagram(bytes: Buffer, rinfo: RemoteInfo): void {
    if (!this.#running) return;
    const source = `datagram from ${formatHostPort(rinfo.address, rinfo.port)}`;
    let msg: M;
    let from: NodeId;
    try {
      if (bytes.length > this.limits.packetBytesMax) {
        throw new RemoteError(
          'HEARSAY_ERR_DECODE_OVERSIZE',
          `datagram of ${bytes.length} B, limit packetBytesMax is ${this.limits.packetBytesMax} B`,
        );
      }
      msg = this.#spec.codec.decode(bytes);
      from = this.#learnPeer({ host: rinfo.address, port: rinfo.port });
    } catch (err) {
      this.#inputFailed(err, `decode ${source}`);
      return;
    }
    this.#stats.in.add(this.#spec.codec.typeOf(msg), bytes.length);
    this.#handleMessage(from, msg, source, false);
  }

  #onFrame(fromAddress: HostPort, payload: Uint8Array): void {
    if (!this.#running) return;
    const source = `stream frame from ${formatHostPort(fromAddress.host, fromAddress.port)}`;
    let msg: M;
    let from: NodeId;
    try {
      msg = this.#spec.codec.decode(payload);
      from = this.#learnPeer(fromAddress);
    } catch (err) {
      this.#inputFailed(err, `decode ${source}`);
      return;
    }
    this.#stats.in.add(this.#spec.codec.typeOf(msg), payload.length);
    this.#handleMessage(from, msg, source, true);
  }

  #handleMessage(from: NodeId, msg: M, source: string, reliable: boolean): void {
    this.#replyTo = from;
    this.#replyReliable = reliable;
    try {
      this.#dispatch((p, ctx) => p.handleMessage(ctx, from, msg));
    } catch (err) {
      this.#inputFailed(err, `handle ${source}`);
    } finally {
      this.#replyTo = NO_PEER;
    }
  }

  /** Sender and transport of the message being handled, for `ctx.reply`. */
  #replyTo: NodeId = NO_PEER;
  #replyReliable = false;

  #onTimer(kind: T, dueMs: number): void {
    if (!this.#running) return;
    try {
      this.#dispatch((p, ctx) => p.handleTimer(ctx, kind), dueMs);
    } catch (err) {
      this.#inputFailed(err, `timer ${kind}`);
    }
  }

  // Thin forwards: the reporting rules are shared with the other host (input-faults.ts).
  #inputFailed(err: unknown, what: string): void {
    this.#faults.inputFailed(err, what);
  }

  #remoteDrop(err: RemoteError, what: string): void {
    this.#faults.remoteDrop(err, what);
  }

  #localDrop(reason: LocalDropReason, detail: string): void {
    this.#faults.localDrop(reason, detail);
  }

  // ── dispatch and outputs ───────────────────────────────────────────────────────────────

  /**
   * `notBeforeMs`: a timer's due time. libuv rounds timer deadlines to whole milliseconds and
   * may fire a fraction early by `performance.now()`; clamping keeps the promise a protocol
   * relies on (a timer armed at t for d ms sees `now >= t + d`), and the max with the last
   * reading keeps `now` monotonic across calls.
   */
  #dispatch<R>(fn: (protocol: P, ctx: Context<M, T, E>) => R, notBeforeMs = 0): R {
    assert(!this.#active, 'protocol re-entered: a call started while another was running');
    this.#active = true;
    this.#nowMs = Math.max(this.#nowMs, notBeforeMs, performance.now() - this.#startMs);
    try {
      return fn(this.#protocol, this.#ctx);
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
    for (const o of outbox) this.#transmit(o);
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

  #transmit(o: Outgoing<M>): void {
    const to = this.#book.addressOf(o.to);
    if (to === undefined || o.to === SELF_ID) {
      this.#localDrop('send-unknown-peer', `protocol sent to id ${o.to}, not a known peer`);
      return;
    }
    let bytes: Uint8Array;
    let type: string;
    try {
      bytes = this.#spec.codec.encode(o.msg);
      type = this.#spec.codec.typeOf(o.msg);
    } catch (err) {
      this.#inputFailed(err, 'encode of an outgoing message');
      return;
    }
    const limit = o.reliable ? this.limits.reliable.frameBytesMax : this.limits.packetBytesMax;
    if (bytes.length > limit) {
      this.#localDrop(
        'send-oversize',
        `${type} message of ${bytes.length} B over the ${o.reliable ? 'frameBytesMax' : 'packetBytesMax'} limit of ${limit} B`,
      );
      return;
    }
    this.#stats.out.add(type, bytes.length);
    if (o.reliable) {
      this.#reliable.send(to, bytes);
      return;
    }
    this.#udpInFlight++;
    this.#udp.send(bytes, to.port, to.host, (err) => {
      this.#udpInFlight--;
      if (err) this.#localDrop('send-error', `${formatHostPort(to.host, to.port)}: ${err.message}`);
      if (this.#udpInFlight === 0) this.#udpDrained?.();
    });
  }

  #live(what: string): void {
    assert(this.#active, `ctx.${what} used outside a protocol call (contexts are call-scoped)`);
  }

  #makeContext(): Context<M, T, E> {
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
        return host.#book.peerCount;
      },
      randomPeer(): NodeId {
        host.#live('randomPeer');
        const n = host.#sampleOrder.length;
        return n === 0 ? NO_PEER : host.#sampleOrder[host.#rng.int(n)]!;
      },
      randomPeers(k: number, out: NodeId[]): NodeId[] {
        host.#live('randomPeers');
        out.length = 0;
        const order = host.#sampleOrder;
        const m = Math.min(k, order.length);
        for (let i = 0; i < m; i++) {
          const j = i + host.#rng.int(order.length - i);
          const picked = order[j]!;
          order[j] = order[i]!;
          order[i] = picked;
          out.push(picked);
        }
        return out;
      },
      send(to: NodeId, msg: M): void {
        host.#live('send');
        host.#outbox.push({ to, msg, reliable: false });
      },
      sendReliable(to: NodeId, msg: M): void {
        host.#live('sendReliable');
        host.#outbox.push({ to, msg, reliable: true });
      },
      reply(msg: M): void {
        host.#live('reply');
        // The reliable channel names peers by their listening address (its greeting), so
        // a reply by id reaches the sender on either transport.
        assert(host.#replyTo !== NO_PEER, 'ctx.reply used outside handleMessage');
        host.#outbox.push({ to: host.#replyTo, msg, reliable: host.#replyReliable });
      },
      setTimer(kind: T, delayMs: number): void {
        host.#live('setTimer');
        assert(host.#timerKinds.has(kind), `setTimer: '${kind}' is not in spec.timerKinds`);
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

function socketError(what: string, err: unknown): RemoteError {
  const detail = err instanceof Error ? err.message : String(err);
  return new RemoteError('HEARSAY_ERR_SOCKET', `${what}: ${detail}`, { cause: err });
}
