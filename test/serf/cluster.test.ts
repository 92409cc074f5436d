/**
 * Serf clusters in the simulator (fixed seeds): convergence with everyone's tags, a tag
 * update, a crash (failed everywhere), a graceful leave (left everywhere, never failed),
 * reaping, hostile user messages, and every Serf message checked against the wire codec.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NodeId } from '../../src/core/protocol.ts';
import { encodeSerfMessage } from '../../src/membership/wire/serf/codec.ts';
import type { SerfMember } from '../../src/serf/events.ts';
import { serfCluster } from './cluster.ts';

const N = 10;

/** Serf member events of `type` about `name`, with who saw them when. */
function about(c: ReturnType<typeof serfCluster>, type: string, name: string) {
  const out: { node: NodeId; t: number; member: SerfMember }[] = [];
  for (const e of c.events) {
    const ev = e.event as { type: string; member?: SerfMember };
    if (ev.type === type && ev.member?.name === name) {
      out.push({ node: e.node, t: e.t, member: ev.member });
    }
  }
  return out;
}

function converged(c: ReturnType<typeof serfCluster>, nodes: readonly NodeId[] = c.up()): boolean {
  for (const viewer of nodes) {
    const members = c.sim.protocols[viewer]!.members();
    if (members.length !== N) return false;
    for (const m of members) {
      if (m.status !== 'alive') return false;
      if (m.tags.get('id') !== m.name.slice('node-'.length)) return false;
    }
  }
  return true;
}

function startConverged(
  seed: number,
  opts: Parameters<typeof serfCluster>[0] extends infer O ? Partial<O> : never = {},
) {
  const c = serfCluster({ nodes: N, seed, ...opts });
  c.joinAll();
  assert.ok(
    c.runUntil(() => converged(c), 30_000),
    'cluster converges within 30 s',
  );
  return c;
}

test('10 nodes converge: everyone alive, with everyone’s tags; Serf bytes re-encode exactly', () => {
  const c = startConverged(11, { checkWire: true });
  const joins = c.events.filter((e) => e.event.type === 'member-join').length;
  assert.ok(joins >= N * N, `member-join seen for every pair (${joins})`);
  // Versions as a Serf agent advertises them.
  const m = c.sim.protocols[3]!.member('node-7')!;
  assert.deepEqual(
    [m.protocolMin, m.protocolMax, m.protocolCur, m.delegateMin, m.delegateMax, m.delegateCur],
    [1, 5, 2, 2, 5, 5],
  );
  // Join intents went out and were checked byte for byte.
  c.runUntil(() => false, c.sim.now + 5_000);
  assert.ok(c.wire.serfMessages > 0, 'Serf messages were sent');
  assert.deepEqual(c.wire.errors, []);
  assert.equal(
    c.events.filter((e) => e.event.type === 'serf-bad-input').length,
    0,
    'our own traffic is never bad input',
  );
});

test('a tag update propagates to every node with member-update', () => {
  const c = startConverged(12);
  const since = c.sim.now;
  c.sim.invoke(3, (p, ctx) => p.setTags(ctx, { id: '3', env: 'prod' }));
  assert.equal(c.sim.protocols[3]!.localMember()!.tags.get('env'), 'prod');
  assert.ok(
    c.runUntil(
      () => c.up().every((v) => c.view(v, 3)?.tags.get('env') === 'prod'),
      c.sim.now + 20_000,
    ),
    'everyone sees env=prod',
  );
  const updates = new Set(
    about(c, 'member-update', 'node-3')
      .filter((e) => e.t >= since)
      .map((e) => e.node),
  );
  assert.equal(updates.size, N, 'member-update on every node (node 3 included)');
});

test('tags over 512 bytes are refused by setTags with ConfigError(tags), nothing changes', () => {
  const c = startConverged(13);
  assert.throws(
    () => c.sim.invoke(2, (p, ctx) => p.setTags(ctx, { blob: 'x'.repeat(600) })),
    (e: unknown) => (e as { field?: string }).field === 'tags',
  );
  assert.equal(c.sim.protocols[2]!.localMember()!.tags.get('id'), '2');
});

test('a crashed node becomes failed everywhere (member-failed), then is reaped', () => {
  const c = startConverged(14, {
    serf: { reapIntervalMs: 1_000, reconnectTimeoutMs: 20_000 },
  });
  const crashAt = c.sim.now;
  c.sim.crash(4);
  const others = c.up();
  assert.ok(
    c.runUntil(() => others.every((v) => c.view(v, 4)?.status === 'failed'), crashAt + 60_000),
    'everyone marks node-4 failed',
  );
  const failedEvents = about(c, 'member-failed', 'node-4');
  assert.equal(new Set(failedEvents.map((e) => e.node)).size, others.length);
  // Reaped once the reconnect timeout has passed since it failed.
  assert.ok(
    c.runUntil(() => others.every((v) => c.view(v, 4) === undefined), c.sim.now + 40_000),
    'everyone reaps node-4',
  );
  const reaps = about(c, 'member-reap', 'node-4');
  assert.equal(new Set(reaps.map((e) => e.node)).size, others.length);
  for (const r of reaps) assert.ok(r.t - crashAt > 20_000, 'not reaped before the timeout');
});

test('a graceful leave becomes left everywhere, never failed; the leaver emits serf-left', () => {
  const c = startConverged(15, { serf: { reapIntervalMs: 1_000, tombstoneTimeoutMs: 30_000 } });
  const leaveAt = c.sim.now;
  c.sim.invoke(5, (p, ctx) => p.leave(ctx));
  assert.equal(c.sim.protocols[5]!.state, 'leaving');
  assert.ok(
    c.runUntil(
      () => c.events.some((e) => e.node === 5 && e.event.type === 'serf-left'),
      leaveAt + 15_000,
    ),
    'serf-left within broadcast timeout + propagate delay',
  );
  assert.equal(c.sim.protocols[5]!.state, 'left');
  c.sim.crash(5); // the agent shuts down after its leave
  const others = c.up();
  assert.ok(
    c.runUntil(() => others.every((v) => c.view(v, 5)?.status === 'left'), c.sim.now + 10_000),
    'everyone marks node-5 left',
  );
  // Long enough for failure detection to have fired if the leave had not been understood.
  c.runUntil(() => false, c.sim.now + 20_000);
  for (const v of others) assert.equal(c.view(v, 5)?.status, 'left');
  const aboutFive = (type: string) => about(c, type, 'node-5');
  assert.equal(aboutFive('member-failed').length, 0, 'never reported failed');
  const sawLeave = new Set(aboutFive('member-leave').map((e) => e.node));
  for (const v of others) assert.ok(sawLeave.has(v), `node ${v} got member-leave`);
  // And a left member is reaped after the tombstone timeout.
  assert.ok(c.runUntil(() => others.every((v) => c.view(v, 5) === undefined), c.sim.now + 30_000));
});

test('hostile user-message bytes are dropped and counted, never thrown; the node carries on', () => {
  const c = startConverged(16);
  const bad: Uint8Array[] = [
    new Uint8Array([0xff, 1, 2, 3]), // unknown Serf type
    new Uint8Array([1]), // join, body missing
    new Uint8Array([1, 0x82, 0xa5]), // truncated
    new Uint8Array([0, 0xc1]), // not msgpack
    encodeSerfMessage({ type: 'join', ltime: 1n, node: 'x' }).subarray(0, 5),
    new Uint8Array([
      1, 0x82, 0xa5, 76, 84, 105, 109, 101, 0xa1, 0x41, 0xa4, 78, 111, 100, 101, 0xc3,
    ]), // LTime a string
    encodeSerfMessage({
      type: 'pushPull',
      ltime: 1n,
      statusLTimes: null,
      leftMembers: null,
      eventLTime: 1n,
      events: null,
      queryLTime: 1n,
    }), // valid, but never a user message
  ];
  const target = 2;
  const before = c.sim.protocols[target]!.stats.badInput;
  for (const payload of bad) {
    assert.doesNotThrow(() =>
      c.sim.invoke(target, (p, ctx) => p.handleMessage(ctx, 1, { type: 'user', payload })),
    );
  }
  const badEvents = c.events.filter((e) => e.node === target && e.event.type === 'serf-bad-input');
  assert.equal(badEvents.length, bad.length);
  assert.equal(c.sim.protocols[target]!.stats.badInput - before, bad.length);
  for (const e of badEvents) {
    assert.match((e.event as { code: string }).code, /^HEARSAY_ERR_DECODE_/);
  }
  // Still a healthy member afterwards.
  c.runUntil(() => false, c.sim.now + 5_000);
  assert.ok(converged(c));
});

test('a leave intent about a live node arriving before it is known makes it leaving on join', () => {
  const c = serfCluster({ nodes: N, seed: 17 });
  // Node 9 hears that a not-yet-known node-8 leaves at Lamport time 50, by user message.
  const intent = encodeSerfMessage({ type: 'leave', ltime: 50n, node: 'node-8', prune: false });
  c.sim.invoke(9, (p, ctx) => p.handleMessage(ctx, 1, { type: 'user', payload: intent }));
  assert.ok(c.sim.protocols[9]!.clock.time() > 50n, 'the intent was witnessed');
  c.joinAll();
  c.runUntil(() => c.view(9, 8) !== undefined, 30_000);
  const firstSeen = about(c, 'member-join', 'node-8').find((e) => e.node === 9);
  assert.equal(firstSeen?.member.status, 'leaving', 'the buffered leave applied at join');
  // Node 8 itself is alive and refutes: its join intent is newer, so it ends alive.
  assert.ok(
    c.runUntil(() => converged(c), c.sim.now + 30_000),
    'the refuted leave does not stick',
  );
});

test('a leave intent about a live node is refuted by that node: it stays alive everywhere', () => {
  const c = startConverged(18);
  // Someone claims node-3 leaves (a stale intent coming back, or a force-leave of a live node).
  const intent = encodeSerfMessage({ type: 'leave', ltime: 500n, node: 'node-3', prune: false });
  c.sim.invoke(2, (p, ctx) => p.handleMessage(ctx, 1, { type: 'user', payload: intent }));
  assert.equal(c.view(2, 3)?.status, 'leaving', 'applied where it arrived');
  assert.ok(
    c.runUntil(() => c.sim.protocols[3]!.stats.refutedLeaves > 0, c.sim.now + 10_000),
    'node 3 refuted it',
  );
  assert.ok(
    c.runUntil(() => converged(c), c.sim.now + 20_000),
    'everyone sees node-3 alive',
  );
  assert.equal(about(c, 'member-failed', 'node-3').length, 0);
  assert.equal(about(c, 'member-leave', 'node-3').length, 0);
});

test('a hostile push/pull user state is counted as bad input, the exchange and node survive', () => {
  const c = startConverged(19);
  const garbage = new Uint8Array([2, 0x86, 0xa5, 0x4c]); // pushPull type byte, truncated body
  const wrongType = encodeSerfMessage({ type: 'join', ltime: 1n, node: 'x' });
  for (const userState of [garbage, wrongType]) {
    c.sim.invoke(1, (_p, ctx) =>
      ctx.sendReliable(2, { type: 'pushPull', join: false, nodes: [], userState }),
    );
  }
  c.runUntil(() => false, c.sim.now + 1_000);
  const bad = c.events.filter(
    (e) => e.node === 2 && e.event.type === 'serf-bad-input' && e.event.source === 'push-pull',
  );
  assert.equal(bad.length, 2);
  c.runUntil(() => false, c.sim.now + 5_000);
  assert.ok(converged(c));
});

test('undecodable tags in a member’s meta: counted, the member joins with no tags', () => {
  const c = serfCluster({ nodes: 3, seed: 20 });
  c.joinAll();
  c.runUntil(() => false, 5_000);
  // An alive message for a new name at node 2's address, with meta that is not a tag map.
  const alive = {
    type: 'alive' as const,
    incarnation: 1,
    node: 'odd',
    addr: new Uint8Array([10, 0, 0, 2]),
    port: 7946,
    meta: new Uint8Array([0xff, 0x81, 0xa1]),
    vsn: [1, 5, 2, 2, 5, 5] as const,
  };
  c.sim.invoke(0, (p, ctx) => p.handleMessage(ctx, 2, alive));
  const bad = c.events.filter((e) => e.node === 0 && e.event.type === 'serf-bad-input');
  assert.equal(bad.length, 1);
  assert.equal((bad[0]!.event as { source: string }).source, 'meta');
  assert.equal(c.sim.protocols[0]!.member('odd')?.tags.size, 0);
});
