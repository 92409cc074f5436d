/**
 * V8's efficiency mode for the agent process.
 *
 * An agent spends its life idle and its bursts (a join, a failure, a flood of user events)
 * in code V8 has not optimized yet. With V8's defaults, a burst pays for TurboFan compiles
 * of functions that run a few hundred times and never again, and for background GC threads
 * that compete for the cores with the cluster's other agents. Efficiency mode, which Chrome
 * uses for background tabs, defers TurboFan to 15,000 invocations (Maglev still optimizes
 * hot code after 400) and runs the GC on the main thread.
 *
 * Measured on 2 cores, 31 running agents joining a 32nd at once, alternating with and
 * without in the same session: the joiners spent 1.7–2.1 CPU-seconds in all against
 * 3.0–3.4, converged in 1.2–1.4 s against 1.8–2.1 s, and an idle agent's RSS fell by about
 * 6 MiB (bench/RESULTS.md, "2026-11-21 (afternoon)").
 *
 * Only the `hearsay agent` process sets it (cli/main.ts): a library must not change the
 * V8 flags of the process that embeds it, and the simulator's long CPU-bound runs want
 * TurboFan and parallel GC. An explicit `node --efficiency-mode=…` or `--no-efficiency-mode`
 * wins.
 */

import { setFlagsFromString } from 'node:v8';

/** Whether the process was started with a V8 flag that names efficiency mode. */
export function efficiencyModeChosen(execArgv: readonly string[]): boolean {
  return execArgv.some((a) => /^--(no-)?efficiency[-_]mode(=|$)/.test(a));
}

/**
 * Turns efficiency mode on unless `execArgv` chose a setting; returns whether it did.
 * Efficiency mode is read at each tiering and GC decision, so setting it once the process
 * runs takes effect for everything after.
 */
export function enterEfficiencyMode(execArgv: readonly string[] = process.execArgv): boolean {
  if (efficiencyModeChosen(execArgv)) return false;
  setFlagsFromString('--efficiency-mode');
  return true;
}
