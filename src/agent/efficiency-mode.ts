/**
 * V8's efficiency mode for the agent process, with the garbage collector's threads kept.
 *
 * An agent spends its life idle and its bursts (a join, a failure, a flood of user events)
 * in code V8 has not optimized yet. With V8's defaults, a burst pays for TurboFan compiles
 * of functions that run a few hundred times and never again. Efficiency mode, which Chrome
 * uses for background tabs, defers TurboFan to 15,000 calls (Maglev still optimizes hot
 * code after 400). With 63 running agents joining a 64th at once on 2 cores, convergence
 * took 4.0–4.8 s with it against 6.0–7.6 s without, in runs alternating between the two.
 *
 * Efficiency mode also moves the garbage collector onto the main thread, and that part is
 * turned back off: with 64 agents starting together on those 2 cores, collections on the
 * main thread held acks past the probe timeout, and members were suspected (59 and 39 false
 * suspicions in two trials; none with the collector's background threads kept, whose joins
 * took 4.8 s). Figures: bench/RESULTS.md, "2026-11-21 (afternoon)".
 *
 * Only the `hearsay agent` process does this (cli/main.ts): a library must not change the
 * V8 flags of the process that embeds it, and the simulator's long CPU-bound runs want
 * TurboFan early. An explicit `node --efficiency-mode=…`, `--no-efficiency-mode` or
 * `--[no-]single-threaded-gc-in-background` wins.
 */

import { setFlagsFromString } from 'node:v8';

/** Whether `execArgv` sets the V8 flag `name` (`--name`, `--no-name`, `--name=…`; `_` or `-`). */
function v8FlagSet(execArgv: readonly string[], name: string): boolean {
  return execArgv.some((a) => {
    const m = /^--(?:no-)?([^=]+)/.exec(a);
    return m !== null && m[1]!.replaceAll('_', '-') === name;
  });
}

/** Whether the process was started with a V8 flag that names efficiency mode. */
export function efficiencyModeChosen(execArgv: readonly string[]): boolean {
  return v8FlagSet(execArgv, 'efficiency-mode');
}

/** Whether it was started with a V8 flag that chooses where the GC runs in that mode. */
export function gcThreadsChosen(execArgv: readonly string[]): boolean {
  return v8FlagSet(execArgv, 'single-threaded-gc-in-background');
}

/**
 * Turns efficiency mode on, keeping the GC's background threads, unless `execArgv` chose a
 * setting; returns whether it did. Both are read at each tiering and GC decision, so setting
 * them once the process runs takes effect for everything after.
 */
export function enterEfficiencyMode(execArgv: readonly string[] = process.execArgv): boolean {
  if (efficiencyModeChosen(execArgv)) return false;
  if (!gcThreadsChosen(execArgv)) setFlagsFromString('--no-single-threaded-gc-in-background');
  setFlagsFromString('--efficiency-mode');
  return true;
}
