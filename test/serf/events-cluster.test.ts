/**
 * User events, suspicion in the members view, partitions healing through reconnect, and
 * determinism — Serf clusters in the simulator with fixed seeds.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NodeId } from '../../src/core/protocol.ts';
import { simAddressOf } from '../../src/membership/swim/spec.ts';
import { serfCluster } from './cluster.ts';

const N = 10;

function allAlive(c: ReturnType<typeof serfCluster>, nodes: readonly NodeId[] = c.up()): boolean {
  return nodes.every((v) => {
    const ms = c.sim.protocols[v]!.members();
    return ms.length === N && ms.every((m) => m.status === 'alive');
  });
}

function delivered(c: ReturnType<typeof serfCluster>, name: string): NodeId[] {
  return c.events
    .filter((e) => e.event.type === 'user-event' && e.event.name === name)
    .map((e) => e.node);
}

test('a user event reaches every node exactly once, the sender included', () => {
  const c = serfCluster({ nodes: N, seed: 21, checkWire: true });
  c.joinAll();
  assert.ok(c.runUntil(() => allAlive(c), 30_000));
  c.sim.invoke(2, (p, ctx) => p.sendEvent(ctx, 'deploy', new TextEncoder().encode('v42'), false));
  c.sim.invoke(2, (p, ctx) => p.sendEvent(ctx, 'deploy', new TextEncoder().encode('v43')));
  assert.ok(
    c.runUntil(() => new Set(delivered(c, 'deploy')).size === N, c.sim.now + 10_000),
    'everyone got it',
  );
  c.runUntil(() => false, c.sim.now + 40_000); // gossip and push/pull repeat it: still once each
  const got = delivered(c, 'deploy');
  assert.equal(got.length, 2 * N, 'each of the two events once per node');
  const at7 = c.events.flatMap((e) =>
    e.node === 7 && e.event.type === 'user-event'
      ? [{ payload: new TextDecoder().decode(e.event.payload!), coalesce: e.event.coalesce }]
      : [],
  );
  assert.deepEqual(
    at7.sort((a, b) => a.payload.localeCompare(b.payload)),
    [
      { payload: 'v42', coalesce: false },
      { payload: 'v43', coalesce: true },
    ],
  );
  assert.ok(
    c.up().some((v) => c.sim.protocols[v]!.stats.userEventsDropped.duplicate > 0),
    'duplicates were seen and suppressed',
  );
  assert.deepEqual(c.wire.errors, []);
});

test('a node partitioned during the gossip wave catches up by push/pull', () => {
  const c = serfCluster({ nodes: N, seed: 22, swim: { pushPullIntervalMs: 5_000 } });
  c.joinAll();
  assert.ok(c.runUntil(() => allAlive(c), 30_000));
  c.sim.partition([9]);
  c.sim.invoke(0, (p, ctx) => p.sendEvent(ctx, 'config', new Uint8Array([1])));
  c.runUntil(() => false, c.sim.now + 3_000); // the wave is over (8 sends per node)
  assert.ok(!delivered(c, 'config').includes(9));
  c.sim.repair();
  assert.ok(
    c.runUntil(() => delivered(c, 'config').includes(9), c.sim.now + 60_000),
    'node 9 got the event after the partition healed',
  );
  assert.equal(delivered(c, 'config').filter((v) => v === 9).length, 1);
});

test('a node joining later does not replay old events, unless asked to', () => {
  const c = serfCluster({ nodes: N, seed: 23 });
  for (let i = 1; i < N - 2; i++) c.sim.invoke(i, (p, ctx) => p.join(ctx, [simAddressOf(0)]));
  c.runUntil(() => false, 10_000);
  c.sim.invoke(1, (p, ctx) => p.sendEvent(ctx, 'old', new Uint8Array([7])));
  c.runUntil(() => false, c.sim.now + 5_000);
  c.sim.invoke(N - 2, (p, ctx) => p.join(ctx, [simAddressOf(0)]));
  c.sim.invoke(N - 1, (p, ctx) => p.join(ctx, [simAddressOf(0)], { replayEvents: true }));
  assert.ok(c.runUntil(() => allAlive(c), c.sim.now + 30_000));
  c.runUntil(() => false, c.sim.now + 40_000);
  const got = delivered(c, 'old');
  assert.ok(!got.includes(N - 2), 'no replay by default');
  assert.ok(got.includes(N - 1), 'replayed when asked');
});

test('user events over the size limit are refused with ConfigError(userEvent)', () => {
  const c = serfCluster({ nodes: 2, seed: 24 });
  assert.throws(
    () => c.sim.invoke(0, (p, ctx) => p.sendEvent(ctx, 'big', new Uint8Array(600))),
    (e: unknown) => (e as { field?: string }).field === 'userEvent',
  );
  assert.equal(c.sim.protocols[0]!.eventClock.time(), 1n, 'the clock did not move');
});

test('members() shows suspect while memberlist suspects an alive member', () => {
  const c = serfCluster({ nodes: N, seed: 25 });
  c.joinAll();
  assert.ok(c.runUntil(() => allAlive(c), 30_000));
  c.sim.crash(6);
  assert.ok(
    c.runUntil(() => c.up().some((v) => c.view(v, 6)?.status === 'suspect'), c.sim.now + 20_000),
    'someone reports node-6 suspect',
  );
  assert.ok(
    c.runUntil(() => c.up().every((v) => c.view(v, 6)?.status === 'failed'), c.sim.now + 60_000),
  );
});

test('partition and heal: both sides see the other failed, then reconnect makes everyone alive', () => {
  const c = serfCluster({ nodes: N, seed: 26, serf: { reconnectIntervalMs: 2_000 } });
  c.joinAll();
  assert.ok(c.runUntil(() => allAlive(c), 30_000));
  const minority = [7, 8, 9];
  c.sim.partition(minority);
  assert.ok(
    c.runUntil(
      () => c.view(0, 8)?.status === 'failed' && c.view(8, 0)?.status === 'failed',
      c.sim.now + 90_000,
    ),
    'each side marks the other failed',
  );
  // Past gossipToTheDeadMs (30 s): memberlist no longer talks to the other side at all, so
  // only Serf's reconnect can merge the cluster again.
  c.runUntil(() => false, c.sim.now + 60_000);
  c.sim.repair();
  assert.ok(
    c.runUntil(() => allAlive(c), c.sim.now + 120_000),
    'merged again',
  );
});

test('the same seed replays the same run (trace hash)', () => {
  const run = () => {
    const c = serfCluster({ nodes: N, seed: 27 });
    c.joinAll();
    c.runUntil(() => false, 8_000);
    c.sim.invoke(3, (p, ctx) => p.leave(ctx));
    c.runUntil(() => false, 15_000);
    return c.sim.traceHash();
  };
  assert.equal(run(), run());
});
