/**
 * The protocol comparison drawn on the report's coverage and messages charts: the same
 * nodes, seed, network and faults, run once per protocol of COMPARISON_PROTOCOLS (plus the
 * main run's protocol when it is not one of them, e.g. anti-entropy).
 *
 * Comparison runs are capped at COMPARISON_NODES_MAX nodes: at ten million nodes four
 * extra runs would multiply the wait several times over for a picture whose shapes are
 * already settled at a hundred thousand (the curves scale with log n). When capped, every
 * protocol, the main one included, runs at the cap so the lines stay comparable, and the
 * report says so. When not capped, the main run's result is reused for its own protocol.
 *
 * The plan is pure; `runComparison` takes the engine as an argument so that this module
 * needs no engine to be tested.
 */

import type {
  DisseminationExperiment,
  DisseminationProtocolName,
  DisseminationResult,
} from '../types.ts';

export const COMPARISON_PROTOCOLS: readonly DisseminationProtocolName[] = [
  'push',
  'pull',
  'push-pull',
  'rumor',
];
export const COMPARISON_NODES_MAX = 100_000;

export interface ComparisonPlan {
  /** Nodes of every comparison run. */
  readonly nodes: number;
  /** True when the main run has more nodes than COMPARISON_NODES_MAX. */
  readonly capped: boolean;
  /** One entry per line on the chart; `experiment: null` means "reuse the main result". */
  readonly runs: ReadonlyArray<{
    readonly protocol: DisseminationProtocolName;
    readonly experiment: DisseminationExperiment | null;
  }>;
}

export function comparisonPlan(main: DisseminationExperiment): ComparisonPlan {
  const capped = main.nodes > COMPARISON_NODES_MAX;
  const nodes = capped ? COMPARISON_NODES_MAX : main.nodes;
  const protocols = COMPARISON_PROTOCOLS.includes(main.protocol)
    ? COMPARISON_PROTOCOLS
    : [...COMPARISON_PROTOCOLS, main.protocol];
  return {
    nodes,
    capped,
    runs: protocols.map((protocol) => ({
      protocol,
      experiment: !capped && protocol === main.protocol ? null : { ...main, protocol, nodes },
    })),
  };
}

export interface Comparison {
  readonly nodes: number;
  readonly capped: boolean;
  readonly results: readonly DisseminationResult[];
}

export function runComparison(
  plan: ComparisonPlan,
  main: DisseminationResult,
  run: (exp: DisseminationExperiment) => DisseminationResult,
): Comparison {
  return {
    nodes: plan.nodes,
    capped: plan.capped,
    results: plan.runs.map((r) => (r.experiment === null ? main : run(r.experiment))),
  };
}
