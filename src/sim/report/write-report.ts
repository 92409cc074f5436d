/**
 * Write a run's report into a directory: result.json, experiment.json, the three SVG
 * charts, README.md and index.html. Existing files of those names are replaced; nothing
 * else in the directory is touched, so `--out .` is safe.
 *
 * Charts are rendered one after another, not concurrently: each Vega view holds its whole
 * scenegraph, and the machine running a ten-million-node simulation has no memory to spare.
 */

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChartSeries } from './charts.ts';
import { coverageChartSpec, messagesChartSpec, sirChartSpec } from './charts.ts';
import { type ReportInput, renderHtml, renderMarkdown } from './documents.ts';
import { jsonText } from './json.ts';
import { renderSvg } from './render-svg.ts';

export type { ReportInput } from './documents.ts';

/** Writes the report; returns the paths written, in order. */
export async function writeReport(dir: string, input: ReportInput): Promise<string[]> {
  const { experiment, result, comparison } = input;
  const mode = experiment.mode;
  const series: ChartSeries[] = comparison.results.map((r) => ({
    name: r.protocol,
    nodes: r.nodes,
    timeline: r.timeline,
  }));
  const sizeNote = `, ${comparison.nodes.toLocaleString('en-US')} nodes${comparison.capped ? ' (capped)' : ''}, seed ${experiment.seed}`;
  const files: Array<[string, () => Promise<string> | string]> = [
    ['result.json', () => `${jsonText(result)}\n`],
    ['experiment.json', () => `${jsonText(experiment)}\n`],
    [
      'sir.svg',
      () =>
        renderSvg(
          sirChartSpec(result.timeline, {
            mode,
            title: `${experiment.protocol}: susceptible / infected / removed, ${experiment.nodes.toLocaleString('en-US')} nodes, seed ${experiment.seed}`,
          }),
        ),
    ],
    [
      'coverage.svg',
      () =>
        renderSvg(coverageChartSpec(series, { mode, title: `Coverage by protocol${sizeNote}` })),
    ],
    [
      'messages.svg',
      () =>
        renderSvg(
          messagesChartSpec(series, {
            mode,
            periodMs: experiment.periodMs,
            title: `Messages sent by protocol${sizeNote}`,
          }),
        ),
    ],
    ['README.md', () => renderMarkdown(input)],
    ['index.html', () => renderHtml(input)],
  ];
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, content] of files) {
    const path = join(dir, name);
    await writeFile(path, await content());
    written.push(path);
  }
  return written;
}
