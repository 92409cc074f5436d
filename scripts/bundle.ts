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
 * (prom-client's parts, msgpackr's optional native addon) keep working unchanged. The one
 * exception is commander, bundled so that its imports of built-ins go through
 * bundle-builtins.ts like ours. Names and layout are not minified, so stack traces in logs
 * read as the source does.
 */

import { rmSync } from 'node:fs';
import { build } from 'esbuild';
import { builtinsByRequire, REQUIRE_BANNER, scanBuiltinImports } from './bundle-builtins.ts';

const OUT_DIR = 'dist/bundle';
// esbuild names chunks by content hash and leaves the old ones behind: start empty, so the
// bundle holds only what this build references.
rmSync(OUT_DIR, { recursive: true, force: true });

// Bundled rather than left external: commander's own ES imports of node:fs and node:process
// would otherwise load what bundle-builtins.ts keeps out.
const BUNDLED_PACKAGES = new Set(['commander']);
// The inputs whose imports of built-ins the stand-ins must serve.
const IMPORTERS = ['dist', 'node_modules/commander'];

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
  plugins: [
    builtinsByRequire(scanBuiltinImports(IMPORTERS)),
    {
      name: 'external-packages',
      // Runs after builtinsByRequire, which has taken every `node:` path.
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (args) =>
          BUNDLED_PACKAGES.has(args.path) ? undefined : { path: args.path, external: true },
        );
      },
    },
  ],
  banner: { js: REQUIRE_BANNER },
  sourcemap: 'linked',
  logLevel: 'warning',
  metafile: true,
});
const files = Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js'));
console.log(`bundle: ${files.length} files in ${OUT_DIR}/cli`);
