/**
 * The summary of one dissemination run as labelled rows, shared by the CLI's text table
 * and the report's Markdown/HTML tables so that both always show the same numbers.
 *
 * Rows are (label, value) strings; formatting lives here so that "not reached" and units
 * read the same everywhere. A milestone that was never reached prints "not reached", not 0
 * or null: a run that stopped at 97% coverage must not look like one that was instant.
 */

import type { DisseminationResult } from '../types.ts';

export interface SummaryRow {
  readonly label: string;
  readonly value: string;
}

/** Significant digits enough to compare runs, few enough to read. */
function num(n: number): string {
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return Number(n.toPrecision(4)).toLocaleString('en-US', { maximumFractionDigits: 4 });
}

function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(fraction === 1 || fraction === 0 ? 0 : 3)}%`;
}

function milestone(rounds: number | null, timeMs: number | null, mode: string): string {
  if (rounds === null && timeMs === null) return 'not reached';
  const roundsText = rounds === null ? null : `${num(rounds)} rounds`;
  const timeText = timeMs === null ? null : `${num(timeMs)} ms`;
  if (mode === 'events')
    return [timeText, roundsText && `(${roundsText})`].filter(Boolean).join(' ');
  return [roundsText, timeText && `(${timeText})`].filter(Boolean).join(' ');
}

/** `push=120 pull=80`, keys sorted so equal runs print equal lines; "none" when empty. */
export function countsText(counts: Readonly<Record<string, number>>): string {
  const keys = Object.keys(counts)
    .filter((k) => counts[k] !== 0)
    .sort();
  return keys.length === 0 ? 'none' : keys.map((k) => `${k}=${num(counts[k]!)}`).join(' ');
}

export function summaryRows(r: DisseminationResult): SummaryRow[] {
  const tRound = (x: number | null) => (x === null ? 'n/a' : num(x));
  return [
    { label: 'coverage', value: percent(r.coverage) },
    { label: 'to 50% coverage', value: milestone(r.roundsTo50, r.timeTo50Ms, r.mode) },
    { label: 'to 99% coverage', value: milestone(r.roundsTo99, r.timeTo99Ms, r.mode) },
    { label: 'to 100% coverage', value: milestone(r.roundsToFull, r.timeToFullMs, r.mode) },
    { label: 'messages per node', value: num(r.messagesPerNode) },
    { label: 'bytes per node', value: num(r.bytesPerNode) },
    { label: 'redundancy', value: num(r.redundancy) },
    { label: 'residue', value: percent(r.residue) },
    { label: 't_ave / t_last', value: `${tRound(r.tAve)} / ${tRound(r.tLast)} rounds` },
    { label: 'deliveries', value: num(r.deliveries) },
    { label: 'virtual time', value: `${num(r.virtualTimeMs)} ms` },
    { label: 'wall time', value: `${num(r.wallMs)} ms` },
    { label: 'trace hash', value: r.traceHash },
    { label: 'messages by type', value: countsText(r.messagesByType) },
    { label: 'drops by reason', value: countsText(r.droppedByReason) },
  ];
}

/** Rows as aligned plain text, one `label  value` per line. */
export function rowsAsText(rows: readonly SummaryRow[]): string {
  const width = Math.max(...rows.map((r) => r.label.length));
  return rows.map((r) => `${r.label.padEnd(width)}  ${r.value}`).join('\n');
}
