/**
 * Hostile and unexpected input: whatever a peer sends, the node neither throws nor breaks
 * its invariants; it drops the message and counts it (`message-dropped`, `dropped`).
 * The attacker is a cluster node that sends raw typed messages through its context.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NodeId } from '../../../src/core/protocol.ts';
import { simAddressOf, simNodeName } from '../../../src/membership/swim/spec.ts';
import type { SwimMessage } from '../../../src/membership/types.ts';
import { cluster } from './harness.ts';

const A = simAddressOf(9);

function attacks(victim: string): unknown[] {
  const alive = (over: Record<string, unknown>) => ({
    type: 'alive',
    incarnation: 5,
    node: 'intruder',
    addr: A.ip,
    port: 7946,
    meta: null,
    vsn: [1, 5, 2, 2, 5, 5],
    ...over,
  });
  const deep: unknown = [0, 1, 2, 3, 4, 5, 6].reduce<unknown>(
    (m) => ({ type: 'compress', message: m }),
    {
      type: 'nack',
      seqNo: 1,
    },
  );
  return [
    { type: 'bogus' },
    { type: 42 },
    { noType: true },
    { type: 'alive' },
    alive({ addr: new Uint8Array(3) }),
    alive({ incarnation: -1 }),
    alive({ incarnation: 2 ** 40 }),
    alive({ vsn: [0, 5, 2, 2, 5, 5] }),
    alive({ vsn: [3, 2, 2, 2, 5, 5] }),
    alive({ vsn: [1, 5] }),
    alive({ meta: 'not bytes' }),
    { type: 'ack', seqNo: 12345, payload: null },
    { type: 'nack', seqNo: 12345 },
    {
      type: 'ping',
      seqNo: 1,
      node: 'someone-else',
      sourceAddr: A.ip,
      sourcePort: 7946,
      sourceNode: 'x',
    },
    {
      type: 'ping',
      seqNo: 1,
      node: victim,
      sourceAddr: new Uint8Array([192, 168, 1, 1]),
      sourcePort: 1,
      sourceNode: 'x',
    },
    {
      type: 'indirectPing',
      seqNo: 1,
      target: new Uint8Array([192, 168, 1, 1]),
      port: 9,
      node: 'ghost',
      nack: true,
      sourceAddr: A.ip,
      sourcePort: 7946,
      sourceNode: 'x',
    },
    { type: 'compound', parts: 'nope' },
    { type: 'compound', parts: [{ type: 'nack', seqNo: 7 }, { type: 'nope' }, null, 3] },
    { type: 'hasCrc', message: { type: 'compound', parts: [] } },
    deep,
    { type: 'err', error: 'unsolicited' },
    { type: 'pushPull', join: false, nodes: [{ name: 'n' }], userState: new Uint8Array(0) },
    { type: 'pushPull', join: false, nodes: 'x', userState: new Uint8Array(0) },
    { type: 'user', payload: 'not bytes' },
    { type: 'suspect', incarnation: 0, node: 'unknown-node', from: 'x' },
    { type: 'dead', incarnation: 0, node: 'unknown-node', from: 'x' },
    // About the victim itself, with the largest incarnation: the refutation wraps like Go's uint32.
    { type: 'suspect', incarnation: 0xffffffff, node: victim, from: 'x' },
  ];
}

test('hostile and unexpected messages are dropped and counted, never thrown', () => {
  const attacker: NodeId = 9;
  const c = cluster(10, { seed: 51 });
  for (let i = 1; i < 5; i++) c.join(i, 0);
  assert.notEqual(
    c.runUntil(() => c.converged([0, 1, 2, 3, 4]), 10_000),
    null,
  );
  const victim = 2;
  for (const msg of attacks(simNodeName(victim))) {
    c.sim.invoke(attacker, (_p, ctx) => ctx.send(victim, msg as SwimMessage));
    c.sim.invoke(attacker, (_p, ctx) => ctx.sendReliable(victim, msg as SwimMessage));
  }
  assert.doesNotThrow(() => c.sim.run(c.sim.now + 1000));
  const dropped = c.sim.protocols[victim]!.dropped;
  for (const reason of [
    'unexpected-type',
    'malformed',
    'unknown-seq',
    'wrong-node',
    'bad-version',
    'limit',
    'unsolicited',
  ] as const) {
    assert.ok(
      (dropped.get(reason) ?? 0) > 0,
      `counted: ${reason} (${JSON.stringify([...dropped])})`,
    );
  }
  assert.ok(c.of('message-dropped', victim).length >= 40);
  // The victim refuted the absurd incarnation; Go's uint32 wrapped it to 0.
  const refute = c.of('refuted', victim).find((e) => e.event.accusation === 'suspect')!;
  assert.equal(refute.event.incarnation, 0);
  // Nothing reached the member table, and the cluster carries on.
  assert.equal(c.sim.protocols[victim]!.member('intruder'), undefined);
  assert.equal(c.sim.protocols[victim]!.member('n'), undefined);
  c.sim.run(c.sim.now + 30_000);
  for (let v = 0; v < 5; v++) assert.equal(c.stateOf(v, victim), 'alive');
});

test('member table, pending probes and exchanges stay within their bounds', () => {
  const c = cluster(10, { seed: 52, config: { membersMax: 6, pendingProbesMax: 4 } });
  c.join(1, 0);
  assert.notEqual(
    c.runUntil(() => c.converged([0, 1]), 10_000),
    null,
  );
  for (let i = 0; i < 20; i++) {
    c.sim.invoke(9, (_p, ctx) =>
      ctx.send(0, {
        type: 'alive',
        incarnation: 1,
        node: `flood-${i}`,
        addr: new Uint8Array([10, 1, 0, i]),
        port: 7946,
        meta: null,
        vsn: [1, 5, 2, 2, 5, 5],
      }),
    );
    c.sim.invoke(9, (_p, ctx) =>
      ctx.send(0, {
        type: 'indirectPing',
        seqNo: i,
        target: simAddressOf(8).ip,
        port: 7946,
        node: 'x',
        nack: true,
        sourceAddr: simAddressOf(9).ip,
        sourcePort: 7946,
        sourceNode: 'y',
      }),
    );
  }
  c.sim.run(c.sim.now + 50);
  const p = c.sim.protocols[0]!;
  assert.equal(p.tableSize(), 6);
  assert.ok(p.pendingAcks() <= 4 + 2);
  assert.ok((p.dropped.get('limit') ?? 0) >= 14 + 16);
});
