import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { build } from 'esbuild';
import {
  builtinModuleSource,
  builtinsByRequire,
  REQUIRE_BANNER,
  scanBuiltinImports,
} from '../../scripts/bundle-builtins.ts';

async function withDir(run: (dir: string) => void | Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), 'hearsay-builtins-'));
  try {
    await run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('scanBuiltinImports', () => {
  it('collects named and default imports of built-ins, and nothing from type imports', () =>
    withDir((dir) => {
      mkdirSync(join(dir, 'a', 'b'), { recursive: true });
      writeFileSync(
        join(dir, 'a', 'one.js'),
        [
          "import { readFileSync, statSync as stat } from 'node:fs';",
          'import path, { join } from "node:path";',
          "import type { Socket } from 'node:net';",
          "import { type Server, createServer } from 'node:http';",
          "import x from './local.js';",
        ].join('\n'),
      );
      writeFileSync(
        join(dir, 'a', 'b', 'two.js'),
        "import {\n  setTimeout\n} from 'node:timers/promises';",
      );
      writeFileSync(join(dir, 'a', 'b', 'skip.ts'), "import { nope } from 'node:fs';");
      const names = scanBuiltinImports([join(dir, 'a')]);
      const plain = Object.fromEntries([...names].map(([k, v]) => [k, [...v].sort()]));
      assert.deepEqual(plain, {
        'node:fs': ['readFileSync', 'statSync'],
        'node:path': ['default', 'join'],
        'node:http': ['createServer'],
        'node:timers/promises': ['setTimeout'],
      });
    }));
});

describe('builtinModuleSource', () => {
  it('requires an ordinary built-in once and exports the names asked for', () => {
    const src = builtinModuleSource('node:fs', ['default', 'readFileSync']);
    assert.match(src, /const m = require\("node:fs"\);/);
    assert.match(src, /export default m;/);
    assert.match(src, /export const \{ readFileSync \} = m;/);
  });

  it('wraps the functions of a built-in loaded on first call, and refuses anything else', () => {
    const src = builtinModuleSource('node:fs/promises', ['readFile']);
    assert.doesNotMatch(src, /^const m = require/m);
    assert.match(
      src,
      /export function readFile\(\.\.\.args\) \{ return load\(\)\.readFile\(\.\.\.args\); \}/,
    );
    assert.throws(
      () => builtinModuleSource('node:fs/promises', ['default']),
      /import only its functions, not default/,
    );
    assert.throws(() => builtinModuleSource('node:fs/promises', ['constants']), /not constants/);
    assert.throws(() => builtinModuleSource('node:fs', ['a-b']), /cannot re-export node:fs's a-b/);
  });

  it("reads node:util's parseArgs on its first call, and its other exports at once", () => {
    const src = builtinModuleSource('node:util', ['inspect', 'parseArgs']);
    assert.match(src, /export const \{ inspect \} = m;/);
    assert.match(
      src,
      /export function parseArgs\(\.\.\.args\) \{ return m\.parseArgs\(\.\.\.args\); \}/,
    );
  });
});

describe('builtinsByRequire, bundled and run', () => {
  it('keeps the lazy exports of node:fs and node:util unread, and loads fs/promises on first call', () =>
    withDir(async (dir) => {
      const entry = join(dir, 'entry.js');
      writeFileSync(
        entry,
        [
          "import { readFileSync } from 'node:fs';",
          "import { inspect, parseArgs } from 'node:util';",
          "import { readFile } from 'node:fs/promises';",
          'const loaded = () => process.moduleLoadList.filter((m) => m.startsWith("NativeModule ")).map((m) => m.slice(13));',
          'const before = loaded();',
          "const text = await readFile(new URL(import.meta.url), 'utf8');",
          'const parsed = parseArgs({ args: ["--x"], options: { x: { type: "boolean" } } }).values.x;',
          'console.log(JSON.stringify({ before, parsed, after: loaded(), same: text === readFileSync(new URL(import.meta.url), "utf8"), inspect: inspect({ a: 1 }) }));',
        ].join('\n'),
      );
      const out = join(dir, 'out.mjs');
      await build({
        entryPoints: [entry],
        outfile: out,
        bundle: true,
        format: 'esm',
        platform: 'node',
        plugins: [builtinsByRequire(scanBuiltinImports([dir]))],
        banner: { js: REQUIRE_BANNER },
        logLevel: 'silent',
      });
      const r = JSON.parse(execFileSync(process.execPath, [out], { encoding: 'utf8' })) as {
        before: string[];
        parsed: boolean;
        after: string[];
        same: boolean;
        inspect: string;
      };
      // An ES import of node:fs reads fs.promises, which loads fs/promises and readline;
      // node:util's parseArgs, diff and setTraceSigInt load their modules and worker_threads.
      for (const m of [
        'fs/promises',
        'internal/readline/interface',
        'worker_threads',
        'internal/util/diff',
      ]) {
        assert.ok(!r.before.includes(m), `${m} loaded before it was called`);
      }
      assert.ok(r.after.includes('fs/promises'), 'fs/promises loaded by its first call');
      assert.equal(r.parsed, true);
      assert.equal(r.same, true);
      assert.equal(r.inspect, '{ a: 1 }');
    }));
});
