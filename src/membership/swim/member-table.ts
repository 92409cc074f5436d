/**
 * The member table: one record per known node name, and memberlist's probe list.
 *
 * memberlist keeps a map (name → state) and a slice (`m.nodes`) that is both the probe
 * order and the sampling pool. New members go to a random position of the slice, so that
 * a burst of joins does not queue up at its end (which would stretch the time until the
 * newcomers are first probed). The probe index walks the slice round robin; on wrap, dead
 * entries whose death is older than `gossipToTheDeadMs` are removed from the table (left
 * entries stay, as in memberlist 0.2.2) and the rest is shuffled.
 *
 * Records are mutable and owned by the node; `snapshot` makes the immutable `Member` the
 * outside sees. Sampling (`sample`) is memberlist's `kRandomNodes`: up to 3·n random draws,
 * filtered, without repeats — exhaustive for small n, cheap for large.
 */

import type { NodeId } from '../../core/protocol.ts';
import type { Rng } from '../../core/rng.ts';
import type { Member, MemberState } from '../types.ts';
import type { Vsn } from '../wire/messages.ts';
import type { Deadline } from './deadlines.ts';
import type { Suspicion } from './suspicion.ts';

export class MemberRecord {
  readonly name: string;
  ip: Uint8Array;
  port: number;
  /** The host's id for `ip:port`; `NO_PEER` when the address maps to no reachable peer. */
  id: NodeId;
  meta: Uint8Array | null;
  incarnation: number;
  state: MemberState;
  stateChangedAtMs: number;
  vsn: Vsn | null;
  suspicion: Suspicion | null = null;
  // biome-ignore lint/suspicious/noExplicitAny: the heap's context type is the node's
  suspicionDeadline: Deadline<any> | null = null;

  constructor(
    name: string,
    ip: Uint8Array,
    port: number,
    id: NodeId,
    meta: Uint8Array | null,
    vsn: Vsn | null,
    nowMs: number,
  ) {
    this.name = name;
    this.ip = ip;
    this.port = port;
    this.id = id;
    this.meta = meta;
    this.vsn = vsn;
    this.incarnation = 0;
    // memberlist starts new entries as dead so that becoming alive fires the join event.
    this.state = 'dead';
    this.stateChangedAtMs = nowMs;
  }

  /** Highest memberlist protocol version the node understands (0 when it sent none). */
  get protocolMax(): number {
    return this.vsn === null ? 0 : this.vsn[1];
  }

  snapshot(): Member {
    return {
      name: this.name,
      ip: this.ip,
      port: this.port,
      meta: this.meta,
      incarnation: this.incarnation,
      state: this.state,
      stateChangedAtMs: this.stateChangedAtMs,
      vsn: this.vsn,
    };
  }
}

export class MemberTable {
  readonly #byName = new Map<string, MemberRecord>();
  /** Probe order and sampling pool (memberlist `m.nodes`). */
  readonly #order: MemberRecord[] = [];
  #probeIndex = 0;

  get size(): number {
    return this.#order.length;
  }

  get(name: string): MemberRecord | undefined {
    return this.#byName.get(name);
  }

  /** Records in probe order. Do not mutate the array. */
  get records(): readonly MemberRecord[] {
    return this.#order;
  }

  /** Adds a new record at a random position (memberlist: append, swap with a random slot). */
  add(rec: MemberRecord, rng: Rng): void {
    const n = this.#order.length;
    this.#byName.set(rec.name, rec);
    this.#order.push(rec);
    if (n > 0) {
      const offset = rng.int(n);
      this.#order[n] = this.#order[offset]!;
      this.#order[offset] = rec;
    }
  }

  /**
   * The next member to probe, walking the list round robin and skipping `self` and dead or
   * left entries; null when there is none. On wrap, `reset` runs first.
   */
  nextProbeTarget(
    self: MemberRecord | null,
    nowMs: number,
    gossipToTheDeadMs: number,
    rng: Rng,
    onRemoved: (rec: MemberRecord) => void,
  ): MemberRecord | null {
    let checked = 0;
    for (;;) {
      if (checked >= this.#order.length) return null;
      if (this.#probeIndex >= this.#order.length) {
        this.reset(nowMs, gossipToTheDeadMs, rng, onRemoved);
        this.#probeIndex = 0;
        checked++;
        continue;
      }
      const rec = this.#order[this.#probeIndex++]!;
      if (rec === self || rec.state === 'dead' || rec.state === 'left') {
        checked++;
        continue;
      }
      return rec;
    }
  }

  /**
   * memberlist `resetNodes`: removes dead entries older than `gossipToTheDeadMs` (calling
   * `onRemoved` for each) and shuffles the rest.
   */
  reset(
    nowMs: number,
    gossipToTheDeadMs: number,
    rng: Rng,
    onRemoved: (rec: MemberRecord) => void,
  ): void {
    const order = this.#order;
    let kept = 0;
    for (let i = 0; i < order.length; i++) {
      const rec = order[i]!;
      if (rec.state === 'dead' && nowMs - rec.stateChangedAtMs > gossipToTheDeadMs) {
        this.#byName.delete(rec.name);
        onRemoved(rec);
      } else {
        order[kept++] = rec;
      }
    }
    order.length = kept;
    rng.shuffle(order);
  }

  /**
   * memberlist `kRandomNodes`: up to `k` distinct records for which `accept` is true, from
   * at most 3·n uniform draws. Writes into `out` (cleared first).
   */
  sample(
    k: number,
    accept: (rec: MemberRecord) => boolean,
    rng: Rng,
    out: MemberRecord[],
  ): MemberRecord[] {
    out.length = 0;
    const n = this.#order.length;
    for (let i = 0; i < 3 * n && out.length < k; i++) {
      const rec = this.#order[rng.int(n)]!;
      if (!accept(rec) || out.includes(rec)) continue;
      out.push(rec);
    }
    return out;
  }
}
