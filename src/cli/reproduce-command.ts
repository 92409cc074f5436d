/**
 * `hearsay sim reproduce NAME [--seeds N] [--quick] [--json]`: rerun one of the papers'
 * experiments (src/sim/reproduce) and print its table, or its JSON.
 *
 * The reproductions are loaded when the command runs, not when the CLI starts: they pull
 * in every protocol and are not needed for `hearsay sim` or `--help`.
 */

import type { Command } from 'commander';
import { parseInteger, type Range } from './flag-values.ts';
import type { CliIo } from './io.ts';
import { createProgress } from './progress.ts';
import { UsageError } from './usage-error.ts';

/** Seeds per configuration; each seed is one full run, so a thousand is already hours. */
export const SEEDS_RANGE: Range = { min: 1, max: 1000 };

/** The contract of src/sim/reproduce/index.ts. */
export interface Reproduction {
  readonly describe: string;
  run(opts: { seeds?: number; quick?: boolean; onProgress?: (msg: string) => void }): {
    text: string;
    json: unknown;
  };
}

export type ReproductionTable = Readonly<Record<string, Reproduction>>;

/** The loader is injectable so tests can supply a table without the real experiments. */
export type LoadReproductions = () => Promise<ReproductionTable>;

// A computed specifier keeps the type checker from requiring the module before it exists;
// the `Reproduction` interface above is the contract it is held to.
const REPRODUCE_MODULE = '../sim/reproduce/index.ts';
export const loadReproductions: LoadReproductions = async () =>
  ((await import(REPRODUCE_MODULE)) as { REPRODUCTIONS: ReproductionTable }).REPRODUCTIONS;

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

export function registerReproduceCommand(
  sim: Command,
  io: CliIo,
  load: LoadReproductions = loadReproductions,
): Command {
  return sim
    .command('reproduce')
    .description("rerun a paper's experiment and print its table (e.g. rounds, demers)")
    .argument('<NAME>', 'which experiment')
    .option('--seeds <N>', `seeds per configuration, an integer in [1, ${SEEDS_RANGE.max}]`)
    .option('--quick', 'fewer nodes and seeds: a smoke run in seconds')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, opts: { seeds?: string; quick?: boolean; json?: boolean }) => {
      const seeds =
        opts.seeds === undefined ? undefined : parseInteger('--seeds', opts.seeds, SEEDS_RANGE);
      const reproduction = findReproduction(await load(), name);
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
