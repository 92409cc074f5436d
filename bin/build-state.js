// Whether dist/ holds a build at least as new as every source file. bin/hearsay.js runs the
// build (its bundle, dist/bundle/, which the build writes last) when it is, the TypeScript sources otherwise; the benchmarks say which one their
// agents ran, since the sources cost a hearsay agent several times the start-up CPU and
// tens of MiB.
import { createRequire } from 'node:module';

// Required, not imported: importing a built-in from an ES module reads every export of it,
// and node:fs's `promises` export loads fs/promises, readline and the REPL history with it.
const { readdirSync, statSync } = createRequire(import.meta.url)('node:fs');

const ROOT = new URL('../', import.meta.url);

/** 'fresh', 'missing' (no build yet) or 'stale' (a source edited since the build). */
export function buildState(root = ROOT) {
  let builtMs;
  try {
    builtMs = statSync(new URL('dist/bundle/cli/main.js', root)).mtimeMs;
  } catch {
    return 'missing';
  }
  const src = new URL('src/', root);
  for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    if (statSync(`${entry.parentPath}/${entry.name}`).mtimeMs > builtMs) return 'stale';
  }
  return 'fresh';
}
