/**
 * Joining and anti-entropy: failed seeds and retries, the version check, push/pull repairing
 * a table after a partition, name conflicts and reclaiming a departed member's name.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { retransmitLimit } from '../../../src/membership/swim/formulas.ts';
import { simAddressOf, simNodeName, simSwimConfig } from '../../../src/membership/swim/spec.ts';
import { cluster, type Tap } from './harness.ts';

type Message = Parameters<NonNullable<Tap['drop']>>[2];

/** The messages one send carries, out of their CRC, compression and compound wrappings. */
function partsOf(msg: Message): Message[] {
  let m = msg;
  while (m.type === 'hasCrc' || m.type === 'compress') m = m.message;
  return m.type === 'compound' ? m.parts.flatMap(partsOf) : [m];
}

/** Whether a send would tell its receiver of node `n` (its alive). */
function tellsOf(n: number, msg: Message): boolean {
  return partsOf(msg).some((p) => p.type === 'alive' && p.node === simNodeName(n));
}

test('join through a crashed seed fails after tcpTimeoutMs, naming the seed', () => {
  const c = cluster(3, { seed: 31 });
  c.sim.crash(0);
  c.join(1, 0);
  c.sim.run(9_999);
  assert.equal(c.of('join-failed').length, 0, 'still waiting');
  c.sim.run(10_001);
  const [f] = c.of('join-failed', 1);
  assert.ok(f);
  assert.deepEqual(f.event.seeds, ['10.0.0.0:7946']);
  assert.match(f.event.reason, /10\.0\.0\.0:7946: no reply within tcpTimeoutMs \(10000 ms\)/);
  assert.match(f.event.reason, /after 1 attempt/);
});

test('join retries with doubling backoff, and succeeds when the seed comes back', () => {
  const c = cluster(3, { seed: 32, config: { joinRetries: 2, joinBackoffMs: 1000 } });
  c.sim.crash(0);
  c.join(1, 0);
  // Round 1 fails at 10 s, round 2 starts at 11 s and fails at 21 s, round 3 at 23 s.
  c.sim.at(22_000, () => c.sim.restart(0));
  const at = c.runUntil(() => c.of('join-succeeded', 1).length > 0, 40_000);
  assert.ok(at !== null && at > 23_000 && at < 23_100, `joined at ${at}`);
  assert.equal(c.of('join-failed').length, 0);

  const d = cluster(3, { seed: 32, config: { joinRetries: 2, joinBackoffMs: 1000 } });
  d.sim.crash(0);
  d.join(1, 0);
  d.sim.run(60_000);
  const [f] = d.of('join-failed', 1);
  assert.ok(f);
  assert.equal(f.atMs, 33_000);
  assert.match(f.event.reason, /after 3 attempt\(s\)/);
});

test('one good seed is enough: contacted counts the seeds that answered', () => {
  const c = cluster(4, { seed: 33 });
  c.sim.crash(3);
  c.sim.invoke(1, (p, ctx) =>
    p.join(ctx, [
      simAddressOf(3),
      simAddressOf(0),
      { ip: new Uint8Array([192, 168, 0, 1]), port: 7946 },
    ]),
  );
  c.sim.run(20_000);
  const [s] = c.of('join-succeeded', 1);
  assert.deepEqual(s?.event, { type: 'join-succeeded', contacted: 1, seeds: 3 });
  assert.equal(c.stateOf(1, 0), 'alive');
  // Joining nobody fails at once.
  c.sim.invoke(2, (p, ctx) => p.join(ctx, []));
  assert.match(c.of('join-failed', 2)[0]!.event.reason, /no seeds given/);
});

test('push/pull version check: a node speaking an incompatible protocol is refused', () => {
  const c = cluster(2, {
    seed: 34,
    configFor: (id) =>
      simSwimConfig(id, id === 1 ? { protocolVersionMin: 3, protocolVersion: 3 } : {}),
  });
  c.join(1, 0);
  c.sim.run(5000);
  const [f] = c.of('join-failed', 1);
  assert.ok(f);
  assert.match(f.event.reason, /protocol version \(2\) is incompatible: \[3, 5\]/);
  // The seed answered first (memberlist replies before merging), then refused to merge.
  assert.ok(c.of('push-pull-failed', 0).length === 1);
  assert.equal(c.stateOf(0, 1), undefined);
});

test('push/pull repairs a table that missed a join during a partition', () => {
  const c = cluster(6, { seed: 35, config: { pushPullIntervalMs: 5000 } });
  for (let i = 1; i < 5; i++) c.join(i, 0);
  assert.notEqual(
    c.runUntil(() => c.converged([0, 1, 2, 3, 4]), 10_000),
    null,
  );
  const x = 4;
  const newcomer = 5;
  c.sim.partition([x]);
  c.join(newcomer, 0);
  // The newcomer's alive is gossiped and its retransmissions run out while x is cut off.
  c.sim.run(c.sim.now + 2000);
  c.sim.repair();
  c.sim.run(c.sim.now + 200);
  assert.equal(c.stateOf(x, newcomer), undefined, 'gossip did not reach x');
  const at = c.runUntil(() => c.stateOf(x, newcomer) === 'alive', c.sim.now + 20_000);
  assert.notEqual(at, null, 'push/pull brought the newcomer to x');
  assert.ok(c.of('push-pull', x).length > 0);
  assert.notEqual(
    c.runUntil(() => c.converged(), c.sim.now + 20_000),
    null,
  );
});

test('name conflict: an alive claiming a known name from another address is ignored', () => {
  const c = cluster(4, { seed: 36 });
  c.join(1, 0);
  c.join(2, 0);
  assert.notEqual(
    c.runUntil(() => c.converged([0, 1, 2]), 10_000),
    null,
  );
  const impostor = { ip: simAddressOf(3).ip, port: 7946 };
  c.sim.invoke(3, (_p, ctx) =>
    ctx.send(0, {
      type: 'alive',
      incarnation: 99,
      node: simNodeName(1),
      addr: impostor.ip,
      port: impostor.port,
      meta: null,
      vsn: [1, 5, 2, 2, 5, 5],
    }),
  );
  c.sim.run(c.sim.now + 100);
  const [e] = c.of('name-conflict', 0);
  assert.equal(e?.event.name, simNodeName(1));
  assert.deepEqual([...e!.event.claimed.ip], [10, 0, 0, 3]);
  const m = c.sim.protocols[0]!.member(simNodeName(1))!;
  assert.deepEqual([...m.ip], [10, 0, 0, 1]);
  assert.notEqual(m.incarnation, 99);
});

test("a left member's name may return from a new address at once; a dead one only after deadNodeReclaimMs", () => {
  for (const [reclaimMs, how] of [
    [0, 'leave'],
    [1000, 'crash'],
  ] as const) {
    // Node 4 takes node 2's name once node 2 is gone.
    const c = cluster(5, {
      seed: 37,
      config: { deadNodeReclaimMs: reclaimMs },
      configFor: (id) =>
        simSwimConfig(id, {
          deadNodeReclaimMs: reclaimMs,
          ...(id === 4 ? { name: simNodeName(2) } : {}),
        }),
    });
    for (let i = 1; i < 4; i++) c.join(i, 0);
    assert.notEqual(
      c.runUntil(() => c.converged([0, 1, 2, 3]), 10_000),
      null,
    );
    if (how === 'leave') c.sim.invoke(2, (p, ctx) => p.leave(ctx));
    c.sim.run(c.sim.now + 1000);
    c.sim.crash(2);
    const gone = how === 'leave' ? 'left' : 'dead';
    assert.notEqual(
      c.runUntil(() => c.stateOf(0, 2) === gone, c.sim.now + 30_000),
      null,
    );
    c.sim.run(c.sim.now + 2000);
    c.join(4, 0);
    const at = c.runUntil(() => {
      const m = c.sim.protocols[0]!.member(simNodeName(2));
      return m?.state === 'alive' && m.ip[3] === 4;
    }, c.sim.now + 10_000);
    assert.notEqual(at, null, `${how}: the name moved to 10.0.0.4`);
    assert.equal(c.of('name-conflict').length, 0);
  }
  // Without reclaim, a crashed member's name is a conflict until its entry is reaped.
  const c = cluster(5, {
    seed: 38,
    configFor: (id) => simSwimConfig(id, id === 4 ? { name: simNodeName(2) } : {}),
  });
  for (let i = 1; i < 4; i++) c.join(i, 0);
  assert.notEqual(
    c.runUntil(() => c.converged([0, 1, 2, 3]), 10_000),
    null,
  );
  c.sim.crash(2);
  assert.notEqual(
    c.runUntil(() => c.stateOf(0, 2) === 'dead', c.sim.now + 30_000),
    null,
  );
  c.join(4, 0);
  c.sim.run(c.sim.now + 3000);
  assert.ok(c.of('name-conflict', 0).length > 0);
  assert.equal(c.sim.protocols[0]!.member(simNodeName(2))!.ip[3], 2);
});

test('a crashed node restarted under its name rejoins by refuting its own death', () => {
  const c = cluster(5, { seed: 39 });
  c.joinAll();
  assert.notEqual(
    c.runUntil(() => c.converged(), 10_000),
    null,
  );
  c.sim.crash(2);
  assert.notEqual(
    c.runUntil(() => c.stateOf(0, 2) === 'dead', c.sim.now + 30_000),
    null,
  );
  c.sim.restart(2);
  assert.equal(c.sim.protocols[2]!.incarnation(), 1, 'a fresh process');
  c.join(2, 0);
  assert.notEqual(
    c.runUntil(() => c.converged(), c.sim.now + 10_000),
    null,
  );
  // The seed's state says "dead at incarnation 1": merged as a suspicion of ourselves → refute.
  assert.ok(c.of('refuted', 2).length > 0);
  assert.ok(c.sim.protocols[2]!.incarnation() > 1);
  for (const v of [0, 1, 3, 4])
    assert.ok(
      c.of('member-join', v).filter((e) => e.event.member.name === simNodeName(2)).length === 2,
    );
});

test('joinSyncDelayMs: a member that missed a later joiner’s alive learns of it by one push/pull after its own join', () => {
  // Node 1 joins, then node 2; every datagram that would tell node 1 of node 2 is lost and
  // periodic push/pull is off, so only the join sync can tell it.
  const run = (joinSyncDelayMs: number) => {
    const c = cluster(3, {
      seed: 34,
      config: { pushPullIntervalMs: 0, joinSyncDelayMs },
      tap: { drop: (_from, to, msg, how) => to === 1 && how === 'send' && tellsOf(2, msg) },
    });
    c.join(1, 0);
    c.sim.at(500, () => c.join(2, 0));
    const learnedAt = c.runUntil(() => c.stateOf(1, 2) === 'alive', 30_000);
    const syncs = c.of('push-pull', 1).filter((e) => e.event.initiated && !e.event.join);
    return { learnedAt, syncs: syncs.map((e) => e.atMs) };
  };
  const off = run(0);
  assert.equal(off.learnedAt, null, 'without the sync node 1 never hears of node 2');
  assert.deepEqual(off.syncs, []);
  const on = run(3000);
  assert.ok(
    on.learnedAt !== null && on.learnedAt >= 3000 && on.learnedAt < 3100,
    `${on.learnedAt}`,
  );
  assert.equal(on.syncs.length, 1, 'one sync per join, no more');
  assert.ok(on.syncs[0]! >= 3000 && on.syncs[0]! < 3100);
});

test('strangerSyncIntervalMs: a member pinged by one it does not know pulls what it missed from the pinger, once per interval', () => {
  // As above, node 1 never hears node 2's alive by gossip, and neither periodic push/pull
  // nor the join sync runs. Node 2 learnt of node 1 in its join, so it probes node 1.
  const run = (strangerSyncIntervalMs: number) => {
    const pingsFrom2: number[] = [];
    let now = () => 0;
    const c = cluster(3, {
      seed: 35,
      config: { pushPullIntervalMs: 0, joinSyncDelayMs: 0, strangerSyncIntervalMs },
      tap: {
        // Replies carry no destination: those from 0 and 2 go without node 2's alive too.
        drop: (from, to, msg, how) =>
          (how === 'reply' ? from !== 1 : to === 1 && how === 'send') && tellsOf(2, msg),
        record: (from, to, msg) => {
          if (from === 2 && to === 1 && partsOf(msg).some((p) => p.type === 'ping')) {
            pingsFrom2.push(now());
          }
        },
      },
    });
    now = () => c.sim.now;
    c.join(1, 0);
    c.sim.at(500, () => c.join(2, 0));
    const learnedAt = c.runUntil(() => c.stateOf(1, 2) === 'alive', 30_000);
    c.sim.run(30_000);
    return { learnedAt, pingsFrom2, syncs: c.of('stranger-sync', 1) };
  };
  const off = run(0);
  assert.equal(off.learnedAt, null, 'without it node 1 never hears of node 2');
  assert.ok(off.pingsFrom2.length > 0, 'node 2 did ping node 1');
  assert.deepEqual(off.syncs, []);

  const on = run(5000);
  const firstPing = on.pingsFrom2[0];
  assert.ok(firstPing !== undefined);
  // Node 1 first gives node 2's alive the time a broadcast takes to be sent in full.
  const lan = simSwimConfig(1);
  const spreadMs = retransmitLimit(lan.retransmitMult, 3) * lan.gossipIntervalMs;
  assert.ok(
    on.learnedAt !== null &&
      on.learnedAt >= firstPing + spreadMs &&
      on.learnedAt < firstPing + spreadMs + 100,
    `learnt at ${on.learnedAt}, first ping at ${firstPing}, spread ${spreadMs} ms`,
  );
  assert.equal(on.syncs.length, 1, 'node 2 is known after the first exchange: no second one');
  assert.equal(on.syncs[0]!.event.name, simNodeName(2));
});

test('strangerSyncIntervalMs bounds the exchanges a stranger can cause to one per interval', () => {
  // Node 2's push/pull replies to node 1 are lost too, so node 1 stays a stranger to node 2
  // and every ping of node 2's asks for an exchange.
  const c = cluster(3, {
    seed: 36,
    config: { pushPullIntervalMs: 0, joinSyncDelayMs: 0, strangerSyncIntervalMs: 5000 },
    tap: {
      drop: (from, to, msg, how) =>
        ((how === 'reply' ? from !== 1 : to === 1 && how === 'send') && tellsOf(2, msg)) ||
        (from === 2 && how === 'reply' && partsOf(msg).some((p) => p.type === 'pushPull')),
    },
  });
  c.join(1, 0);
  c.sim.at(500, () => c.join(2, 0));
  c.sim.run(60_000);
  assert.equal(c.stateOf(1, 2), undefined);
  const at = c.of('stranger-sync', 1).map((e) => e.atMs);
  assert.ok(at.length >= 2, `${at}`);
  for (let i = 1; i < at.length; i++) assert.ok(at[i]! - at[i - 1]! >= 5000, `${at}`);
  assert.ok(c.of('push-pull-failed', 1).length >= 1, 'the exchanges did time out');
});

test('strangerSyncIntervalMs: joins without loss cause no exchange, as every alive arrives within its grace', () => {
  // One join every 50 ms, and gossip as slow as probing: a joiner knows the earlier members
  // from its seed and often probes one before its own alive has reached it; the grace
  // covers that.
  const c = cluster(32, {
    seed: 37,
    config: { strangerSyncIntervalMs: 5000, gossipIntervalMs: 1000 },
  });
  for (let i = 1; i < 32; i++) c.sim.at(i * 50, () => c.join(i, 0));
  const at = c.runUntil(() => c.converged(), 30_000);
  assert.ok(at !== null, 'converged');
  c.sim.run(at + 20_000);
  assert.deepEqual(
    c.of('stranger-sync').map((e) => e.event.name),
    [],
  );
});

test('joinBurstSyncDelayMs: a member that missed one alive of a later burst learns of it once the burst is quiet', () => {
  // Node 1 joins alone; 5 s later nodes 2, 3 and 4 join, and every datagram that would tell
  // node 1 of node 3 is lost (replies carry no destination: those of the others go without
  // it too). Periodic push/pull, the join sync and the stranger sync are off.
  const run = (joinBurstSyncDelayMs: number) => {
    const c = cluster(5, {
      seed: 38,
      config: { pushPullIntervalMs: 0, joinSyncDelayMs: 0, joinBurstSyncDelayMs },
      tap: {
        drop: (from, to, msg, how) =>
          (how === 'reply' ? from !== 1 : to === 1 && how === 'send') && tellsOf(3, msg),
      },
    });
    c.join(1, 0);
    for (const [i, at] of [
      [2, 5000],
      [3, 5500],
      [4, 6000],
    ] as const) {
      c.sim.at(at, () => c.join(i, 0));
    }
    const learnedAt = c.runUntil(() => c.stateOf(1, 3) === 'alive', 30_000);
    c.sim.run(30_000);
    return { c, learnedAt, syncs: c.of('join-burst-sync', 1) };
  };
  const off = run(0);
  assert.equal(off.learnedAt, null, 'without it node 1 never hears of node 3');
  assert.deepEqual(off.syncs, []);

  const on = run(3000);
  assert.equal(on.syncs.length, 1, 'one sync for the burst');
  const syncAt = on.syncs[0]!.atMs;
  // What node 1 heard of the burst by gossip before the sync (node 2 at least: node 4's
  // alive may have shared a lost packet with node 3's), and the sync 3 s after the last.
  const joins = on.c
    .of('member-join', 1)
    .filter((e) => ![0, 1].some((v) => e.event.member.name === simNodeName(v)));
  const gossiped = joins.filter((e) => e.atMs < syncAt).map((e) => e.atMs);
  assert.ok(gossiped.length >= 1 && gossiped.length <= 2, `${gossiped}`);
  assert.equal(syncAt, gossiped.at(-1)! + 3000);
  assert.ok(on.learnedAt !== null && on.learnedAt >= syncAt && on.learnedAt < syncAt + 100);
  assert.equal(joins.length, 3, 'nodes 2, 3 and 4, the rest by the sync');
});

test('joinBurstSyncDelayMs: none after a push/pull that followed the burst, and at most one per ten delays', () => {
  // Nodes 1-3 join at once with the join sync on: node 1's join sync, 3 s after its join,
  // comes after it heard of the others, so it needs no burst sync. Two more bursts follow,
  // 10 s and 13 s later; only the first of them gets a sync at node 1.
  const c = cluster(8, {
    seed: 39,
    config: { pushPullIntervalMs: 0, joinSyncDelayMs: 3000, joinBurstSyncDelayMs: 3000 },
  });
  for (const i of [1, 2, 3]) c.join(i, 0);
  for (const [i, at] of [
    [4, 10_000],
    [5, 10_100],
    [6, 23_000],
    [7, 23_100],
  ] as const) {
    c.sim.at(at, () => c.join(i, 0));
  }
  c.sim.run(60_000);
  assert.ok(c.converged(), 'every member lists every member');
  const at = c.of('join-burst-sync', 1).map((e) => e.atMs);
  assert.equal(at.length, 1, `${at}`);
  assert.ok(at[0]! > 13_000 && at[0]! < 14_000, `${at}`);
  // Spacing: ten delays (30 s, fewer than 33 members), so the burst at 23 s gets none.
  for (const v of [1, 2, 3]) {
    const syncs = c.of('join-burst-sync', v).map((e) => e.atMs);
    assert.ok(
      syncs.every((t) => t < 20_000),
      `node ${v}: ${syncs}`,
    );
  }
});

test('joinBurstSyncDelayMs: a lossless 32-node mass join costs at most one exchange a member', () => {
  const c = cluster(32, { seed: 40, config: { joinBurstSyncDelayMs: 3000 } });
  for (let i = 1; i < 32; i++) c.sim.at(i * 50, () => c.join(i, 0));
  const at = c.runUntil(() => c.converged(), 30_000);
  assert.ok(at !== null, 'converged');
  c.sim.run(at + 20_000);
  const perNode = new Map<number, number>();
  for (const e of c.of('join-burst-sync')) perNode.set(e.node, (perNode.get(e.node) ?? 0) + 1);
  assert.ok(
    [...perNode.values()].every((n) => n === 1),
    JSON.stringify([...perNode]),
  );
});

test('joinBurstSyncDelayMs: a push/pull that failed does not stand in for the sync', () => {
  // As the test above, but every push/pull answer after the joins is lost: node 1's join
  // sync brings nothing, so the burst sync still runs (and fails the same way).
  let now = () => 0;
  const c = cluster(4, {
    seed: 41,
    config: { pushPullIntervalMs: 0, joinSyncDelayMs: 3000, joinBurstSyncDelayMs: 3000 },
    tap: {
      drop: (_from, _to, msg, how) =>
        how === 'reply' && now() > 1000 && partsOf(msg).some((p) => p.type === 'pushPull'),
    },
  });
  now = () => c.sim.now;
  for (const i of [1, 2, 3]) c.join(i, 0);
  c.sim.run(20_000);
  assert.ok(c.of('push-pull-failed', 1).length >= 1, 'the join sync failed');
  assert.equal(c.of('join-burst-sync', 1).length, 1);
});
