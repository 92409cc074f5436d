/**
 * Bundles the compiled CLI (dist/cli/main.js) into dist/bundle/cli/, the build's last step
 * (`npm run build`); bin/hearsay.js runs the bundle.
 *
 * Why: the compiled CLI is about 110 ES modules, and Node resolves, loads and links each on
 * its own (URL parsing, package-scope lookups, a stat per file). As a few chunks, an agent
 * starts on less CPU, and holds less memory for module records and their scripts
 * (bench/RESULTS.md, "2026-11-22 (stop 14)").
 *
 * What it keeps: every command still sits behind its own dynamic import, so `hearsay agent`
 * loads neither the simulator nor the reproductions (esbuild splits them into chunks of their
 * own). npm packages stay external, loaded from node_modules as before: their own lookups
 * (prom-client's parts, msgpackr's optional native addon) keep working unchanged. Names and
 * layout are not minified, so stack traces in logs read as the source does.
 */

import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const OUT_DIR = 'dist/bundle';
// esbuild names chunks by content hash and leaves the old ones behind: start empty, so the
// bundle holds only what this build references.
rmSync(OUT_DIR, { recursive: true, force: true });

const result = await build({
  entryPoints: ['dist/cli/main.js'],
  outdir: `${OUT_DIR}/cli`,
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
  metafile: true,
});
const files = Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js'));
console.log(`bundle: ${files.length} files in ${OUT_DIR}/cli`);
