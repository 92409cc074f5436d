/**
 * `hearsay keys` and `hearsay keygen`: keygen prints fresh 32-byte base64 keys with no agent;
 * `keys --local` lists (table and --json), installs, uses and removes one agent's keyring
 * against a real HTTP server over a fake cluster, refuses a malformed key before sending it
 * (exit 2, key not echoed), more than one action at once (exit 2), and passes the agent's
 * refusal on (exit 1). Without `--local` (the default, as `serf keys`): the same actions on
 * every member, Serf's counts printed — keys with `installed/asked` and `primary/asked`, a
 * line per failing member on stderr, Serf's error sentence and exit 1 when a member failed
 * or did not answer, `--json` the counts as the agent answered them.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ClusterKeysResult } from '../../src/agent/cluster.ts';
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

describe('hearsay keys --local', () => {
  it('an empty keyring says gossip is not encrypted', async () => {
    const r = await cli(['keys', '--local', '--http', setup.address]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, 'No keys: gossip is not encrypted\n');
  });

  it('install, use, remove, list: the keyring after each change', async () => {
    const k1 = (await cli(['keygen'])).out.trim();
    const k2 = (await cli(['keygen'])).out.trim();
    let r = await cli(['keys', '--local', '--install', k1, '--http', setup.address]);
    assert.equal(r.code, 0, r.err);
    r = await cli(['keys', '--local', '--install', k2, '--http', setup.address]);
    assert.equal(
      r.out,
      `Installed the key; the keyring is now:\nKEY${' '.repeat(43)}PRIMARY\n${k1}  yes\n${k2}\n`,
    );
    r = await cli(['keys', '--local', '--use', k2, '--http', setup.address]);
    assert.match(r.out, /^Now encrypting with the key; the keyring is now:\n/);
    r = await cli(['keys', '--local', '--remove', k1, '--http', setup.address]);
    assert.match(r.out, /^Removed the key; the keyring is now:\n/);
    r = await cli(['keys', '--local', '--list', '--json', '--http', setup.address]);
    assert.deepEqual(JSON.parse(r.out), { primary: k2, keys: [k2] });
    r = await cli(['keys', '--local', '--http', setup.address]);
    assert.equal(r.out, `KEY${' '.repeat(43)}PRIMARY\n${k2}  yes\n`);
  });

  it("the agent's refusal: one line, exit 1", async () => {
    const ring = (await cli(['keys', '--local', '--json', '--http', setup.address])).out;
    const primary = (JSON.parse(ring) as { primary: string }).primary;
    const r = await cli(['keys', '--local', '--remove', primary, '--http', setup.address]);
    assert.equal(r.code, 1);
    assert.match(
      r.err,
      /^hearsay: .*\/v1\/keys answered 400: body\/key cannot remove the primary key\n$/,
    );
  });

  it('usage errors: a malformed key (not echoed), two actions at once', async () => {
    const secretish = 'c2hvcnQta2V5';
    let r = await cli(['keys', '--local', '--install', secretish, '--http', setup.address]);
    assert.equal(r.code, 2);
    assert.match(r.err, /^hearsay: --install must be a base64 AES key of 16, 24 or 32 bytes/);
    assert.ok(!r.err.includes(secretish));
    r = await cli(['keys', '--local', '--list', '--remove', secretish]);
    assert.equal(r.code, 2);
    assert.equal(
      r.err,
      'hearsay: keys takes one of --list, --install, --use, --remove at a time\n',
    );
  });
});

describe('hearsay keys (every member, as serf keys)', () => {
  let c: Awaited<ReturnType<typeof listeningSetup>>;
  const K1 = Buffer.alloc(32, 1).toString('base64');
  const K2 = Buffer.alloc(32, 2).toString('base64');

  before(async () => {
    c = await listeningSetup();
    c.cluster.keyring = { primary: K1, keys: [K1] };
  });

  after(async () => {
    await c.app.close();
  });

  /** Make the fake cluster answer `result` to the next operations. */
  function answer(result: ClusterKeysResult): string[] {
    const asked: string[] = [];
    c.cluster.clusterKeysImpl = async (action, key) => {
      asked.push(`${action} ${key ?? ''}`.trim());
      return result;
    };
    return asked;
  }

  it('list (the default): keys with installed/asked and primary/asked', async () => {
    c.cluster.clusterKeysImpl = null;
    let r = await cli(['keys', '--http', c.address]);
    assert.equal(r.code, 0, r.err);
    assert.equal(
      r.out,
      `KEY${' '.repeat(43)}INSTALLED  PRIMARY\n${K1}  1/1        1/1\n1/1 members answered\n`,
    );
    assert.equal(r.err, '');

    const asked = answer({
      numNodes: 3,
      numResp: 3,
      numErr: 0,
      messages: {},
      keys: { [K2]: 1, [K1]: 3 },
      primaryKeys: { [K1]: 3 },
    });
    r = await cli(['keys', '--list', '--http', c.address]);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(asked, ['list']);
    assert.deepEqual(r.out.split('\n'), [
      `KEY${' '.repeat(43)}INSTALLED  PRIMARY`,
      `${K1}  3/3        3/3`,
      `${K2}  1/3`,
      '3/3 members answered',
      '',
    ]);
  });

  it('install, use, remove: done on every member; the operation and key sent', async () => {
    c.cluster.clusterKeysImpl = null;
    let r = await cli(['keys', '--install', K2, '--http', c.address]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, 'Installed the key on every member (1/1)\n');
    r = await cli(['keys', '--use', K2, '--http', c.address]);
    assert.equal(r.out, 'Every member (1/1) now encrypts with the key\n');
    r = await cli(['keys', '--remove', K1, '--http', c.address]);
    assert.equal(r.out, 'Removed the key from every member (1/1)\n');
    assert.deepEqual(c.cluster.keyring, { primary: K2, keys: [K2] });
    assert.deepEqual(c.cluster.calls.filter((x) => x.startsWith('clusterKeys')).slice(-3), [
      'clusterKeys install',
      'clusterKeys use',
      'clusterKeys remove',
    ]);
  });

  it("a member's refusal: its message on stderr, Serf's sentence, exit 1", async () => {
    answer({
      numNodes: 3,
      numResp: 3,
      numErr: 1,
      messages: { 'node-b': 'key: removing the primary key is not allowed' },
    });
    const r = await cli(['keys', '--remove', K1, '--http', c.address]);
    assert.equal(r.code, 1);
    assert.equal(r.out, '');
    assert.equal(
      r.err,
      'NODE    MESSAGE\n' +
        'node-b  key: removing the primary key is not allowed\n' +
        'hearsay: Error removing key: 1/3 nodes reported failure\n',
    );
  });

  it('a member that did not answer: exit 1, the counts still printed (and in --json)', async () => {
    const result = {
      numNodes: 3,
      numResp: 2,
      numErr: 0,
      messages: {},
      keys: { [K1]: 2 },
      primaryKeys: { [K1]: 2 },
    };
    answer(result);
    let r = await cli(['keys', '--http', c.address]);
    assert.equal(r.code, 1);
    assert.equal(
      r.out,
      `KEY${' '.repeat(43)}INSTALLED  PRIMARY\n${K1}  2/3        2/3\n2/3 members answered, 0 failed\n`,
    );
    assert.equal(r.err, 'hearsay: Failed to gather member keys: 2/3 nodes reported success\n');

    r = await cli(['keys', '--json', '--http', c.address]);
    assert.equal(r.code, 1);
    assert.deepEqual(JSON.parse(r.out), result);
    assert.equal(r.err, 'hearsay: Failed to gather member keys: 2/3 nodes reported success\n');

    answer({ ...result, numResp: 3, messages: { x: 'truncated key list response' } });
    r = await cli(['keys', '--install', K2, '--json', '--http', c.address]);
    assert.equal(r.code, 0, 'a warning is not a failure');
    assert.deepEqual(JSON.parse(r.out).messages, { x: 'truncated key list response' });
  });

  it("the agent's refusal and a malformed key: one line, exit 1 and 2", async () => {
    c.cluster.clusterKeysImpl = null;
    const short = Buffer.alloc(16, 3).toString('base64');
    let r = await cli(['keys', '--install', short, '--http', c.address]);
    assert.equal(r.code, 1);
    assert.match(
      r.err,
      /^hearsay: .*\/v1\/cluster\/keys answered 400: body\/key not a base64 AES key\n$/,
    );
    r = await cli(['keys', '--use', 'c2hvcnQta2V5', '--http', c.address]);
    assert.equal(r.code, 2);
    assert.ok(!r.err.includes('c2hvcnQta2V5'));
  });
});
