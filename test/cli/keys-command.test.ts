/**
 * `hearsay keys` and `hearsay keygen`: keygen prints fresh 32-byte base64 keys with no agent;
 * keys lists (table and --json), installs, uses and removes against a real HTTP server over a
 * fake cluster, refuses a malformed key before sending it (exit 2, key not echoed), more than
 * one action at once (exit 2), and passes the agent's refusal on (exit 1).
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { memoryIo } from '../../src/cli/io.ts';
import { run } from '../../src/cli/main.ts';
import { listeningSetup } from '../agent/fake-cluster.ts';

async function cli(args: string[]) {
  const io = memoryIo();
  const code = await run(args, io);
  return { code, out: io.out.join(''), err: io.err.join('') };
}

let setup: Awaited<ReturnType<typeof listeningSetup>>;

before(async () => {
  setup = await listeningSetup();
});

after(async () => {
  await setup.app.close();
});

describe('hearsay keygen', () => {
  it('prints a new base64 32-byte key each time', async () => {
    const a = await cli(['keygen']);
    const b = await cli(['keygen']);
    assert.equal(a.code, 0);
    assert.match(a.out, /^[A-Za-z0-9+/]{43}=\n$/);
    assert.equal(Buffer.from(a.out.trim(), 'base64').length, 32);
    assert.notEqual(a.out, b.out);
  });
});

describe('hearsay keys', () => {
  it('an empty keyring says gossip is not encrypted', async () => {
    const r = await cli(['keys', '--http', setup.address]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, 'No keys: gossip is not encrypted\n');
  });

  it('install, use, remove, list: the keyring after each change', async () => {
    const k1 = (await cli(['keygen'])).out.trim();
    const k2 = (await cli(['keygen'])).out.trim();
    let r = await cli(['keys', '--install', k1, '--http', setup.address]);
    assert.equal(r.code, 0, r.err);
    r = await cli(['keys', '--install', k2, '--http', setup.address]);
    assert.equal(
      r.out,
      `Installed the key; the keyring is now:\nKEY${' '.repeat(43)}PRIMARY\n${k1}  yes\n${k2}\n`,
    );
    r = await cli(['keys', '--use', k2, '--http', setup.address]);
    assert.match(r.out, /^Now encrypting with the key; the keyring is now:\n/);
    r = await cli(['keys', '--remove', k1, '--http', setup.address]);
    assert.match(r.out, /^Removed the key; the keyring is now:\n/);
    r = await cli(['keys', '--list', '--json', '--http', setup.address]);
    assert.deepEqual(JSON.parse(r.out), { primary: k2, keys: [k2] });
    r = await cli(['keys', '--http', setup.address]);
    assert.equal(r.out, `KEY${' '.repeat(43)}PRIMARY\n${k2}  yes\n`);
  });

  it("the agent's refusal: one line, exit 1", async () => {
    const ring = (await cli(['keys', '--json', '--http', setup.address])).out;
    const primary = (JSON.parse(ring) as { primary: string }).primary;
    const r = await cli(['keys', '--remove', primary, '--http', setup.address]);
    assert.equal(r.code, 1);
    assert.match(
      r.err,
      /^hearsay: .*\/v1\/keys answered 400: body\/key cannot remove the primary key\n$/,
    );
  });

  it('usage errors: a malformed key (not echoed), two actions at once', async () => {
    const secretish = 'c2hvcnQta2V5';
    let r = await cli(['keys', '--install', secretish, '--http', setup.address]);
    assert.equal(r.code, 2);
    assert.match(r.err, /^hearsay: --install must be a base64 AES key of 16, 24 or 32 bytes/);
    assert.ok(!r.err.includes(secretish));
    r = await cli(['keys', '--list', '--remove', secretish]);
    assert.equal(r.code, 2);
    assert.equal(
      r.err,
      'hearsay: keys takes one of --list, --install, --use, --remove at a time\n',
    );
  });
});
