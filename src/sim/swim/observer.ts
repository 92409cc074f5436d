/**
 * What a SWIM experiment measures, read from the nodes' events as they happen: join
 * progress, the detection of crashed members, and false positives against live members.
 *
 * Every member event names its subject; the simulator's node i is called `node-i`, so the
 * subject's id is parsed from the name. Three kinds of bookkeeping, all O(1) per event:
 *
 *  - Join: member-join events per observer (a node sees n joins, itself included, when its
 *    table lists everyone). The experiment confirms convergence with a full scan.
 *  - Crash rounds: for each victim, the first probe of it that failed (its start is the
 *    failure time minus the prober's awareness-scaled probe interval, tracked from
 *    awareness events), the first suspicion raised by a prober of its own accord (`from` is
 *    the observer itself), the first dead declaration anywhere, and when the last live node
 *    marked it dead.
 *  - Fault phases: failed probes of live members (accusations), split by whether the
 *    prober and its target are slowed; dead marks of live members (one per observer and episode) in the
 *    same split; refutations; the distinct live members marked dead by anyone.
 *
 * What does not live here: when faults start and stop (experiment.ts).
 */

import type { NodeId } from '../../core/protocol.ts';
import type { SwimEvent } from '../../membership/swim/events.ts';
import { simNodeName } from '../../membership/swim/spec.ts';

/** Counts split by the subject's class, then the observer's: `healthyAtSlowed` is a healthy member as a slowed node saw it. */
export interface ByClass {
  healthyAtHealthy: number;
  healthyAtSlowed: number;
  slowedAtHealthy: number;
  slowedAtSlowed: number;
}

export function emptyByClass(): ByClass {
  return { healthyAtHealthy: 0, healthyAtSlowed: 0, slowedAtHealthy: 0, slowedAtSlowed: 0 };
}

export interface PhaseCounts {
  /**
   * Failed probes of live members: each accuses its target (it starts a suspicion, or
   * confirms a running one, at the prober).
   */
  readonly accusations: ByClass;
  /** Live members marked dead, one per observer and subject. */
  readonly deadMarks: ByClass;
  /** Distinct healthy (not slowed) live members that at least one node marked dead. */
  readonly healthyMarkedDead: number;
  /** Distinct slowed members that at least one node marked dead. */
  readonly slowedMarkedDead: number;
  /** Refutations (alive with a higher incarnation) by healthy and by slowed members. */
  readonly refutationsHealthy: number;
  readonly refutationsSlowed: number;
}

export interface VictimTimes {
  readonly id: NodeId;
  readonly crashAtMs: number;
  /** Start of the first probe of the victim that failed, ms after the crash. */
  firstProbeMs: number | null;
  /** First suspicion raised by a prober (its own probe failed), ms after the crash. */
  firstSuspectMs: number | null;
  /** First node to mark it dead, ms after the crash. */
  firstDeadMs: number | null;
  /** When every live node had marked it dead, ms after the crash. */
  allDeadMs: number | null;
  deadMarks: number;
}

export class SwimObserver {
  readonly n: number;
  readonly probeIntervalMs: number;
  readonly #names: string[];
  /** member-join events per observer. */
  readonly joins: Int32Array;
  /** Observers that have seen n joins. */
  joinedAll = 0;
  /** Suspicions seen anywhere since the start (a join with none converges on counts alone). */
  suspicionsSeen = 0;
  readonly #awareness: Int32Array;
  readonly crashed: Uint8Array;
  readonly slowed: Uint8Array;

  // Crash round.
  readonly #victimOf: Int32Array;
  victims: VictimTimes[] = [];
  /** Live nodes that must mark each victim dead. */
  #liveCount = 0;
  victimsPending = 0;

  // Fault phase.
  #counting = false;
  #accusations = emptyByClass();
  #deadMarks = emptyByClass();
  #markedDead = new Set<NodeId>();
  #refutationsHealthy = 0;
  #refutationsSlowed = 0;

  constructor(n: number, probeIntervalMs: number) {
    this.n = n;
    this.probeIntervalMs = probeIntervalMs;
    this.#names = [];
    for (let i = 0; i < n; i++) this.#names.push(simNodeName(i));
    this.joins = new Int32Array(n);
    this.#awareness = new Int32Array(n);
    this.crashed = new Uint8Array(n);
    this.slowed = new Uint8Array(n);
    this.#victimOf = new Int32Array(n).fill(-1);
  }

  /** The simulator's `onEvent`. */
  readonly onEvent = (node: NodeId, e: SwimEvent, nowMs: number): void => {
    switch (e.type) {
      case 'member-join':
        if (++this.joins[node]! === this.n) this.joinedAll++;
        return;
      case 'awareness-changed':
        this.#awareness[node] = e.score;
        return;
      case 'probe-failed': {
        const subject = idOf(e.target);
        const v = this.#victimOf[subject]!;
        if (v < 0) {
          if (this.#counting && this.crashed[subject] === 0) {
            this.#bump(this.#accusations, node, subject);
          }
          return;
        }
        const t = this.victims[v]!;
        const startMs = nowMs - this.probeIntervalMs * (this.#awareness[node]! + 1) - t.crashAtMs;
        if (t.firstProbeMs === null || startMs < t.firstProbeMs) t.firstProbeMs = startMs;
        return;
      }
      case 'member-suspect': {
        this.suspicionsSeen++;
        if (e.from !== this.#names[node]) return;
        const v = this.#victimOf[idOf(e.member.name)]!;
        if (v >= 0) {
          const t = this.victims[v]!;
          t.firstSuspectMs ??= nowMs - t.crashAtMs;
        }
        return;
      }
      case 'member-leave': {
        if (e.member.state !== 'dead') return;
        const subject = idOf(e.member.name);
        const v = this.#victimOf[subject]!;
        if (v >= 0) {
          const t = this.victims[v]!;
          t.firstDeadMs ??= nowMs - t.crashAtMs;
          if (++t.deadMarks === this.#liveCount) {
            t.allDeadMs = nowMs - t.crashAtMs;
            this.victimsPending--;
          }
          return;
        }
        if (this.#counting && this.crashed[subject] === 0) {
          this.#bump(this.#deadMarks, node, subject);
          this.#markedDead.add(subject);
        }
        return;
      }
      case 'refuted':
        if (!this.#counting) return;
        if (this.slowed[node] === 1) this.#refutationsSlowed++;
        else this.#refutationsHealthy++;
        return;
      default:
        return;
    }
  };

  /** Starts a crash round: `victims` have just crashed at `nowMs`; `live` nodes remain. */
  beginCrashRound(victims: readonly NodeId[], nowMs: number, live: number): void {
    this.#victimOf.fill(-1);
    this.victims = victims.map((id, i) => {
      this.#victimOf[id] = i;
      this.crashed[id] = 1;
      return {
        id,
        crashAtMs: nowMs,
        firstProbeMs: null,
        firstSuspectMs: null,
        firstDeadMs: null,
        allDeadMs: null,
        deadMarks: 0,
      };
    });
    this.#liveCount = live;
    this.victimsPending = victims.length;
  }

  /** Ends the crash round and returns its victims' times. */
  endCrashRound(): VictimTimes[] {
    this.#victimOf.fill(-1);
    const out = this.victims;
    this.victims = [];
    this.victimsPending = 0;
    return out;
  }

  /** Starts counting a fault phase with `slowed` as the slowed set. */
  beginPhase(slowed: readonly NodeId[]): void {
    this.slowed.fill(0);
    for (const id of slowed) this.slowed[id] = 1;
    this.#counting = true;
    this.#accusations = emptyByClass();
    this.#deadMarks = emptyByClass();
    this.#markedDead = new Set();
    this.#refutationsHealthy = 0;
    this.#refutationsSlowed = 0;
  }

  endPhase(): PhaseCounts {
    this.#counting = false;
    let healthy = 0;
    let slowed = 0;
    for (const id of this.#markedDead) {
      if (this.slowed[id] === 1) slowed++;
      else healthy++;
    }
    this.slowed.fill(0);
    return {
      accusations: this.#accusations,
      deadMarks: this.#deadMarks,
      healthyMarkedDead: healthy,
      slowedMarkedDead: slowed,
      refutationsHealthy: this.#refutationsHealthy,
      refutationsSlowed: this.#refutationsSlowed,
    };
  }

  #bump(c: ByClass, observer: NodeId, subject: NodeId): void {
    const atSlowed = this.slowed[observer] === 1;
    if (this.slowed[subject] === 1) {
      if (atSlowed) c.slowedAtSlowed++;
      else c.slowedAtHealthy++;
    } else if (atSlowed) c.healthyAtSlowed++;
    else c.healthyAtHealthy++;
  }
}

/** The id of simulated node `node-i`. */
function idOf(name: string): NodeId {
  return Number(name.slice(5));
}
