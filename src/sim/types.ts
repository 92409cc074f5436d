/**
 * Shapes of simulator input and output shared by the engine, the experiments, the CLI and
 * the report writer. Pure types: no behaviour lives here.
 */

export type LatencyModel =
  | { readonly kind: 'constant'; readonly ms: number }
  | { readonly kind: 'uniform'; readonly minMs: number; readonly maxMs: number }
  /** Log-normal with the given median and shape sigma (the usual fit for WAN RTTs). */
  | { readonly kind: 'lognormal'; readonly medianMs: number; readonly sigma: number };

export interface NetworkModel {
  readonly latency: LatencyModel;
  /** Probability that a datagram is lost, per send. */
  readonly loss: number;
  /** Probability that a datagram is delivered twice. */
  readonly duplicate: number;
  /** Per-node upload bandwidth in bytes per second; 0 = unlimited. */
  readonly uploadBytesPerSec: number;
}

/** Split the nodes into two sides at `atMs`; heal at `healMs` (Infinity: never). */
export interface PartitionSpec {
  readonly atMs: number;
  readonly healMs: number;
  /** Fraction of nodes (chosen by the seed) on the minority side. */
  readonly fraction: number;
}

/** Crash a random `fraction` of nodes at `atMs`; restart them (fresh state) at `restartMs`. */
export interface CrashSpec {
  readonly atMs: number;
  readonly restartMs: number;
  readonly fraction: number;
}

export type DisseminationProtocolName = 'push' | 'pull' | 'push-pull' | 'rumor' | 'anti-entropy';
export type RumorVariant = 'feedback-counter' | 'feedback-coin' | 'blind-counter' | 'blind-coin';
export type SimMode = 'rounds' | 'events';

export interface DisseminationExperiment {
  readonly protocol: DisseminationProtocolName;
  /** Rumor mongering only. */
  readonly variant: RumorVariant;
  /** Loss-of-interest parameter: counter limit, or 1/k coin. */
  readonly k: number;
  /** Peers contacted per period, or 'adaptive' (ceil(c · ln n)). */
  readonly fanout: number | 'adaptive';
  /** Hop limit carried by items; Infinity for none. */
  readonly ttl: number;
  readonly nodes: number;
  readonly seed: number;
  readonly mode: SimMode;
  /** Gossip period (one round in rounds mode). */
  readonly periodMs: number;
  readonly network: NetworkModel;
  readonly partitions: readonly PartitionSpec[];
  readonly crashes: readonly CrashSpec[];
  /** Stop after this much virtual time even if not converged. */
  readonly durationMs: number;
  /** Anti-entropy backstop period for the other protocols; 0 = off. */
  readonly antiEntropyPeriodMs: number;
  /** Max messages a node may send per period; Infinity = unlimited. */
  readonly messageBudgetPerPeriod: number;
  /** Record an event-trace hash (slower); the hash is always computed over deliveries. */
  readonly traceEvents?: boolean;
}

/** One sample of the epidemic, taken once per period. */
export interface TimelinePoint {
  /** Round number (rounds mode) or virtual time in ms (events mode). */
  readonly t: number;
  readonly susceptible: number;
  readonly infected: number;
  readonly removed: number;
  /** Messages sent so far. */
  readonly messages: number;
}

export interface DisseminationResult {
  readonly seed: number;
  readonly nodes: number;
  readonly protocol: DisseminationProtocolName;
  readonly variant: RumorVariant | null;
  readonly mode: SimMode;
  /** Final informed fraction of the nodes that were alive at the end. */
  readonly coverage: number;
  /** Fraction of nodes never informed (1 − coverage, over all nodes). */
  readonly residue: number;
  readonly roundsTo50: number | null;
  readonly roundsTo99: number | null;
  readonly roundsToFull: number | null;
  readonly timeTo50Ms: number | null;
  readonly timeTo99Ms: number | null;
  readonly timeToFullMs: number | null;
  /** Demers' t_ave and t_last, in rounds: mean and last round at which a node first learns. */
  readonly tAve: number | null;
  readonly tLast: number | null;
  readonly messagesPerNode: number;
  readonly bytesPerNode: number;
  /** Item deliveries (including duplicates) per useful delivery. */
  readonly redundancy: number;
  readonly deliveries: number;
  readonly messagesByType: Readonly<Record<string, number>>;
  readonly droppedByReason: Readonly<Record<string, number>>;
  /** FNV-1a hash of the event trace; equal seeds give equal hashes. */
  readonly traceHash: string;
  readonly virtualTimeMs: number;
  readonly wallMs: number;
  readonly timeline: readonly TimelinePoint[];
}
