/**
 * Tidy check: protocol folders stay sans-I/O.
 *
 * Protocol code must get time from `ctx.now`, randomness from `ctx.rng`, timers from
 * `ctx.setTimer` and sockets/files from the host; otherwise a seed no longer replays a run.
 * Biome bans some of this per folder (biome.json overrides); this scan is the backstop that
 * also covers what Biome's rules cannot express (`Date.now`, `new Date(`, `Math.random`,
 * `process.hrtime`, bare `dgram`/`net` imports) and that fails with file:line.
 *
 * Comments are stripped first (so a header may say "never call Date.now"), strings are kept
 * (import specifiers are strings). A self-test plants violations in fixtures to prove the
 * scanner can fail.
 */

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

const PURE_FOLDERS = [
  'src/core',
  'src/codec',
  'src/dissemination',
  'src/membership',
  'src/serf',
  'src/broadcast',
  'src/reconcile',
  'src/aggregate',
  'src/kv',
] as const;

/** Each banned pattern with the replacement to suggest. */
const BANNED: readonly { readonly re: RegExp; readonly fix: string }[] = [
  { re: /\bDate\.now\b/, fix: 'read ctx.now' },
  { re: /\bnew\s+Date\s*\(/, fix: 'read ctx.now' },
  { re: /\bMath\.random\b/, fix: 'use ctx.rng' },
  { re: /\bperformance\.now\b/, fix: 'read ctx.now' },
  { re: /\bprocess\.hrtime\b/, fix: 'read ctx.now' },
  { re: /\bsetTimeout\b/, fix: 'use ctx.setTimer' },
  { re: /\bsetInterval\b/, fix: 'use ctx.setTimer' },
  { re: /\bsetImmediate\b/, fix: 'the host schedules work' },
  {
    re: /['"]node:(?:dgram|net|fs|fs\/promises|crypto|timers|timers\/promises|http|https)['"]/,
    fix: 'I/O belongs to the host (src/net, src/sim)',
  },
  {
    re: /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)['"](?:dgram|net)['"]/,
    fix: 'sockets belong to the host (src/net)',
  },
];

/**
 * Replaces comments with spaces, keeping newlines (for line numbers) and string contents.
 * Template literals are treated as strings up to the closing backtick; `${…}` holding a
 * backtick would confuse it, which protocol code has no reason to do.
 */
function stripComments(src: string): string {
  let out = '';
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i]!;
    const next = src[i + 1];
    if (c === '/' && next === '/') {
      while (i < n && src[i] !== '\n') {
        out += ' ';
        i++;
      }
    } else if (c === '/' && next === '*') {
      out += '  ';
      i += 2;
      while (i < n && !(src[i] === '*' && src[i + 1] === '/')) {
        out += src[i] === '\n' ? '\n' : ' ';
        i++;
      }
      if (i < n) {
        out += '  ';
        i += 2;
      }
    } else if (c === "'" || c === '"' || c === '`') {
      out += c;
      i++;
      while (i < n && src[i] !== c) {
        if (src[i] === '\\' && i + 1 < n) {
          out += src[i]! + src[i + 1]!;
          i += 2;
          continue;
        }
        // An unterminated quote ends at the line; only templates span lines.
        if (src[i] === '\n' && c !== '`') break;
        out += src[i];
        i++;
      }
      if (i < n && src[i] === c) {
        out += c;
        i++;
      }
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

interface Violation {
  readonly file: string;
  readonly line: number;
  readonly text: string;
  readonly fix: string;
}

function findViolations(source: string, file: string): Violation[] {
  const found: Violation[] = [];
  const code = stripComments(source).split('\n');
  const original = source.split('\n');
  code.forEach((line, i) => {
    for (const { re, fix } of BANNED) {
      if (re.test(line)) found.push({ file, line: i + 1, text: original[i]!.trim(), fix });
    }
  });
  return found;
}

function tsFilesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

test('protocol folders use no wall clock, Math.random, host timers, sockets or files', () => {
  const folders = PURE_FOLDERS.map((f) => join(ROOT, f)).filter((d) => existsSync(d));
  assert.ok(folders.length >= 3, 'expected at least src/core, src/codec, src/dissemination');
  const files = folders.flatMap(tsFilesUnder);
  assert.ok(files.length > 0);
  const violations = files.flatMap((f) =>
    findViolations(readFileSync(f, 'utf8'), relative(ROOT, f)),
  );
  assert.deepEqual(
    violations.map((v) => `${v.file}:${v.line}: ${v.text}  (${v.fix})`),
    [],
    'sans-I/O violations',
  );
});

// ---- self-test: the scanner must be able to fail ----

const FIXTURE = [
  '/**',
  ' * Header comment mentioning Date.now and setTimeout: allowed.',
  ' */',
  "import { foo } from './foo.ts'; // Math.random in a trailing comment: allowed",
  "const url = 'http://example.com'; // the // inside a string is not a comment",
  'const t = Date.now();',
  "import dgram from 'node:dgram';",
  "import * as net from 'net';",
  'const d = new Date ();',
  '/* block */ const r = Math.random(); /* another */',
  'const s = `template with // slashes`; setTimeout(() => {}, 1);',
  "const msg = 'escaped \\' quote'; process.hrtime();",
  "const ok = ctx.now + ctx.rng.int(3); ctx.setTimer('probe', 5);",
  "const { readFileSync } = await import('node:fs');",
].join('\n');

test('self-test: the scanner catches planted violations, with their line numbers', () => {
  const found = findViolations(FIXTURE, 'fixture.ts').map((v) => v.line);
  assert.deepEqual(found, [6, 7, 8, 9, 10, 11, 12, 14]);
});

test('self-test: comments are blanked but strings and line numbers kept', () => {
  const stripped = stripComments("a // Date.now\n/* x\n y */ b 'c // d'\n");
  assert.equal(stripped.split('\n').length, 4);
  assert.ok(!stripped.includes('Date.now'));
  assert.ok(stripped.includes("'c // d'"));
  assert.deepEqual(findViolations("// setInterval\nconst x = 'setInterval';\n", 'f.ts').length, 1);
});

test('self-test: look-alike names are not flagged', () => {
  const clean = [
    'const retransmitTimeoutMs = 5;',
    'ctx.setTimer("gossip", periodMs);',
    "import { x } from './net-utils.ts';",
    "const label = 'net';",
    'const updatedAt = ctx.now;',
  ].join('\n');
  assert.deepEqual(findViolations(clean, 'clean.ts'), []);
});
