/**
 * `hearsay sim`: run one dissemination experiment and report it.
 *
 * Output order is fixed so that logs read top-down: the parameter line first (`SEED=…`,
 * enough to replay the run), then the progress bar on stderr while the engine runs, then
 * the summary table. `--json` replaces all stdout with the result object alone, so the
 * output can be piped into `jq`. `--out DIR` additionally runs the protocol comparison and
 * writes the report; the charting library is loaded only then (it costs half a second).
 *
 * The flags themselves live in sim-flags.ts; this module only wires them to commander and
 * the engine.
 */

import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import { DEFAULT_EXPERIMENT, runDissemination } from '../sim/dissemination-experiment.ts';
import { comparisonPlan, runComparison } from '../sim/report/comparison.ts';
import { comparisonNote } from '../sim/report/documents.ts';
import { jsonText } from '../sim/report/json.ts';
import { paramsLine } from '../sim/report/params.ts';
import { rowsAsText, summaryRows } from '../sim/report/summary.ts';
import type { DisseminationExperiment, DisseminationResult } from '../sim/types.ts';
import type { CliIo } from './io.ts';
import { createProgress } from './progress.ts';
import { parseSimFlags, type RawSimFlags, SIM_FLAGS } from './sim-flags.ts';
import { CommandFailure } from './usage-error.ts';

function addSimOptions(cmd: Command, defaults: DisseminationExperiment): Map<string, string> {
  const attributeOf = new Map<string, string>();
  for (const flag of SIM_FLAGS) {
    const usage = flag.value === null ? `--${flag.name}` : `--${flag.name} <${flag.value}>`;
    const defaultText = flag.value === null ? '' : ` [default: ${flag.defaultText(defaults)}]`;
    const option = new Option(usage, `${flag.help}${defaultText}`);
    if (flag.repeatable) {
      option.argParser((value: string, previous: string[] | undefined) => [
        ...(previous ?? []),
        value,
      ]);
    }
    cmd.addOption(option);
    attributeOf.set(flag.name, option.attributeName());
  }
  return attributeOf;
}

/** Run one experiment with a progress bar labelled `label` (when the bar is enabled). */
function runWithProgress(
  io: CliIo,
  exp: DisseminationExperiment,
  label: string,
  showProgress: boolean,
): DisseminationResult {
  const progress = createProgress(io, label, showProgress);
  const nodes = exp.nodes.toLocaleString('en-US');
  try {
    return runDissemination(exp, {
      onProgress: (p) =>
        progress.update(
          p.fraction,
          `t=${Math.round(p.t).toLocaleString('en-US')} ms  informed ${p.informed.toLocaleString('en-US')}/${nodes}`,
        ),
    });
  } finally {
    progress.done();
  }
}

function reportFailure(dir: string, e: unknown): CommandFailure {
  const reason = e instanceof Error ? e.message : String(e);
  return new CommandFailure(`cannot write the report to ${dir}: ${reason}`, { cause: e });
}

function isSystemError(e: unknown): boolean {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).syscall === 'string';
}

async function prepareOutDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
  } catch (e) {
    throw reportFailure(dir, e);
  }
}

export function registerSimCommand(
  program: Command,
  io: CliIo,
  defaults: DisseminationExperiment = DEFAULT_EXPERIMENT,
): Command {
  const sim = program
    .command('sim')
    .description('simulate one dissemination experiment (see docs/cli.md)')
    // `sim` and its `reproduce` subcommand share flag names (--json): without this, `sim`
    // would claim a --json written after `reproduce NAME` (main.ts sets it on the root too).
    .enablePositionalOptions();
  const attributeOf = addSimOptions(sim, defaults);

  sim.action(async (opts: Record<string, string | string[] | boolean | undefined>) => {
    const raw: Record<string, string | readonly string[] | boolean | undefined> = {};
    for (const [name, attribute] of attributeOf) raw[name] = opts[attribute];
    const { experiment, output } = parseSimFlags(raw as RawSimFlags, defaults);
    const showProgress = !output.quiet && !output.json;
    const note = (text: string) => {
      if (!output.quiet) io.stderr(`${text}\n`);
    };

    // Create the report directory first: a ten-million-node run should not find out at the
    // end that its report cannot be written.
    if (output.outDir !== null) await prepareOutDir(output.outDir);

    if (!output.json) io.stdout(`${paramsLine(experiment)}\n`);
    const result = runWithProgress(io, experiment, experiment.protocol, showProgress);
    if (output.json) io.stdout(`${jsonText(result)}\n`);
    else io.stdout(`\n${rowsAsText(summaryRows(result))}\n`);

    if (output.outDir !== null) {
      const plan = comparisonPlan(experiment);
      if (plan.capped) note(`hearsay: ${comparisonNote(plan, experiment.nodes)}`);
      const comparison = runComparison(plan, result, (exp) =>
        runWithProgress(io, exp, `comparison: ${exp.protocol}`, showProgress),
      );
      // Loaded here, not at the top: Vega takes longer to import than a small run takes.
      const { writeReport } = await import('../sim/report/write-report.ts');
      try {
        await writeReport(output.outDir, { experiment, result, comparison });
      } catch (e) {
        // File-system errors are the user's to fix; anything else (a chart that fails to
        // render) is our bug and keeps its stack.
        throw isSystemError(e) ? reportFailure(output.outDir, e) : e;
      }
      if (!output.json) io.stdout(`\nreport: ${output.outDir}/index.html\n`);
    }
  });
  return sim;
}
