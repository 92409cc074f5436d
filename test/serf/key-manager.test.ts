/**
 * Cluster-wide key operations (Serf's KeyManager, `serf keys`) asked from a Serf node:
 *
 *   - in a 5-node simulated cluster whose nodes hold an in-memory keyring (the simulator has
 *     no encryption; the keyring is the state `serf keys` changes), node 0 installs, lists,
 *     uses and removes a key on every node, and each result counts 5 nodes, 5 answers, no
 *     errors, finishing as soon as everyone answered (before the query's deadline);
 *   - a node that refuses (the key is its primary) is one error with its message;
 *   - a node that cannot be reached is missing (NumResp < NumNodes) and the result comes at
 *     the deadline;
 *   - a node without a keyring answers "encryption not enabled", an error;
 *   - a node whose answer lists something that is not a key is an error for that node and
 *     bad input at the asker, never a throw;
 *   - a key operation's answers never reach the application as query events;
 *   - the tally on its own: hostile or malformed answers are errors for that node, never
 *     throws; warnings are kept but not counted; primaries counted for list only.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeId } from '../../src/core/protocol.ts';
import { simAddressMap, simAddressOf } from '../../src/membership/swim/spec.ts';
import { encodeSerfMessage } from '../../src/membership/wire/serf/codec.ts';
import { DEFAULT_SERF_LIMITS } from '../../src/membership/wire/serf/limits.ts';
import { Keyring } from '../../src/net/security/keyring.ts';
import type { SerfNodeEvent } from '../../src/serf/context.ts';
import {
  type KeyOperation,
  type KeyOperationResult,
  KeyResponseTally,
  keyOperationFailure,
  keyRequestPayload,
} from '../../src/serf/key-manager.ts';
import type { SerfKeyring } from '../../src/serf/key-queries.ts';
import { SerfNode } from '../../src/serf/node.ts';
import { type SerfSpec, serfSpec, simSerfConfig } from '../../src/serf/spec.ts';
import { Simulator } from '../../src/sim/simulator.ts';

const N = 5;
const K1 = new Uint8Array(32).fill(1);
const K2 = new Uint8Array(32).fill(2);
const K3 = new Uint8Array(16).fill(3);
const b64 = (k: Uint8Array) => Buffer.from(k).toString('base64');

/** A keyring in memory, as the memberlist host lends its own. */
class MemoryKeyring implements SerfKeyring {
  ring: Keyring;
  constructor(primary: Uint8Array) {
    this.ring = Keyring.create(primary);
  }
  enabled(): boolean {
    return true;
  }
  keys(): readonly Uint8Array[] {
    return this.ring.keys;
  }
  install(k: Uint8Array): void {
    this.ring = this.ring.install(k);
  }
  use(k: Uint8Array): void {
    this.ring = this.ring.use(k);
  }
  remove(k: Uint8Array): void {
    this.ring = this.ring.remove(k);
  }
  view(): string[] {
    return this.ring.keys.map(b64);
  }
}

interface Recorded {
  readonly node: NodeId;
  readonly t: number;
  readonly event: SerfNodeEvent;
}

/** A converged cluster of `n` nodes; `ringFor(i)` gives node i its keyring (or none). */
function cluster(seed: number, ringFor: (id: number) => SerfKeyring | undefined) {
  const events: Recorded[] = [];
  const rings = Array.from({ length: N }, (_, i) => ringFor(i));
  const addresses = simAddressMap(N);
  const base = serfSpec((id) => simSerfConfig(id), { nodes: N });
  const spec: SerfSpec = {
    ...base,
    create: (id) => {
      const c = simSerfConfig(id);
      const keyring = rings[id];
      return new SerfNode(
        c.serf,
        c.swim,
        keyring === undefined ? { addresses } : { addresses, keyring },
      );
    },
  };
  const sim = new Simulator({
    spec,
    nodes: N,
    seed,
    network: { latency: { kind: 'uniform', minMs: 1, maxMs: 5 } },
    onEvent: (node, event, t) => events.push({ node, t, event }),
  });
  for (let i = 1; i < N; i++) sim.invoke(i, (p, ctx) => p.join(ctx, [simAddressOf(0)]));
  const converged = () =>
    sim.protocols.every((p) => {
      const ms = p.members();
      return ms.length === N && ms.every((m) => m.status === 'alive');
    });
  while (!converged() && sim.now < 30_000) sim.run(sim.now + 250);
  assert.ok(converged(), 'the cluster formed');

  /** Node 0 runs `operation` and the simulation until its result; returns it and when. */
  const operate = (operation: KeyOperation, key: Uint8Array | null) => {
    let asked!: ReturnType<SerfNode['keyOperation']>;
    sim.invoke(0, (p, ctx) => {
      asked = p.keyOperation(ctx, operation, key);
    });
    const done = () =>
      events.find(
        (e) => e.node === 0 && e.event.type === 'key-query-done' && e.event.ltime === asked.ltime,
      );
    while (done() === undefined && sim.now < asked.deadlineMs + 1_000) sim.run(sim.now + 50);
    const found = done();
    assert.ok(found !== undefined && found.event.type === 'key-query-done', 'a result came');
    assert.equal(found.event.id, asked.id);
    return { result: found.event.result, atMs: found.t, asked };
  };
  return { sim, events, rings, operate };
}

function plain(r: KeyOperationResult) {
  return {
    numNodes: r.numNodes,
    numResp: r.numResp,
    numErr: r.numErr,
    messages: Object.fromEntries(r.messages),
    keys: Object.fromEntries(r.keys),
    primaryKeys: Object.fromEntries(r.primaryKeys),
  };
}

const ALL_OK = { numNodes: N, numResp: N, numErr: 0, messages: {}, keys: {}, primaryKeys: {} };

describe('cluster-wide key operations in the simulator', () => {
  it('install, list, use, remove on all 5 nodes, each result before the deadline', () => {
    const c = cluster(41, () => new MemoryKeyring(K1));
    const install = c.operate('install', K2);
    assert.deepEqual(plain(install.result), ALL_OK);
    assert.ok(
      install.atMs < install.asked.deadlineMs,
      'done once all answered, not at the deadline',
    );
    for (const r of c.rings) assert.deepEqual((r as MemoryKeyring).view(), [b64(K1), b64(K2)]);

    const list = c.operate('list', null);
    assert.deepEqual(plain(list.result), {
      ...ALL_OK,
      keys: { [b64(K1)]: N, [b64(K2)]: N },
      primaryKeys: { [b64(K1)]: N },
    });
    assert.equal(keyOperationFailure(list.result), null);

    assert.deepEqual(plain(c.operate('use', K2).result), ALL_OK);
    for (const r of c.rings) assert.equal((r as MemoryKeyring).view()[0], b64(K2));
    assert.deepEqual(plain(c.operate('remove', K1).result), ALL_OK);
    for (const r of c.rings) assert.deepEqual((r as MemoryKeyring).view(), [b64(K2)]);
    assert.deepEqual(plain(c.operate('list', null).result), {
      ...ALL_OK,
      keys: { [b64(K2)]: N },
      primaryKeys: { [b64(K2)]: N },
    });

    // The answers were the key manager's: no query events reached the application.
    const leaked = c.events.filter((e) => e.event.type.startsWith('query'));
    assert.deepEqual(leaked, []);
    assert.equal(c.events.filter((e) => e.event.type === 'key-query-done').length, 5);
  });

  it('a node that refuses (the key is its primary) is one error with its message', () => {
    const c = cluster(42, () => new MemoryKeyring(K1));
    c.operate('install', K3);
    // Node 2 alone switched to K3 (a local change): removing K3 everywhere fails there.
    (c.rings[2] as MemoryKeyring).use(K3);
    const remove = c.operate('remove', K3);
    assert.deepEqual(plain(remove.result), {
      ...ALL_OK,
      numErr: 1,
      messages: { 'node-2': 'key: removing the primary key is not allowed' },
    });
    assert.equal(keyOperationFailure(remove.result), `1/${N} nodes reported failure`);
    assert.deepEqual((c.rings[2] as MemoryKeyring).view(), [b64(K3), b64(K1)]);
    assert.deepEqual((c.rings[3] as MemoryKeyring).view(), [b64(K1)]);
    const list = c.operate('list', null);
    assert.deepEqual(plain(list.result).primaryKeys, { [b64(K1)]: N - 1, [b64(K3)]: 1 });
    assert.deepEqual(plain(list.result).keys, { [b64(K1)]: N, [b64(K3)]: 1 });
  });

  it('a node cut off does not answer: missing from NumResp, the result at the deadline', () => {
    const c = cluster(43, () => new MemoryKeyring(K1));
    c.sim.partition([4]);
    const install = c.operate('install', K2);
    assert.deepEqual(plain(install.result), { ...ALL_OK, numResp: N - 1 });
    assert.ok(install.atMs >= install.asked.deadlineMs);
    assert.equal(keyOperationFailure(install.result), `${N - 1}/${N} nodes reported success`);
    assert.deepEqual((c.rings[4] as MemoryKeyring).view(), [b64(K1)]);
  });

  it('a node without a keyring answers "encryption not enabled": an error', () => {
    const c = cluster(44, (i) => (i === 1 ? undefined : new MemoryKeyring(K1)));
    const list = c.operate('list', null);
    assert.deepEqual(plain(list.result), {
      ...ALL_OK,
      numErr: 1,
      messages: { 'node-1': 'Keyring is empty (encryption not enabled)' },
      keys: { [b64(K1)]: N - 1 },
      primaryKeys: { [b64(K1)]: N - 1 },
    });
  });
  it('a member listing something that is not a key: an error for it, bad input at the asker', () => {
    // Node 3's keyring lies: a 5-byte "key" (a buggy or hostile member).
    const liar: SerfKeyring = {
      enabled: () => true,
      keys: () => [new Uint8Array(5), K1],
      install: () => {},
      use: () => {},
      remove: () => {},
    };
    const c = cluster(45, (i) => (i === 3 ? liar : new MemoryKeyring(K1)));
    const list = c.operate('list', null);
    const r = plain(list.result);
    assert.deepEqual([r.numResp, r.numErr], [N, 1]);
    assert.match(r.messages['node-3']!, /^invalid key query response: .*not a base64 AES key/);
    assert.deepEqual(r.keys, { [b64(K1)]: N - 1 }, "the liar's keys are not counted");
    const bad = c.events.filter((e) => e.node === 0 && e.event.type === 'serf-bad-input');
    assert.equal(bad.length, 1);
    assert.ok(bad[0]!.event.type === 'serf-bad-input');
    assert.equal(bad[0]!.event.code, 'HEARSAY_ERR_DECODE_MALFORMED');
    assert.equal(c.sim.protocols[0]!.stats.badInput, 1);
  });
});

describe('KeyResponseTally', () => {
  const answer = (
    m: Partial<{ result: boolean; message: string; keys: string[] | null; primaryKey: string }>,
  ) =>
    encodeSerfMessage({
      type: 'keyResponse',
      result: m.result ?? true,
      message: m.message ?? '',
      keys: m.keys ?? null,
      primaryKey: m.primaryKey ?? '',
    });

  it('hostile or malformed answers are errors for that node, with the reason', () => {
    const t = new KeyResponseTally('list', 6, DEFAULT_SERF_LIMITS);
    const bad: [string, Uint8Array | null][] = [
      ['empty', null],
      ['garbage', new Uint8Array([8, 0xc1, 0xff])],
      ['wrong-type', keyRequestPayload(K1)],
      ['not-a-key', answer({ keys: ['<script>'], primaryKey: b64(K1) })],
      ['odd-primary', answer({ keys: [b64(K1)], primaryKey: 'x'.repeat(500) })],
    ];
    for (const [from, payload] of bad) {
      const err = t.add(from, payload);
      assert.ok(err !== null, from);
      assert.match(err.code, /^HEARSAY_ERR_DECODE_/);
    }
    assert.equal(t.add('good', answer({ keys: [b64(K1), b64(K1)], primaryKey: b64(K1) })), null);
    assert.ok(t.complete);
    const r = plain(t.result());
    assert.deepEqual([r.numResp, r.numErr], [6, 5]);
    assert.deepEqual(Object.keys(r.messages).sort(), bad.map(([f]) => f).sort());
    for (const m of Object.values(r.messages)) assert.match(m, /^invalid key query response: /);
    assert.match(r.messages['not-a-key']!, /not a base64 AES key/);
    assert.ok(r.messages['odd-primary']!.length < 200, 'a hostile string is cut in the message');
    assert.deepEqual(r.keys, { [b64(K1)]: 1 }, 'a key repeated in one answer counts once');
    assert.deepEqual(r.primaryKeys, { [b64(K1)]: 1 });
  });

  it('a refusal counts, a warning does not; primaries are counted for list only', () => {
    const t = new KeyResponseTally('install', 3, DEFAULT_SERF_LIMITS);
    t.add('a', answer({}));
    t.add('b', answer({ result: false, message: 'no' }));
    assert.ok(!t.complete);
    t.add('c', answer({ message: 'truncated key list response', primaryKey: b64(K1) }));
    assert.deepEqual(plain(t.result()), {
      numNodes: 3,
      numResp: 3,
      numErr: 1,
      messages: { b: 'no', c: 'truncated key list response' },
      keys: {},
      primaryKeys: {},
    });
    assert.equal(t.result().operation, 'install');
  });

  it('the list request is an empty key, as Serf sends it', () => {
    assert.deepEqual([...keyRequestPayload(null)], [0x07, 0x81, 0xa3, 0x4b, 0x65, 0x79, 0xa0]);
  });
});
