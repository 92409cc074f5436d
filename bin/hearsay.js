#!/usr/bin/env node
// The npm bin shim. It runs the build in dist/ (written by `npm install` through the
// `prepare` script, or `npm run build`) when that build is at least as new as every source
// file: compiled JavaScript starts in a fraction of the time and memory that type-stripping
// the sources costs (an agent is a long-lived process measured against Serf's footprint).
// Otherwise — no build yet, or a source edited since — it runs the TypeScript sources
// directly, which Node 24 can do, so a stale build never runs.
import { readdirSync, statSync } from 'node:fs';
import module from 'node:module';

// V8's young generation is left to grow as V8 decides. Holding it at its initial size
// (`--semi-space-growth-factor=1`) saves about 9 MiB of an idle agent's RSS, but the
// scavenges it forces cost a 64-agent join burst about a quarter more CPU (5.2-6.2 s against
// 8.0-8.2 s over the 63 joiners; convergence 3.0-3.6 s against 4.4-4.6 s on 2 cores):
// measured in bench/RESULTS.md, the join is worth more than the memory.

// V8's compiled code, cached on disk (the OS temp dir) and shared by every hearsay process:
// a cluster of agents on one machine compiles the code once, not once per process.
module.enableCompileCache?.();

const root = new URL('../', import.meta.url);

function buildIsFresh() {
  let builtMs;
  try {
    builtMs = statSync(new URL('dist/cli/main.js', root)).mtimeMs;
  } catch {
    return false;
  }
  const src = new URL('src/', root);
  for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    if (statSync(`${entry.parentPath}/${entry.name}`).mtimeMs > builtMs) return false;
  }
  return true;
}

const entry = buildIsFresh() ? '../dist/cli/main.js' : '../src/cli/main.ts';
const { main } = await import(entry);
await main(process.argv);
