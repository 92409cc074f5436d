/**
 * How many peers to contact per period, and how many messages a node may send per period.
 *
 * Adaptive fanout follows the classic connectivity threshold: push gossip where every node
 * forwards to c · ln n peers reaches everyone with high probability (Erdős–Rényi; the
 * fanout results of Kermarrec, Massoulié, Ganesh 2003). The budget caps a node's sends per
 * period, so one node with a large backlog cannot flood the network; refused sends are
 * counted and surface as `budget-exhausted` events.
 */

/** ceil(c · ln n), at least 1; n counts this node too. */
export function adaptiveFanout(c: number, n: number): number {
  if (n <= 2) return 1;
  return Math.max(1, Math.ceil(c * Math.log(n)));
}

export function resolveFanout(fanout: number | 'adaptive', c: number, n: number): number {
  return fanout === 'adaptive' ? adaptiveFanout(c, n) : fanout;
}

/** Per-period message budget. `reset` at each period; `take` before every send. */
export class MessageBudget {
  readonly perPeriod: number;
  #used = 0;
  #exhaustedReported = false;

  constructor(perPeriod: number) {
    this.perPeriod = perPeriod;
  }

  reset(): void {
    this.#used = 0;
    this.#exhaustedReported = false;
  }

  /**
   * Take one message from the budget. Returns 'ok', 'refused' (over budget), or
   * 'refused-first' (over budget, first refusal this period: report it once).
   */
  take(): 'ok' | 'refused' | 'refused-first' {
    if (this.#used < this.perPeriod) {
      this.#used++;
      return 'ok';
    }
    if (this.#exhaustedReported) return 'refused';
    this.#exhaustedReported = true;
    return 'refused-first';
  }
}
