/**
 * An esbuild plugin for scripts/bundle.ts: the bundle takes Node's built-in modules through
 * `require`, reading only the exports the code names, instead of `import`ing them.
 *
 * Why: an ES module import of a built-in reads every one of its exports to build the module
 * namespace, and several exports are lazy getters that load whole subsystems when read.
 * Importing node:fs reads `fs.promises`, which loads fs/promises, readline and the REPL's
 * history; node:util's `diff`, `parseArgs` and `setTraceSigInt` load the diff engine, the
 * argument parser and worker_threads. An idle agent carried all of them: 66.0 MiB resident
 * against 64.6 without (bench/RESULTS.md, "2026-11-22 (stop 15)").
 *
 * How: before the build, every static `import … from 'node:…'` in the bundle's inputs is read
 * for the names it takes. Each built-in then becomes a small module that `require`s it and
 * exports those names, read once when the module is evaluated; a default import gets the
 * module object itself. A name the scan missed fails the build ("No matching export"), never
 * the run. Dynamic imports of built-ins stay native imports, loaded when the code reaches them.
 * A few built-ins an agent may never need are loaded on their first call instead
 * (LOADED_ON_FIRST_CALL), and a few lazy exports read on their first call
 * (READ_ON_FIRST_CALL).
 */

import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Plugin } from 'esbuild';

const NAMESPACE = 'hearsay-builtin';
// `import a, { b, c as d } from 'node:x'` and its parts, as tsc and the packages write them.
const STATIC_IMPORT =
  /\bimport\s+(?!type\b)([\w$]+\s*,?\s*)?(\{[^}]*\})?\s*from\s*['"](node:[\w/]+)['"]/g;
const NAME = /^[A-Za-z_$][\w$]*$/;

/** The names each built-in is imported by, over every `.js` file under `dirs`. */
export function scanBuiltinImports(dirs: readonly string[]): Map<string, Set<string>> {
  const names = new Map<string, Set<string>>();
  for (const dir of dirs) {
    for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.js')) continue;
      const text = readFileSync(join(entry.parentPath, entry.name), 'utf8');
      for (const [, defaultName, braces, builtin] of text.matchAll(STATIC_IMPORT)) {
        const set = names.get(builtin!) ?? new Set<string>();
        names.set(builtin!, set);
        if (defaultName !== undefined) set.add('default');
        for (const part of braces?.slice(1, -1).split(',') ?? []) {
          const spec = part.trim();
          if (spec !== '' && !spec.startsWith('type ')) set.add(spec.split(/\s+as\s+/)[0]!);
        }
      }
    }
  }
  return names;
}

/**
 * Built-ins the agent may never call, loaded on first call rather than at start-up: the data
 * directory's and keyring file's I/O (fs/promises), join-address resolution (dns/promises),
 * retry back-off (timers/promises), and the start-up collection's and efficiency mode's V8
 * hooks (vm, v8). Only functions can be imported from these; builtinModuleSource checks.
 */
export const LOADED_ON_FIRST_CALL: ReadonlySet<string> = new Set([
  'node:fs/promises',
  'node:dns/promises',
  'node:timers/promises',
  'node:vm',
  'node:v8',
]);

/**
 * Lazy exports of built-ins the agent loads anyway that only another command calls, read on
 * their first call: `hearsay node`'s `parseArgs` would load Node's argument parser into every
 * agent, which shares the node:util stand-in.
 */
export const READ_ON_FIRST_CALL: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['node:util', new Set(['parseArgs'])],
]);

const nodeRequire = createRequire(import.meta.url);

/** `export function name(...)` calling `target`'s `name`, after checking it is a function. */
function callThrough(builtin: string, name: string, target: string, why: string): string {
  if (typeof (nodeRequire(builtin) as Record<string, unknown>)[name] !== 'function') {
    throw new Error(`${builtin} ${why}: import only its functions, not ${name}`);
  }
  return `export function ${name}(...args) { return ${target}.${name}(...args); }`;
}

/** The source of the module that stands in for `builtin`, exporting `names`. */
export function builtinModuleSource(builtin: string, names: Iterable<string>): string {
  const all = [...names];
  const named = all.filter((n) => n !== 'default');
  for (const n of named) if (!NAME.test(n)) throw new Error(`cannot re-export ${builtin}'s ${n}`);
  const id = JSON.stringify(builtin);
  if (LOADED_ON_FIRST_CALL.has(builtin)) {
    const why = 'is loaded on first call';
    if (named.length !== all.length) {
      throw new Error(`${builtin} ${why}: import only its functions, not default`);
    }
    const lines = ['let m;', `const load = () => (m ??= require(${id}));`];
    for (const n of named) lines.push(callThrough(builtin, n, 'load()', why));
    return `${lines.join('\n')}\n`;
  }
  const late = READ_ON_FIRST_CALL.get(builtin) ?? new Set<string>();
  const now = named.filter((n) => !late.has(n));
  const lines = [`const m = require(${id});`, 'export default m;'];
  if (now.length > 0) lines.push(`export const { ${now.join(', ')} } = m;`);
  for (const n of named) {
    if (late.has(n)) lines.push(callThrough(builtin, n, 'm', 'has it read on first call'));
  }
  return `${lines.join('\n')}\n`;
}

/** The banner each output file needs: the stand-ins call `require`, which ES modules lack. */
export const REQUIRE_BANNER =
  "import { createRequire as __hearsayCreateRequire } from 'node:module'; const require = __hearsayCreateRequire(import.meta.url);";

/**
 * The plugin. `names` comes from `scanBuiltinImports` over the same inputs the build reads;
 * the output needs REQUIRE_BANNER.
 */
export function builtinsByRequire(names: ReadonlyMap<string, ReadonlySet<string>>): Plugin {
  return {
    name: 'builtins-by-require',
    setup(build) {
      build.onResolve({ filter: /^node:/ }, (args) => {
        if (args.kind !== 'import-statement' || args.namespace === NAMESPACE) {
          return { path: args.path, external: true };
        }
        return { path: args.path, namespace: NAMESPACE };
      });
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => ({
        contents: builtinModuleSource(args.path, names.get(args.path) ?? []),
        loader: 'js',
      }));
    },
  };
}
