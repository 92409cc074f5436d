/** The installed entry point, as a real subprocess: bin/hearsay.js under this Node. */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/hearsay.js', import.meta.url));
const hearsay = (...args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('bin/hearsay.js', () => {
  it('an unknown flag exits 2 with one line on stderr', () => {
    const p = hearsay('sim', '--bogus');
    assert.equal(p.status, 2);
    assert.equal(p.stdout, '');
    assert.equal(p.stderr.split('\n').length, 2, JSON.stringify(p.stderr));
    assert.match(p.stderr, /^hearsay: --bogus is not a flag of "hearsay sim"/);
  });

  it('a small run exits 0 and prints the seed first', () => {
    const p = hearsay('sim', '--nodes', '50', '--seed', '9');
    assert.equal(p.status, 0, p.stderr);
    assert.match(p.stdout, /^SEED=9 nodes=50 /);
    assert.equal(p.stderr, '', 'no progress bar when stderr is a pipe');
  });
});
