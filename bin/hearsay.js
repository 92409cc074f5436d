#!/usr/bin/env node
// The npm bin shim. It runs the build's bundle, dist/bundle/ (written by `npm install`
// through the `prepare` script, or `npm run build`), when that build is at least as new as
// every source file: compiled JavaScript starts in a fraction of the time and memory that
// type-stripping the sources costs (an agent is a long-lived process measured against
// Serf's footprint).
// Otherwise — no build yet, or a source edited since — it runs the TypeScript sources
// directly, which Node 24 can do, so a stale build never runs.
import module from 'node:module';
import { AGENT_NODE_FLAGS } from './agent-node-flags.js';
import { buildState } from './build-state.js';

// An agent is a long-lived process whose resident memory is compared with Serf's. V8 sizes
// its young generation for throughput: start-up and the first bursts (a join, a flood of
// events) grow it to 16 MiB, 12 of them resident, and it stays so for the agent's life.
// Capped at 2 MiB a semi-space, a 64-agent cluster's RSS is 11 MiB lower per agent (82
// against 93) and its join burst costs no more CPU (bench/RESULTS.md, "2026-11-21 (stop
// 10)"). V8 sizes the young generation once, from the command line, so `hearsay agent`
// replaces itself through execve(2) (same PID, same file descriptors, before anything is
// loaded) with the flag added, unless the user already chose a semi-space size on the
// command line or in NODE_OPTIONS. That costs one more start of Node, about 40 ms of CPU
// once (0.26-0.29 s to `hearsay agent --help` against 0.29-0.39 s). Other commands (the
// simulator above all) allocate heavily and keep V8's default; so does a platform without
// execve(2).
const SEMI_SPACE_FLAG = /^--(?:max|min)[-_]semi[-_]space[-_]size(?:=|$)/;

function semiSpaceChosen() {
  const options = (process.env.NODE_OPTIONS ?? '').split(/\s+/);
  return [...process.execArgv, ...options].some((a) => SEMI_SPACE_FLAG.test(a));
}

if (process.argv[2] === 'agent' && typeof process.execve === 'function' && !semiSpaceChosen()) {
  const argv = [...AGENT_NODE_FLAGS, ...process.execArgv, ...process.argv.slice(1)];
  try {
    process.execve(process.execPath, [process.execPath, ...argv], process.env);
  } catch {
    // A platform without execve(2), or one refusing it: the agent runs with V8's default.
  }
}

// V8's compiled code, cached on disk (the OS temp dir) and shared by every hearsay process:
// a cluster of agents on one machine compiles the code once, not once per process.
module.enableCompileCache?.();

const entry = buildState() === 'fresh' ? '../dist/bundle/cli/main.js' : '../src/cli/main.ts';
const { main } = await import(entry);
await main(process.argv);
