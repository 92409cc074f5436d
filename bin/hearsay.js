#!/usr/bin/env node
// The npm bin shim. It runs the build in dist/ (written by `npm install` through the
// `prepare` script, or `npm run build`) when that build is at least as new as every source
// file: compiled JavaScript starts in a fraction of the time and memory that type-stripping
// the sources costs (an agent is a long-lived process measured against Serf's footprint).
// Otherwise — no build yet, or a source edited since — it runs the TypeScript sources
// directly, which Node 24 can do, so a stale build never runs.
import { readdirSync, statSync } from 'node:fs';
import module from 'node:module';
import v8 from 'node:v8';

// An agent is a long-lived process whose resident memory is compared with Serf's (Go, about
// 15 MiB). Loading its modules allocates in bursts that V8 answers by growing the young
// generation to 16 MiB, which then stays resident for the agent's whole life while its
// steady-state allocation needs a fraction of that: keeping the young generation at its
// initial size saves about 10 MiB of RSS at the cost of more (cheap, sub-millisecond)
// scavenges. The flag is read at each growth decision, so setting it here, before any module
// is loaded, takes effect. Other commands (the simulator above all) allocate heavily and keep
// V8's default.
if (process.argv[2] === 'agent') v8.setFlagsFromString('--semi-space-growth-factor=1');

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
