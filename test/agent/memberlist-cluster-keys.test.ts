/**
 * Cluster-wide key operations on the real cluster (memberlist host + SerfNode, in-process,
 * 127.0.0.1, port 0, local profile, three encrypted members): install, list, use and remove
 * reach every member and the members stay alive under the new key; operations run one at a
 * time and a ninth waiting one is refused; a bad key is a ConfigError on `key`; a plaintext
 * member answers "encryption not enabled" in the counts; a shutdown ends a waiting call.
 */

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { AgentCluster } from '../../src/agent/cluster.ts';
import type { RawAgentSettings } from '../../src/agent/config.ts';
import { CLUSTER_KEY_OPERATIONS_WAITING_MAX } from '../../src/agent/memberlist-cluster.ts';
import { ConfigError, RemoteError } from '../../src/core/errors.ts';
import { until } from '../net/until.ts';
import { realMember } from './real-member.ts';

const DEADLINE_MS = 10_000;
const KEY_A = Buffer.alloc(32, 21).toString('base64');
const KEY_B = Buffer.alloc(32, 22).toString('base64');

const open: AgentCluster[] = [];
after(async () => {
  await Promise.all(open.map((c) => c.shutdown()));
});

async function member(name: string, raw: RawAgentSettings = {}) {
  return realMember(name, raw, open, 'info');
}

async function trio(prefix: string) {
  const all = [
    await member(`${prefix}-a`, { encrypt: KEY_A }),
    await member(`${prefix}-b`, { encrypt: KEY_A }),
    await member(`${prefix}-c`, { encrypt: KEY_A }),
  ];
  // Each joins every member before it: a push/pull with each, so c and b learn of each other
  // directly. Joining only a leaves b to hear of c from gossip, which the local profile sends
  // just twice per message, possibly both times to c, and then only the next push/pull (15 s
  // or more, past the deadline) tells b.
  for (let i = 1; i < all.length; i++) {
    await all[i]!.cluster.join(all.slice(0, i).map((x) => x.cluster.advertise));
  }
  await allAlive(all.map((x) => x.cluster));
  return all;
}

async function allAlive(clusters: readonly AgentCluster[]) {
  for (const c of clusters) {
    await until(
      () => c.members().filter((m) => m.state === 'alive').length === clusters.length,
      DEADLINE_MS,
      `${c.local().name} lists ${clusters.length} alive members`,
    );
  }
}

const ALL_OK = { numNodes: 3, numResp: 3, numErr: 0, messages: {} };

describe('cluster-wide keys on the real cluster', () => {
  it('install, list, use, remove reach every member; the cluster stays formed', async () => {
    const [a, b, c] = await trio('ck');
    const clusters = [a!.cluster, b!.cluster, c!.cluster];

    assert.deepEqual(await a!.cluster.clusterKeys('install', KEY_B), ALL_OK);
    for (const x of clusters)
      assert.deepEqual(x.listKeys(), { primary: KEY_A, keys: [KEY_A, KEY_B] });
    assert.deepEqual(await b!.cluster.clusterKeys('list'), {
      ...ALL_OK,
      keys: { [KEY_A]: 3, [KEY_B]: 3 },
      primaryKeys: { [KEY_A]: 3 },
    });
    assert.deepEqual(await a!.cluster.clusterKeys('use', KEY_B), ALL_OK);
    for (const x of clusters) assert.equal(x.listKeys().primary, KEY_B);
    assert.deepEqual(await a!.cluster.clusterKeys('remove', KEY_A), ALL_OK);
    for (const x of clusters) assert.deepEqual(x.listKeys(), { primary: KEY_B, keys: [KEY_B] });

    // Removing the primary everywhere: every member refuses, with its message.
    const refused = await c!.cluster.clusterKeys('remove', KEY_B);
    assert.equal(refused.numErr, 3);
    assert.deepEqual(
      Object.keys(refused.messages).sort(),
      clusters.map((x) => x.local().name).sort(),
    );
    assert.ok(Object.values(refused.messages).every((m) => /primary/.test(m)));

    // Gossip under the new key alone still works: a user event reaches everyone.
    const seen: string[] = [];
    for (const x of clusters) x.onUserEvent((e) => seen.push(`${x.local().name}:${e.name}`));
    await a!.cluster.sendEvent('after-rotation', new Uint8Array(0), false);
    await until(() => seen.length === 3, DEADLINE_MS, 'the event on all three');
    await allAlive(clusters);
    assert.ok(
      a!.log.some((l) => l.includes('cluster key install: 3/3 members answered, 0 failed')),
    );
  });

  it('one at a time; a ninth waiting is refused; bad keys; a shutdown ends the wait', async () => {
    const [a] = await trio('cq');
    const calls = Array.from({ length: CLUSTER_KEY_OPERATIONS_WAITING_MAX }, (_, i) =>
      i % 2 === 0 ? a!.cluster.clusterKeys('list') : a!.cluster.clusterKeys('install', KEY_B),
    );
    await assert.rejects(
      a!.cluster.clusterKeys('list'),
      (e: unknown) => e instanceof RemoteError && e.code === 'HEARSAY_ERR_QUEUE_FULL',
    );
    for (const r of await Promise.all(calls)) assert.equal(r.numResp, 3);
    const lists = await Promise.all(calls.filter((_, i) => i % 2 === 0));
    // Run in order: the first list came before any install, the last after the first one.
    assert.deepEqual(lists[0]!.keys, { [KEY_A]: 3 });
    assert.deepEqual(lists.at(-1)!.keys, { [KEY_A]: 3, [KEY_B]: 3 });

    for (const bad of ['not base64!', Buffer.alloc(5).toString('base64'), undefined]) {
      await assert.rejects(
        a!.cluster.clusterKeys('install', bad),
        (e: unknown) => e instanceof ConfigError && e.field === 'key',
      );
    }

    const pending = a!.cluster.clusterKeys('list');
    await a!.cluster.shutdown();
    await assert.rejects(pending, /shut down/);
    await assert.rejects(a!.cluster.clusterKeys('list'), /shut down/);
  });

  it('a plaintext member answers "encryption not enabled", in the counts', async () => {
    const { cluster } = await member('ck-plain');
    assert.deepEqual(await cluster.clusterKeys('list'), {
      numNodes: 1,
      numResp: 1,
      numErr: 1,
      messages: { 'ck-plain': 'Keyring is empty (encryption not enabled)' },
      keys: {},
      primaryKeys: {},
    });
  });
});
