/**
 * The simulator host: runs any sans-I/O protocol on n virtual nodes with a virtual clock.
 *
 * Theory of operation. One agenda (`EventQueue`) holds three kinds of event: a message
 * delivery, a protocol timer, and a control callback (faults, sampling). `run` pops events in
 * (time, insertion) order, sets the shared context's `self` and `now`, and calls the
 * protocol. Everything random — the protocols' choices and the network's — comes from two
 * streams forked from one seed, so a seed replays a run event for event; `traceHash` is a
 * hash of every event processed and every event emitted, which the determinism test compares.
 *
 * The network model sits in `send`: partitions and loss drop, latency is drawn per message
 * from the link model, per-node upload bandwidth serialises a node's sends, and duplication
 * schedules a second copy. Reliable sends are neither lost nor duplicated and stay in order
 * per pair; a partition still stops them (the connection would fail).
 *
 * Timers are a flat table of generations (node × kind): arming or cancelling bumps the
 * generation, and a popped timer whose generation is stale is ignored. A crash bumps all of
 * the node's generations, drops everything addressed to it while down, and a restart
 * creates a fresh protocol instance (volatile state is lost, as in a real crash).
 *
 * A message is immutable once sent: it is delivered by reference, possibly to several
 * nodes, so a protocol may send one object to many peers (a shared digest) but must not
 * edit it afterwards. `transmit` relies on this to size and type a re-sent message once.
 *
 * Speed (docs/simulator.md, "Performance"): at 100,000 nodes a delivery costs little more
 * than the cache misses of reaching its random receiver, so the hot path allocates
 * nothing, builds no strings (assertion messages only on failure), counts per-type sends
 * in an array, and leaves event storage to the queue's sequential FIFO.
 *
 * What does not live here: what an experiment measures (see dissemination-experiment.ts),
 * and the fault schedule's policy (callers use `at`, `crash`, `partition`, …).
 */

import { assert } from '../core/errors.ts';
import type { Context, NodeId, Protocol, ProtocolEvent, ProtocolSpec } from '../core/protocol.ts';
import { NO_PEER } from '../core/protocol.ts';
import { Rng } from '../core/rng.ts';
import { EV_CONTROL, EV_DELIVER, EV_TIMER, EventQueue } from './event-queue.ts';
import { sampleLatencyMs } from './latency.ts';
import { TraceHash } from './trace-hash.ts';
import { TypeCounts } from './type-counts.ts';
import type { NetworkModel } from './types.ts';

/**
 * How far ahead in the queue of zero-delay deliveries `run` touches the receiver's entry
 * in `protocols` (an 800 KB array at 100,000 nodes, so a likely cache miss). 16 measured
 * best of 4, 8 and 16 at 100,000 nodes: about 5% on a whole push-pull run.
 */
const PREFETCH_AHEAD = 16;

export const PERFECT_NETWORK: NetworkModel = {
  latency: { kind: 'constant', ms: 0 },
  loss: 0,
  duplicate: 0,
  uploadBytesPerSec: 0,
};

export interface SimulatorOptions<
  M,
  T extends string,
  E extends ProtocolEvent,
  P extends Protocol<M, T, E>,
> {
  readonly spec: ProtocolSpec<M, T, E, P>;
  readonly nodes: number;
  readonly seed: number;
  readonly network?: Partial<NetworkModel>;
  /** Called for every event a protocol emits. */
  readonly onEvent?: (node: NodeId, event: E, now: number) => void;
  /** Fold every processed event into the trace hash (default true). */
  readonly traceEvents?: boolean;
}

export interface SimStats {
  messagesSent: number;
  bytesSent: number;
  messagesDelivered: number;
  /** Deliveries scheduled but not yet processed (or dropped at a crashed node). */
  messagesInFlight: number;
  readonly messagesByType: Map<string, number>;
  /** Messages dropped by the network model, by reason: loss, partition, crashed. */
  readonly droppedByReason: Map<string, number>;
  eventsProcessed: number;
}

class SimContext<M, T extends string, E extends ProtocolEvent> implements Context<M, T, E> {
  self: NodeId = 0;
  now = 0;
  readonly rng: Rng;
  readonly peerCount: number;
  readonly #sim: Simulator<M, T, E, Protocol<M, T, E>>;
  readonly #n: number;

  constructor(sim: Simulator<M, T, E, Protocol<M, T, E>>, rng: Rng, n: number) {
    this.#sim = sim;
    this.rng = rng;
    this.#n = n;
    this.peerCount = n - 1;
  }

  randomPeer(): NodeId {
    if (this.#n < 2) return NO_PEER;
    // Uniform over the other n − 1 nodes: draw from n − 1 and skip over self.
    const r = this.rng.int(this.#n - 1);
    return r >= this.self ? r + 1 : r;
  }

  // `out` is written by index and cut to length at the end: in V8, `out.length = 0`
  // drops the array's backing store, so clearing first would allocate on every call.
  randomPeers(k: number, out: NodeId[]): NodeId[] {
    if (k === 1 && this.#n > 1) {
      out[0] = this.randomPeer();
      if (out.length !== 1) out.length = 1;
      return out;
    }
    const want = Math.max(0, Math.min(k, this.#n - 1));
    let count = 0;
    if (want >= (this.#n - 1) / 2) {
      // Dense: partial Fisher–Yates over the explicit list.
      const all: NodeId[] = [];
      for (let i = 0; i < this.#n; i++) if (i !== this.self) all.push(i);
      for (let i = 0; i < want; i++) {
        const j = i + this.rng.int(all.length - i);
        const t = all[i]!;
        all[i] = all[j]!;
        all[j] = t;
        out[count++] = all[i]!;
      }
    } else {
      // Sparse: rejection sampling; k ≪ n so retries are rare.
      while (count < want) {
        const p = this.randomPeer();
        let seen = false;
        for (let i = 0; i < count; i++) {
          if (out[i] === p) {
            seen = true;
            break;
          }
        }
        if (!seen) out[count++] = p;
      }
    }
    out.length = count;
    return out;
  }

  send(to: NodeId, msg: M): void {
    this.#sim.transmit(this.self, to, msg, false);
  }

  sendReliable(to: NodeId, msg: M): void {
    this.#sim.transmit(this.self, to, msg, true);
  }

  /** Sender and transport of the message being handled; NO_PEER outside handleMessage. */
  replyTo: NodeId = NO_PEER;
  replyReliable = false;

  reply(msg: M): void {
    assert(this.replyTo !== NO_PEER, 'reply: only valid inside handleMessage');
    this.#sim.transmit(this.self, this.replyTo, msg, this.replyReliable);
  }

  setTimer(kind: T, delayMs: number): void {
    this.#sim.armTimer(this.self, kind, delayMs);
  }

  cancelTimer(kind: T): void {
    this.#sim.disarmTimer(this.self, kind);
  }

  emit(event: E): void {
    this.#sim.emitted(this.self, event);
  }
}

export class Simulator<M, T extends string, E extends ProtocolEvent, P extends Protocol<M, T, E>> {
  readonly n: number;
  readonly seed: number;
  readonly spec: ProtocolSpec<M, T, E, P>;
  readonly stats: SimStats & { readonly messagesByType: TypeCounts } = {
    messagesSent: 0,
    bytesSent: 0,
    messagesDelivered: 0,
    messagesInFlight: 0,
    messagesByType: new TypeCounts(),
    droppedByReason: new Map(),
    eventsProcessed: 0,
  };
  readonly protocols: P[];

  readonly #queue: EventQueue;
  readonly #ctx: SimContext<M, T, E>;
  readonly #netRng: Rng;
  readonly #up: Uint8Array;
  readonly #timerGen: Int32Array;
  readonly #timerKinds: readonly T[];
  readonly #onEvent: ((node: NodeId, event: E, now: number) => void) | undefined;
  readonly #trace = new TraceHash();
  readonly #traceEvents: boolean;
  /** Event types in first-seen order; the index is the code folded into the trace. */
  readonly #eventTypes: string[] = [];
  #network: NetworkModel;
  #uplinkFreeAt: Float64Array | null = null;
  /** Partition side per node; nodes on different sides cannot reach each other. */
  #side: Uint8Array | null = null;
  #reliableArrival = new Map<number, number>();
  /** The last message sent, its size and type (see `transmit`). */
  #lastMsg: M | null = null;
  #lastSize = 0;
  #lastType = '';

  constructor(opts: SimulatorOptions<M, T, E, P>) {
    assert(
      Number.isInteger(opts.nodes) && opts.nodes >= 1,
      `nodes must be a positive integer, got ${opts.nodes}`,
    );
    this.n = opts.nodes;
    this.seed = opts.seed;
    this.spec = opts.spec;
    // Typically pending at once: each node's periodic timer plus a message in flight.
    this.#queue = new EventQueue(2 * this.n);
    const root = new Rng(opts.seed);
    const protoRng = root.fork();
    this.#netRng = root.fork();
    this.#network = { ...PERFECT_NETWORK, ...opts.network };
    if (this.#network.uploadBytesPerSec > 0) this.#uplinkFreeAt = new Float64Array(this.n);
    this.#ctx = new SimContext<M, T, E>(
      this as unknown as Simulator<M, T, E, Protocol<M, T, E>>,
      protoRng,
      this.n,
    );
    this.#up = new Uint8Array(this.n).fill(1);
    this.#timerKinds = opts.spec.timerKinds;
    this.#timerGen = new Int32Array(this.n * Math.max(1, this.#timerKinds.length));
    this.#onEvent = opts.onEvent;
    this.#traceEvents = opts.traceEvents ?? true;
    this.#trace.int(opts.seed | 0);
    this.#trace.int(this.n);
    // Built by push: `new Array(n)` for large n starts out in slow dictionary mode.
    this.protocols = [];
    for (let i = 0; i < this.n; i++) this.protocols.push(opts.spec.create(i));
    for (let i = 0; i < this.n; i++) this.#call(i, (p, ctx) => p.start(ctx));
  }

  get now(): number {
    return this.#queue.now;
  }

  get network(): NetworkModel {
    return this.#network;
  }

  get pendingEvents(): number {
    return this.#queue.size;
  }

  isUp(node: NodeId): boolean {
    return this.#up[node] === 1;
  }

  traceHash(): string {
    return this.#trace.hex();
  }

  /** Run an application command on a node (e.g. publish), with a valid context. */
  invoke(node: NodeId, fn: (protocol: P, ctx: Context<M, T, E>) => void): void {
    assert(this.#up[node] === 1, `invoke on crashed node ${node}`);
    this.#call(node, fn);
  }

  /** Schedule a control action (fault, measurement) at virtual time `atMs`. */
  at(atMs: number, fn: () => void): void {
    assert(atMs >= this.now, `cannot schedule in the past (${atMs} < ${this.now})`);
    this.#queue.push(atMs, EV_CONTROL, -1, 0, 0, fn);
  }

  // --- fault vocabulary -------------------------------------------------------------

  /** Crash a node: it stops at once, loses volatile state, and messages to it are dropped. */
  crash(node: NodeId): void {
    if (this.#up[node] === 0) return;
    this.#up[node] = 0;
    const k = this.#timerKinds.length;
    for (let i = 0; i < k; i++) this.#timerGen[node * k + i]!++;
    this.#trace.int(0x0c0ffee0);
    this.#trace.int(node);
  }

  /** Restart a crashed node with a fresh protocol instance. */
  restart(node: NodeId): void {
    if (this.#up[node] === 1) return;
    this.#up[node] = 1;
    this.protocols[node] = this.spec.create(node);
    this.#trace.int(0x0c0ffee1);
    this.#trace.int(node);
    this.#call(node, (p, ctx) => p.start(ctx));
  }

  /** Crash then immediately restart. */
  bounce(node: NodeId): void {
    this.crash(node);
    this.restart(node);
  }

  /** Split the cluster: the given nodes on one side, everyone else on the other. */
  partition(minority: Iterable<NodeId>): void {
    const side = new Uint8Array(this.n);
    for (const node of minority) side[node] = 1;
    this.#side = side;
    this.#trace.int(0x9a27);
  }

  /** Heal every partition. */
  repair(): void {
    this.#side = null;
    this.#trace.int(0x9a28);
  }

  setLinkLoss(loss: number): void {
    assert(loss >= 0 && loss < 1, `loss must be in [0, 1), got ${loss}`);
    this.#network = { ...this.#network, loss };
  }

  canReach(a: NodeId, b: NodeId): boolean {
    const side = this.#side;
    return side === null || side[a] === side[b];
  }

  // --- the loop ---------------------------------------------------------------------

  /**
   * Process events up to and including time `untilMs`, or until `stop()` returns true
   * (checked after every event). Returns true if stopped by `stop`.
   */
  run(untilMs: number, stop?: () => boolean): boolean {
    const q = this.#queue;
    const trace = this.#traceEvents ? this.#trace : null;
    const protocols = this.protocols;
    const ctx = this.#ctx;
    const up = this.#up;
    const timerGen = this.#timerGen;
    const kinds = this.#timerKinds;
    const k = kinds.length;
    const stats = this.stats;
    while (q.popUntil(untilMs)) {
      // Read the event before handlers run: their pushes and pops overwrite it.
      const kind = q.eventKind;
      const node = q.eventNode;
      const aux = q.eventAux;
      const now = q.now;
      stats.eventsProcessed++;
      if (trace !== null) {
        trace.int(kind | (aux << 2));
        trace.int(node ^ Math.imul(now * 1000, 0x9e3779b1));
      }
      if (kind === EV_DELIVER) {
        // Software prefetch: load the protocol pointer of the delivery PREFETCH_AHEAD
        // places on, so its cache miss overlaps the work in between instead of stalling
        // when that delivery comes up. The check (an invariant) keeps the load alive.
        const ahead = q.fifoNodeAhead(PREFETCH_AHEAD);
        if (ahead >= 0 && protocols[ahead] === undefined) assert(false, `no node ${ahead}`);
        const msg = q.eventPayload as M;
        stats.messagesInFlight--;
        if (up[node] === 0) {
          this.#drop('crashed');
          continue;
        }
        stats.messagesDelivered++;
        ctx.self = node;
        ctx.now = now;
        ctx.replyTo = aux;
        ctx.replyReliable = q.eventGen === 1;
        protocols[node]!.handleMessage(ctx, aux, msg);
        ctx.replyTo = NO_PEER;
      } else if (kind === EV_TIMER) {
        if (up[node] === 0 || timerGen[node * k + aux] !== q.eventGen) continue;
        ctx.self = node;
        ctx.now = now;
        protocols[node]!.handleTimer(ctx, kinds[aux]!);
      } else {
        (q.eventPayload as () => void)();
      }
      if (stop?.()) return true;
    }
    if (untilMs > q.now && Number.isFinite(untilMs)) q.now = untilMs;
    return false;
  }

  // --- called by the context --------------------------------------------------------

  /** @internal */
  transmit(from: NodeId, to: NodeId, msg: M, reliable: boolean): void {
    // Messages are built only on failure: a template literal per send costs more than
    // the rest of this method on the perfect network.
    if (!(to >= 0 && to < this.n && to !== from)) {
      assert(false, `node ${from} sent to invalid peer ${to}`);
    }
    const stats = this.stats;
    // Messages are immutable once sent (they are delivered by reference), so a message
    // sent again — a gossip protocol's digest goes to a peer every period, often the same
    // object from many nodes — is sized and typed once.
    let size: number;
    let type: string;
    if (msg === this.#lastMsg) {
      size = this.#lastSize;
      type = this.#lastType;
    } else {
      const codec = this.spec.codec;
      size = codec.sizeOf(msg);
      type = codec.typeOf(msg);
      this.#lastMsg = msg;
      this.#lastSize = size;
      this.#lastType = type;
    }
    stats.messagesSent++;
    stats.bytesSent += size;
    stats.messagesByType.bump(type);
    if (this.#side !== null && this.#side[from] !== this.#side[to]) {
      this.#drop('partition');
      return;
    }
    const net = this.#network;
    const rng = this.#netRng;
    if (!reliable && net.loss > 0 && rng.float() < net.loss) {
      this.#drop('loss');
      return;
    }
    const now = this.#queue.now;
    let departAt = now;
    const uplink = this.#uplinkFreeAt;
    if (uplink !== null) {
      departAt = Math.max(now, uplink[from]!) + (size * 1000) / net.uploadBytesPerSec;
      uplink[from] = departAt;
    }
    let arriveAt = departAt + sampleLatencyMs(net.latency, rng);
    if (reliable) {
      const pair = from * this.n + to;
      const last = this.#reliableArrival.get(pair) ?? 0;
      if (arriveAt < last) arriveAt = last;
      this.#reliableArrival.set(pair, arriveAt);
    }
    this.#queue.push(arriveAt, EV_DELIVER, to, from, reliable ? 1 : 0, msg);
    stats.messagesInFlight++;
    if (!reliable && net.duplicate > 0 && rng.float() < net.duplicate) {
      stats.messagesInFlight++;
      this.#queue.push(departAt + sampleLatencyMs(net.latency, rng), EV_DELIVER, to, from, 0, msg);
    }
  }

  /** @internal */
  armTimer(node: NodeId, kind: T, delayMs: number): void {
    // Timer kinds are a handful: a scan beats a Map lookup on this hot path.
    const i = this.#timerKinds.indexOf(kind);
    if (i < 0) assert(false, `unknown timer kind ${kind}`);
    if (!(delayMs >= 0 && delayMs < Number.POSITIVE_INFINITY)) {
      assert(false, `timer delay must be finite and ≥ 0, got ${delayMs}`);
    }
    const g = ++this.#timerGen[node * this.#timerKinds.length + i]!;
    this.#queue.push(this.#queue.now + delayMs, EV_TIMER, node, i, g, null);
  }

  /** @internal */
  disarmTimer(node: NodeId, kind: T): void {
    const i = this.#timerKinds.indexOf(kind);
    if (i < 0) assert(false, `unknown timer kind ${kind}`);
    this.#timerGen[node * this.#timerKinds.length + i]!++;
  }

  /** @internal */
  emitted(node: NodeId, event: E): void {
    if (this.#traceEvents) {
      // A protocol has a handful of event types: a scan beats a Map probe.
      const types = this.#eventTypes;
      let code = types.indexOf(event.type);
      if (code < 0) code = types.push(event.type) - 1;
      this.#trace.int(0x5e000000 | code);
    }
    this.#onEvent?.(node, event, this.#queue.now);
  }

  #drop(reason: string): void {
    const m = this.stats.droppedByReason;
    m.set(reason, (m.get(reason) ?? 0) + 1);
  }

  #call(node: NodeId, fn: (p: P, ctx: Context<M, T, E>) => void): void {
    const ctx = this.#ctx;
    const prevSelf = ctx.self;
    const prevNow = ctx.now;
    ctx.self = node;
    ctx.now = this.#queue.now;
    fn(this.protocols[node]!, ctx);
    ctx.self = prevSelf;
    ctx.now = prevNow;
  }
}
