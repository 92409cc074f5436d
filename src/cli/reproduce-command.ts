/**
 * `hearsay sim reproduce NAME [--seeds N] [--quick] [--json]`: rerun one of the papers'
 * experiments (the REPRODUCTIONS registry in src/sim/reproduce) and print its table, or its
 * JSON. An unknown NAME is a usage error that lists the known ones; `--help` lists them
 * with their descriptions.
 */

import type { Command } from 'commander';
import { REPRODUCTIONS, type Reproduction } from '../sim/reproduce/index.ts';
import { parseInteger, type Range } from './flag-values.ts';
import type { CliIo } from './io.ts';
import { createProgress } from './progress.ts';
import { UsageError } from './usage-error.ts';

/** Seeds per configuration; each seed is one full run, so a thousand is already hours. */
export const SEEDS_RANGE: Range = { min: 1, max: 1000 };

export type ReproductionTable = Readonly<Record<string, Reproduction>>;

/** The reproduction called `name`, or a usage error listing the known names. */
export function findReproduction(table: ReproductionTable, name: string): Reproduction {
  const found = Object.hasOwn(table, name) ? table[name] : undefined;
  if (found === undefined) {
    throw new UsageError(
      'reproduce',
      `has no experiment ${JSON.stringify(name)}; known: ${Object.keys(table).sort().join(', ')}`,
    );
  }
  return found;
}

function listing(table: ReproductionTable): string {
  const names = Object.keys(table).sort();
  const width = Math.max(...names.map((n) => n.length));
  return names.map((n) => `  ${n.padEnd(width)}  ${table[n]!.describe}`).join('\n');
}

export function registerReproduceCommand(
  sim: Command,
  io: CliIo,
  table: ReproductionTable = REPRODUCTIONS,
): Command {
  return sim
    .command('reproduce')
    .description("rerun a paper's experiment and print its table")
    .argument('<NAME>', `which experiment: ${Object.keys(table).sort().join(', ')}`)
    .option('--seeds <N>', `seeds per configuration, an integer in [1, ${SEEDS_RANGE.max}]`)
    .option('--quick', 'fewer nodes and seeds: a smoke run in seconds')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', `\nExperiments:\n${listing(table)}`)
    .action((name: string, opts: { seeds?: string; quick?: boolean; json?: boolean }) => {
      const seeds =
        opts.seeds === undefined ? undefined : parseInteger('--seeds', opts.seeds, SEEDS_RANGE);
      const reproduction = findReproduction(table, name);
      const progress = createProgress(io, name, opts.json !== true);
      let out: { text: string; json: unknown };
      try {
        out = reproduction.run({
          ...(seeds === undefined ? {} : { seeds }),
          quick: opts.quick === true,
          onProgress: (msg) => progress.update(null, msg),
        });
      } finally {
        progress.done();
      }
      if (opts.json === true) io.stdout(`${JSON.stringify(out.json, null, 2)}\n`);
      else io.stdout(out.text.endsWith('\n') ? out.text : `${out.text}\n`);
    });
}
