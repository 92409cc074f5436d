/**
 * The `hearsay sim` flags, as one table: flag → value shape, what it accepts, help text,
 * default, and how it lands in the `DisseminationExperiment`.
 *
 * main.ts registers every row with commander (so `--help` and unknown-flag detection come
 * from the same table) and hands the raw strings back to `parseSimFlags`, which is pure:
 * strings in, a validated experiment out, or a `UsageError` naming the flag and its range.
 * docs/cli.md lists the same rows; test/cli/sim-flags.test.ts checks they agree.
 *
 * Validation happens in two steps. Each row checks its own value (range, shape) as it is
 * applied; `finish` then checks what involves several flags (`--rounds` against
 * `--duration-ms`, the number of gossip periods a run may span).
 */

import { assert } from '../core/errors.ts';
import { formatCrash, formatLatency, formatPartition } from '../sim/report/params.ts';
import type {
  CrashSpec,
  DisseminationExperiment,
  DisseminationProtocolName,
  LatencyModel,
  PartitionSpec,
  RumorVariant,
  SimMode,
} from '../sim/types.ts';
import {
  ACCEPTS_CRASH,
  ACCEPTS_LATENCY,
  ACCEPTS_PARTITION,
  acceptsInteger,
  acceptsNumber,
  acceptsOneOf,
  parseCrash,
  parseEnum,
  parseInteger,
  parseIntegerOr,
  parseLatency,
  parseNumber,
  parsePartition,
  type Range,
  TIME_MS_RANGE,
} from './flag-values.ts';
import { UsageError } from './usage-error.ts';

export const PROTOCOLS: readonly DisseminationProtocolName[] = [
  'push',
  'pull',
  'push-pull',
  'rumor',
  'anti-entropy',
];
export const VARIANTS: readonly RumorVariant[] = [
  'feedback-counter',
  'feedback-coin',
  'blind-counter',
  'blind-coin',
];
export const MODES: readonly SimMode[] = ['rounds', 'events'];

/** The simulator's node array is sized for ten million; beyond that memory, not time, runs out. */
export const NODES_RANGE: Range = { min: 2, max: 10_000_000 };
/** Probabilities of loss and duplication: 1 would mean nothing (or everything forever) arrives. */
export const PROBABILITY_RANGE: Range = { min: 0, max: 1, maxExclusive: true };
/** Counter limit or coin 1/k of rumor mongering. Demers' tables stop at k = 5; 1000 is ample. */
export const K_RANGE: Range = { min: 1, max: 1000 };
export const FANOUT_RANGE: Range = { min: 1, max: 1000 };
export const TTL_RANGE: Range = { min: 1, max: 1000 };
/** A gossip period from a millisecond to an hour. */
export const PERIOD_MS_RANGE: Range = { min: 0, max: 3_600_000, minExclusive: true };
export const DURATION_MS_RANGE: Range = { ...TIME_MS_RANGE, minExclusive: true };
export const ROUNDS_RANGE: Range = { min: 1, max: 1_000_000 };
/** A run may span at most this many gossip periods (bounds the timeline and the wait). */
export const PERIODS_MAX = 1_000_000;
export const BANDWIDTH_RANGE: Range = { min: 0, max: 1e12 };
export const BUDGET_RANGE: Range = { min: 1, max: 1_000_000 };
export const ANTI_ENTROPY_MS_RANGE: Range = { min: 0, max: 3_600_000 };
export const SEED_RANGE: Range = { min: 0, max: Number.MAX_SAFE_INTEGER };
/** Each of --partition and --crash may be given at most this many times. */
export const FAULT_SPECS_MAX = 32;

export interface SimOutput {
  /** Print only the result as JSON on stdout. */
  readonly json: boolean;
  /** Write the report (JSON, SVG charts, index.html, README.md) into this directory. */
  readonly outDir: string | null;
  /** No progress bar and no notes on stderr. */
  readonly quiet: boolean;
}

export interface SimInvocation {
  readonly experiment: DisseminationExperiment;
  readonly output: SimOutput;
}

/** What the flags build up before the cross-flag checks; mutable on purpose, local to a parse. */
interface Draft {
  protocol: DisseminationProtocolName;
  variant: RumorVariant;
  k: number;
  fanout: number | 'adaptive';
  ttl: number;
  nodes: number;
  seed: number;
  mode: SimMode;
  periodMs: number;
  latency: LatencyModel;
  loss: number;
  duplicate: number;
  uploadBytesPerSec: number;
  partitions: PartitionSpec[];
  crashes: CrashSpec[];
  durationMs: number | null;
  rounds: number | null;
  antiEntropyPeriodMs: number;
  messageBudgetPerPeriod: number;
  json: boolean;
  outDir: string | null;
  quiet: boolean;
}

export interface SimFlag {
  /** Long name without dashes: `loss` is `--loss`. */
  readonly name: string;
  /** Placeholder of the value in help (`P`), or null for a switch. */
  readonly value: string | null;
  readonly repeatable: boolean;
  /** What the value may be, as it appears in error messages and docs. */
  readonly accepts: string;
  readonly help: string;
  defaultText(d: DisseminationExperiment): string;
  /** Validate `raw` and record it; throws `UsageError`. Switches receive "true". */
  apply(draft: Draft, raw: string): void;
}

function row(
  name: string,
  value: string | null,
  accepts: string,
  help: string,
  defaultText: (d: DisseminationExperiment) => string,
  apply: (draft: Draft, raw: string, flag: string) => void,
  repeatable = false,
): SimFlag {
  const flag = `--${name}`;
  return {
    name,
    value,
    repeatable,
    accepts,
    help,
    defaultText,
    apply: (draft, raw) => apply(draft, raw, flag),
  };
}

const ttlText = (ttl: number) => (Number.isFinite(ttl) ? String(ttl) : 'none');
const budgetText = (b: number) => (Number.isFinite(b) ? String(b) : 'unlimited');

export const SIM_FLAGS: readonly SimFlag[] = [
  row(
    'protocol',
    'NAME',
    acceptsOneOf(PROTOCOLS),
    'dissemination protocol',
    (d) => d.protocol,
    (x, raw, f) => {
      x.protocol = parseEnum(f, raw, PROTOCOLS);
    },
  ),
  row(
    'variant',
    'NAME',
    acceptsOneOf(VARIANTS),
    'rumor mongering loss of interest (protocol rumor only): feedback/blind × counter/coin',
    (d) => d.variant,
    (x, raw, f) => {
      x.variant = parseEnum(f, raw, VARIANTS);
    },
  ),
  row(
    'k',
    'K',
    acceptsInteger(K_RANGE),
    'rumor mongering: counter limit, or lose interest with probability 1/K',
    (d) => String(d.k),
    (x, raw, f) => {
      x.k = parseInteger(f, raw, K_RANGE);
    },
  ),
  row(
    'nodes',
    'N',
    acceptsInteger(NODES_RANGE),
    'number of simulated nodes',
    (d) => String(d.nodes),
    (x, raw, f) => {
      x.nodes = parseInteger(f, raw, NODES_RANGE);
    },
  ),
  row(
    'fanout',
    'F',
    `${acceptsInteger(FANOUT_RANGE)} or "adaptive"`,
    'peers contacted per period; "adaptive" = ceil(ln n)',
    (d) => String(d.fanout),
    (x, raw, f) => {
      x.fanout = parseIntegerOr(f, raw, FANOUT_RANGE, 'adaptive');
    },
  ),
  row(
    'ttl',
    'N',
    `${acceptsInteger(TTL_RANGE)} or "none"`,
    'hop limit of an item; an item that travelled N hops is not forwarded',
    (d) => ttlText(d.ttl),
    (x, raw, f) => {
      const ttl = parseIntegerOr(f, raw, TTL_RANGE, 'none');
      x.ttl = ttl === 'none' ? Number.POSITIVE_INFINITY : ttl;
    },
  ),
  row(
    'period-ms',
    'MS',
    acceptsNumber(PERIOD_MS_RANGE),
    'gossip period (one round in rounds mode)',
    (d) => String(d.periodMs),
    (x, raw, f) => {
      x.periodMs = parseNumber(f, raw, PERIOD_MS_RANGE);
    },
  ),
  row(
    'loss',
    'P',
    acceptsNumber(PROBABILITY_RANGE),
    'probability that a datagram is lost',
    (d) => String(d.network.loss),
    (x, raw, f) => {
      x.loss = parseNumber(f, raw, PROBABILITY_RANGE);
    },
  ),
  row(
    'duplicate',
    'P',
    acceptsNumber(PROBABILITY_RANGE),
    'probability that a datagram is delivered twice',
    (d) => String(d.network.duplicate),
    (x, raw, f) => {
      x.duplicate = parseNumber(f, raw, PROBABILITY_RANGE);
    },
  ),
  row(
    'latency',
    'MODEL',
    ACCEPTS_LATENCY,
    'one-way delay (events mode): constant:MS | uniform:MIN:MAX | lognormal:MEDIAN:SIGMA',
    (d) => formatLatency(d.network.latency),
    (x, raw, f) => {
      x.latency = parseLatency(f, raw);
    },
  ),
  row(
    'bandwidth',
    'BYTES_PER_SEC',
    `${acceptsInteger(BANDWIDTH_RANGE)} (0 = unlimited)`,
    'per-node upload bandwidth in bytes per second',
    (d) => String(d.network.uploadBytesPerSec),
    (x, raw, f) => {
      x.uploadBytesPerSec = parseInteger(f, raw, BANDWIDTH_RANGE);
    },
  ),
  row(
    'partition',
    'AT_MS:HEAL_MS:FRACTION',
    ACCEPTS_PARTITION,
    `split off FRACTION of the nodes at AT_MS until HEAL_MS (repeatable, at most ${FAULT_SPECS_MAX})`,
    (d) => (d.partitions.length === 0 ? 'none' : d.partitions.map(formatPartition).join(' ')),
    (x, raw, f) => {
      if (x.partitions.length >= FAULT_SPECS_MAX) {
        throw new UsageError(f, `may be given at most ${FAULT_SPECS_MAX} times`);
      }
      x.partitions.push(parsePartition(f, raw));
    },
    true,
  ),
  row(
    'crash',
    'AT_MS:RESTART_MS:FRACTION',
    ACCEPTS_CRASH,
    `crash FRACTION of the nodes at AT_MS, restart them empty at RESTART_MS (repeatable, at most ${FAULT_SPECS_MAX})`,
    (d) => (d.crashes.length === 0 ? 'none' : d.crashes.map(formatCrash).join(' ')),
    (x, raw, f) => {
      if (x.crashes.length >= FAULT_SPECS_MAX) {
        throw new UsageError(f, `may be given at most ${FAULT_SPECS_MAX} times`);
      }
      x.crashes.push(parseCrash(f, raw));
    },
    true,
  ),
  row(
    'anti-entropy-ms',
    'MS',
    `${acceptsNumber(ANTI_ENTROPY_MS_RANGE)} (0 = off)`,
    'anti-entropy backstop period for the other protocols',
    (d) => String(d.antiEntropyPeriodMs),
    (x, raw, f) => {
      x.antiEntropyPeriodMs = parseNumber(f, raw, ANTI_ENTROPY_MS_RANGE);
    },
  ),
  row(
    'budget',
    'N',
    `${acceptsInteger(BUDGET_RANGE)} or "unlimited"`,
    'most messages a node may send per period',
    (d) => budgetText(d.messageBudgetPerPeriod),
    (x, raw, f) => {
      const budget = parseIntegerOr(f, raw, BUDGET_RANGE, 'unlimited');
      x.messageBudgetPerPeriod = budget === 'unlimited' ? Number.POSITIVE_INFINITY : budget;
    },
  ),
  row(
    'seed',
    'S',
    acceptsInteger(SEED_RANGE),
    'random seed; the same seed replays the same run',
    (d) => String(d.seed),
    (x, raw, f) => {
      x.seed = parseInteger(f, raw, SEED_RANGE);
    },
  ),
  row(
    'mode',
    'MODE',
    acceptsOneOf(MODES),
    'rounds: synchronous rounds as in the papers; events: discrete events with latency',
    (d) => d.mode,
    (x, raw, f) => {
      x.mode = parseEnum(f, raw, MODES);
    },
  ),
  row(
    'duration-ms',
    'MS',
    acceptsNumber(DURATION_MS_RANGE),
    'stop after this much virtual time even if not converged',
    (d) => `${d.durationMs} (${d.durationMs / d.periodMs} periods)`,
    (x, raw, f) => {
      x.durationMs = parseNumber(f, raw, DURATION_MS_RANGE);
    },
  ),
  row(
    'rounds',
    'R',
    acceptsInteger(ROUNDS_RANGE),
    'stop after R periods: --duration-ms = R × --period-ms',
    (d) => String(d.durationMs / d.periodMs),
    (x, raw, f) => {
      x.rounds = parseInteger(f, raw, ROUNDS_RANGE);
    },
  ),
  row(
    'json',
    null,
    'no value',
    'print only the result as JSON on stdout',
    () => 'off',
    (x) => {
      x.json = true;
    },
  ),
  row(
    'out',
    'DIR',
    'a directory path',
    'write a report (result.json, SVG charts, index.html, README.md) into DIR',
    () => 'none',
    (x, raw, f) => {
      if (raw.trim() === '') throw new UsageError(f, 'must be a directory path, got ""');
      x.outDir = raw;
    },
  ),
  row(
    'quiet',
    null,
    'no value',
    'no progress bar or notes on stderr',
    () => 'off',
    (x) => {
      x.quiet = true;
    },
  ),
];

const BY_NAME = new Map(SIM_FLAGS.map((f) => [f.name, f]));

/** What `--NAME` accepts, for the "needs a value" message; undefined for an unknown flag. */
export function simFlagAccepts(flag: string): string | undefined {
  return BY_NAME.get(flag.replace(/^--/, ''))?.accepts;
}

/** Raw flag values keyed by flag name (no dashes): strings, arrays when repeatable, true for switches. */
export type RawSimFlags = Readonly<
  Record<string, string | readonly string[] | boolean | undefined>
>;

function draftFrom(d: DisseminationExperiment): Draft {
  return {
    protocol: d.protocol,
    variant: d.variant,
    k: d.k,
    fanout: d.fanout,
    ttl: d.ttl,
    nodes: d.nodes,
    seed: d.seed,
    mode: d.mode,
    periodMs: d.periodMs,
    latency: d.network.latency,
    loss: d.network.loss,
    duplicate: d.network.duplicate,
    uploadBytesPerSec: d.network.uploadBytesPerSec,
    partitions: [],
    crashes: [],
    durationMs: null,
    rounds: null,
    antiEntropyPeriodMs: d.antiEntropyPeriodMs,
    messageBudgetPerPeriod: d.messageBudgetPerPeriod,
    json: false,
    outDir: null,
    quiet: false,
  };
}

/** Run length: from --rounds, from --duration-ms, or as many periods as the default has. */
function durationOf(x: Draft, d: DisseminationExperiment): number {
  if (x.rounds !== null && x.durationMs !== null) {
    throw new UsageError('--rounds', 'and --duration-ms both set the run length; give only one');
  }
  if (x.rounds !== null) return x.rounds * x.periodMs;
  if (x.durationMs !== null) {
    const periods = x.durationMs / x.periodMs;
    if (periods > PERIODS_MAX) {
      throw new UsageError(
        '--duration-ms',
        `must span at most ${PERIODS_MAX.toLocaleString('en-US')} periods of --period-ms ${x.periodMs}, got ${x.durationMs} (${Math.ceil(periods)} periods)`,
      );
    }
    return x.durationMs;
  }
  return (d.durationMs / d.periodMs) * x.periodMs;
}

/**
 * Turn raw flag values into a validated experiment and output options. `defaults` supplies
 * every value not given (the engine's DEFAULT_EXPERIMENT in production). Throws `UsageError`.
 */
export function parseSimFlags(raw: RawSimFlags, defaults: DisseminationExperiment): SimInvocation {
  const x = draftFrom(defaults);
  for (const name of Object.keys(raw)) {
    assert(BY_NAME.has(name), `flag --${name} reached parseSimFlags but is not in SIM_FLAGS`);
  }
  for (const flag of SIM_FLAGS) {
    const value = raw[flag.name];
    if (value === undefined || value === false) continue;
    if (value === true) flag.apply(x, 'true');
    else if (typeof value === 'string') flag.apply(x, value);
    else for (const v of value) flag.apply(x, v);
  }
  const experiment: DisseminationExperiment = {
    ...defaults,
    protocol: x.protocol,
    variant: x.variant,
    k: x.k,
    fanout: x.fanout,
    ttl: x.ttl,
    nodes: x.nodes,
    seed: x.seed,
    mode: x.mode,
    periodMs: x.periodMs,
    network: {
      latency: x.latency,
      loss: x.loss,
      duplicate: x.duplicate,
      uploadBytesPerSec: x.uploadBytesPerSec,
    },
    partitions: x.partitions,
    crashes: x.crashes,
    durationMs: durationOf(x, defaults),
    antiEntropyPeriodMs: x.antiEntropyPeriodMs,
    messageBudgetPerPeriod: x.messageBudgetPerPeriod,
  };
  return { experiment, output: { json: x.json, outDir: x.outDir, quiet: x.quiet } };
}
