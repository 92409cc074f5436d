/**
 * Cluster-wide key operations asked from hearsay in a cluster of real HashiCorp Serf agents
 * (Debian's `serf`, through test/support/serf): two Serf agents with `-encrypt` and one
 * `hearsay agent` with the same key, all on 127.0.0.1 with the local profile.
 *
 *   - from hearsay (`POST/PUT/DELETE /v1/cluster/keys`), a new key is installed, made
 *     primary and the old one removed on every member: Serf's answers count (3/3, no errors)
 *     and `serf keys -list` on each Serf agent shows the keys on all three;
 *   - a list asked from Serf (`serf keys -list`) counts the hearsay agent, and a list asked
 *     from hearsay counts the Serf agents (keys and primaries);
 *   - the cluster stays formed throughout: every agent lists the three alive, and after the
 *     rotation a key query still gets all three answers (gossip and answers under the new
 *     key alone);
 *   - `hearsay keys --remove` of the primary: every member refuses, Serf's agents with their
 *     own message, and the command exits 1 with Serf's sentence.
 *
 * Skips with the reason when `serf` is missing and cannot be installed.
 */

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { type AgentTarget, clusterKeys } from '../../src/agent/client.ts';
import { memoryIo } from '../../src/cli/io.ts';
import { run } from '../../src/cli/main.ts';
import {
  type AgentProcess,
  killStarted,
  startAgent,
  stateOf,
  waitMembers,
} from '../agent/agent-process.ts';
import { ensureSerf, type SerfCluster, startSerfCluster } from '../support/serf/index.ts';

const execFileAsync = promisify(execFile);
const serf = ensureSerf();
const skip = serf.ok ? false : `skipped: ${serf.reason}`;
/**
 * Forming the cluster: an alive message is gossiped only twice in the local profile and can
 * miss the second Serf agent, which then learns of hearsay at its next push/pull (15 s, at a
 * random offset); 40 s covers that.
 */
const FORMED_DEADLINE_MS = 40_000;
const KEY1 = Buffer.alloc(32, 31).toString('base64');
const KEY2 = Buffer.alloc(32, 32).toString('base64');
const NAMES = ['serf-k-0', 'serf-k-1', 'hearsay-k'];

let cluster: SerfCluster | undefined;
after(async () => {
  killStarted();
  await cluster?.stop();
});

/**
 * `serf keys -list`'s own query gives up on members that have not answered within Serf's query
 * timeout, 1.6 s in the local profile ("Failed to gather member keys: 2/3 nodes reported
 * success"); on a loaded CI machine one answer can come late. Such a run says nothing of the
 * keys, so it is asked again, a new query, until this deadline.
 */
const SERF_LIST_DEADLINE_MS = 20_000;

/**
 * `serf keys -list` on a Serf agent: key → "[n/m]". Rejects if Serf reports a failure other
 * than a member's late answer, or that one still after `SERF_LIST_DEADLINE_MS`.
 */
async function serfList(rpcAddr: string): Promise<Record<string, string>> {
  if (!serf.ok) return {};
  const deadline = Date.now() + SERF_LIST_DEADLINE_MS;
  let stdout: string;
  for (;;) {
    try {
      ({ stdout } = await execFileAsync(serf.path, ['keys', '-list', `-rpc-addr=${rpcAddr}`], {
        encoding: 'utf8',
        timeout: 15_000,
      }));
      break;
    } catch (err) {
      const out = (err as { stdout?: string }).stdout ?? '';
      if (!/Failed to gather member keys: \d+\/\d+ nodes reported success/.test(out)) throw err;
      if (Date.now() > deadline) throw err;
    }
  }
  const out: Record<string, string> = {};
  for (const m of stdout.matchAll(/^(\S+=)\s+(\[\d+\/\d+\])\s*$/gm)) out[m[1]!] = m[2]!;
  return out;
}

const regex = (s: string) => new RegExp(s.replace(/[+/=]/g, (c) => `\\${c}`));

describe('hearsay asks key operations of a cluster with Serf agents', { skip }, () => {
  let h: AgentProcess;
  let target: AgentTarget;

  before(async () => {
    if (!serf.ok) return;
    cluster = await startSerfCluster(2, {
      namePrefix: 'serf-k',
      profile: 'local',
      encryptKey: KEY1,
    });
    h = await startAgent('hearsay-k', ['--encrypt', KEY1, '--join', cluster.seed.bindAddr]);
    target = { address: h.http };
    await formed();
  });

  /** Every agent lists all three alive. */
  async function formed(): Promise<void> {
    await waitMembers(
      h,
      (ms) => NAMES.every((n) => stateOf(ms, n) === 'alive'),
      FORMED_DEADLINE_MS,
      'three alive',
    );
    await cluster!.waitStatus(cluster!.agents, 'hearsay-k', 'alive', FORMED_DEADLINE_MS);
    await cluster!.waitConverged(FORMED_DEADLINE_MS);
  }

  it('install, use, remove from hearsay reach every Serf agent; lists agree both ways', async () => {
    const ok = { numNodes: 3, numResp: 3, numErr: 0, messages: {} };
    assert.deepEqual(await clusterKeys(target, 'install', KEY2), ok);
    for (const s of cluster!.agents) {
      assert.deepEqual(await serfList(s.rpcAddr), { [KEY1]: '[3/3]', [KEY2]: '[3/3]' }, s.name);
    }
    assert.deepEqual(await clusterKeys(target, 'list'), {
      ...ok,
      keys: { [KEY1]: 3, [KEY2]: 3 },
      primaryKeys: { [KEY1]: 3 },
    });
    await formed();

    assert.deepEqual(await clusterKeys(target, 'use', KEY2), ok);
    assert.deepEqual((await clusterKeys(target, 'list')).primaryKeys, { [KEY2]: 3 });
    await formed();

    assert.deepEqual(await clusterKeys(target, 'remove', KEY1), ok);
    for (const s of cluster!.agents) {
      assert.deepEqual(await serfList(s.rpcAddr), { [KEY2]: '[3/3]' }, s.name);
    }
    // Under KEY2 alone: the cluster is still one, and a query still gets every answer.
    await formed();
    assert.deepEqual(await clusterKeys(target, 'list'), {
      ...ok,
      keys: { [KEY2]: 3 },
      primaryKeys: { [KEY2]: 3 },
    });
  });

  it('removing the primary: every member refuses; hearsay keys exits 1', async () => {
    const io = memoryIo();
    const code = await run(
      ['keys', '--remove', KEY2, '--http', `${h.http.host}:${h.http.port}`],
      io,
    );
    const err = io.err.join('');
    assert.equal(code, 1, err);
    assert.match(err, /hearsay: Error removing key: 3\/3 nodes reported failure\n$/);
    for (const name of NAMES) assert.match(err, new RegExp(`^${name}\\s+.*primary`, 'im'));
    assert.ok(!regex(KEY2).test(err), 'the key is not echoed');
    // Nothing changed: Serf still lists the key on all three.
    assert.deepEqual(await serfList(cluster!.seed.rpcAddr), { [KEY2]: '[3/3]' });
  });
});
