/**
 * The report's two documents, README.md and index.html, rendered from the same pieces:
 * the parameter pairs (params.ts), the summary rows (summary.ts), a per-protocol
 * comparison table and the three charts, which sit beside the documents as SVG files and
 * are referenced by relative path (so the directory can be moved or published as is).
 *
 * Pure string building; write-report.ts does the I/O.
 */

import type { DisseminationExperiment, DisseminationResult } from '../types.ts';
import type { Comparison } from './comparison.ts';
import { experimentFlagPairs, paramsLine, replayArgs } from './params.ts';
import { type SummaryRow, summaryRows } from './summary.ts';

export const CHART_FILES = [
  { file: 'sir.svg', caption: 'Susceptible, infected and removed nodes over time' },
  { file: 'coverage.svg', caption: 'Informed fraction over time, one line per protocol' },
  { file: 'messages.svg', caption: 'Messages sent per node per period, one line per protocol' },
] as const;

export interface ReportInput {
  readonly experiment: DisseminationExperiment;
  readonly result: DisseminationResult;
  readonly comparison: Comparison;
}

function milestoneCell(rounds: number | null, timeMs: number | null): string {
  if (rounds === null && timeMs === null) return 'not reached';
  if (rounds === null) return `${timeMs} ms`;
  return timeMs === null ? `${rounds} rounds` : `${rounds} rounds (${timeMs} ms)`;
}

/** One row per compared protocol: the numbers the curves summarise. */
export function comparisonRows(c: Comparison): string[][] {
  return c.results.map((r) => [
    r.protocol,
    `${(r.coverage * 100).toFixed(2)}%`,
    milestoneCell(r.roundsTo99, r.timeTo99Ms),
    milestoneCell(r.roundsToFull, r.timeToFullMs),
    r.messagesPerNode.toFixed(2),
    r.redundancy.toFixed(2),
  ]);
}

const COMPARISON_HEADER = [
  'protocol',
  'coverage',
  'to 99%',
  'to 100%',
  'messages per node',
  'redundancy',
];

export function comparisonNote(c: Pick<Comparison, 'nodes' | 'capped'>, mainNodes: number): string {
  const n = c.nodes.toLocaleString('en-US');
  return c.capped
    ? `Comparison runs are capped at ${n} nodes (the main run has ${mainNodes.toLocaleString('en-US')}); every protocol in the comparison, the main one included, ran at ${n} nodes with the same seed, network and faults.`
    : `Comparison runs use the same ${n} nodes, seed, network and faults as the main run.`;
}

function mdTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const esc = (s: string) => s.replaceAll('|', '\\|');
  return [
    `| ${header.map(esc).join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

const rowsOf = (rows: readonly SummaryRow[]) => rows.map((r) => [r.label, r.value]);

export function renderMarkdown(input: ReportInput): string {
  const { experiment, result, comparison } = input;
  return `# hearsay sim: ${experiment.protocol}, ${experiment.nodes.toLocaleString('en-US')} nodes, seed ${experiment.seed}

\`\`\`
${paramsLine(experiment)}
\`\`\`

Rerun exactly: \`npx hearsay sim ${replayArgs(experiment).join(' ')}\`

## Summary

${mdTable(['metric', 'value'], rowsOf(summaryRows(result)))}

## Parameters

${mdTable(
  ['flag', 'value'],
  experimentFlagPairs(experiment).map(([k, v]) => [`--${k}`, v]),
)}

## Charts

${CHART_FILES.map((c) => `![${c.caption}](${c.file})`).join('\n\n')}

## Protocol comparison

${comparisonNote(comparison, experiment.nodes)}

${mdTable(COMPARISON_HEADER, comparisonRows(comparison))}

The full result of the main run is in [result.json](result.json), its parameters in [experiment.json](experiment.json).
`;
}

export function escapeHtml(s: string): string {
  return s
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

function htmlTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const cells = (tag: string, r: readonly string[]) =>
    r.map((c) => `<${tag}>${escapeHtml(c)}</${tag}>`).join('');
  return `<table>\n<thead><tr>${cells('th', header)}</tr></thead>\n<tbody>\n${rows
    .map((r) => `<tr>${cells('td', r)}</tr>`)
    .join('\n')}\n</tbody>\n</table>`;
}

export function renderHtml(input: ReportInput): string {
  const { experiment, result, comparison } = input;
  const title = `hearsay sim: ${experiment.protocol}, ${experiment.nodes.toLocaleString('en-US')} nodes, seed ${experiment.seed}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
pre, code { font-family: ui-monospace, monospace; font-size: 0.9em; }
pre { background: #f4f4f4; padding: 0.75rem; overflow-x: auto; white-space: pre-wrap; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: left; }
figure { margin: 1.5rem 0; }
img { max-width: 100%; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<pre>${escapeHtml(paramsLine(experiment))}</pre>
<p>Rerun exactly: <code>npx hearsay sim ${escapeHtml(replayArgs(experiment).join(' '))}</code></p>
<h2>Summary</h2>
${htmlTable(['metric', 'value'], rowsOf(summaryRows(result)))}
<h2>Charts</h2>
${CHART_FILES.map((c) => `<figure><img src="${c.file}" alt="${escapeHtml(c.caption)}"><figcaption>${escapeHtml(c.caption)}</figcaption></figure>`).join('\n')}
<h2>Protocol comparison</h2>
<p>${escapeHtml(comparisonNote(comparison, experiment.nodes))}</p>
${htmlTable(COMPARISON_HEADER, comparisonRows(comparison))}
<h2>Parameters</h2>
${htmlTable(
  ['flag', 'value'],
  experimentFlagPairs(experiment).map(([k, v]) => [`--${k}`, v]),
)}
<p>Full result: <a href="result.json">result.json</a>; parameters: <a href="experiment.json">experiment.json</a>.</p>
</body>
</html>
`;
}
