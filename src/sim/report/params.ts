/**
 * An experiment's parameters as text, in the syntax of the `hearsay sim` flags.
 *
 * Every run prints `SEED=… nodes=… protocol=…` first (TigerBeetle's VOPR habit: the first
 * line of a failing run is all you need to replay it), and the report lists the same pairs.
 * Values are written exactly as the matching flag accepts them (`latency=uniform:10:50`,
 * `partition=1000:never:0.3`), so `replayArgs` turns them back into a command line and the
 * CLI's tests check the round trip.
 */

import type { CrashSpec, DisseminationExperiment, LatencyModel, PartitionSpec } from '../types.ts';

export function formatLatency(l: LatencyModel): string {
  switch (l.kind) {
    case 'constant':
      return `constant:${l.ms}`;
    case 'uniform':
      return `uniform:${l.minMs}:${l.maxMs}`;
    case 'lognormal':
      return `lognormal:${l.medianMs}:${l.sigma}`;
  }
}

function endText(ms: number): string {
  return Number.isFinite(ms) ? String(ms) : 'never';
}

export function formatPartition(p: PartitionSpec): string {
  return `${p.atMs}:${endText(p.healMs)}:${p.fraction}`;
}

export function formatCrash(c: CrashSpec): string {
  return `${c.atMs}:${endText(c.restartMs)}:${c.fraction}`;
}

/**
 * Parameters as ordered (flag name, value) pairs. Repeatable flags (partition, crash)
 * appear once per occurrence; none at all when the list is empty.
 */
export function experimentFlagPairs(exp: DisseminationExperiment): Array<[string, string]> {
  const pairs: Array<[string, string]> = [
    ['seed', String(exp.seed)],
    ['nodes', String(exp.nodes)],
    ['protocol', exp.protocol],
    ['variant', exp.variant],
    ['k', String(exp.k)],
    ['fanout', String(exp.fanout)],
    ['ttl', Number.isFinite(exp.ttl) ? String(exp.ttl) : 'none'],
    ['mode', exp.mode],
    ['period-ms', String(exp.periodMs)],
    ['duration-ms', String(exp.durationMs)],
    ['latency', formatLatency(exp.network.latency)],
    ['loss', String(exp.network.loss)],
    ['duplicate', String(exp.network.duplicate)],
    ['bandwidth', String(exp.network.uploadBytesPerSec)],
  ];
  for (const p of exp.partitions) pairs.push(['partition', formatPartition(p)]);
  for (const c of exp.crashes) pairs.push(['crash', formatCrash(c)]);
  pairs.push(['anti-entropy-ms', String(exp.antiEntropyPeriodMs)]);
  pairs.push([
    'budget',
    Number.isFinite(exp.messageBudgetPerPeriod) ? String(exp.messageBudgetPerPeriod) : 'unlimited',
  ]);
  return pairs;
}

/** The one-line header: `SEED=1 nodes=1000 protocol=push-pull …`. */
export function paramsLine(exp: DisseminationExperiment): string {
  const pairs = experimentFlagPairs(exp).map(([k, v]) =>
    k === 'seed' ? `SEED=${v}` : `${k}=${v}`,
  );
  if (exp.partitions.length === 0) pairs.push('partition=none');
  if (exp.crashes.length === 0) pairs.push('crash=none');
  return pairs.join(' ');
}

/** The `hearsay sim` arguments that rerun exactly this experiment. */
export function replayArgs(exp: DisseminationExperiment): string[] {
  return experimentFlagPairs(exp).flatMap(([k, v]) => [`--${k}`, v]);
}
