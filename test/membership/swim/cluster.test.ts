/**
 * Whole-cluster scenarios in the simulator (LAN timing, 1-5 ms latency, fixed seeds):
 * join convergence, crash detection, refutation after a short partition, graceful leave.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { suspicionBounds } from '../../../src/membership/swim/formulas.ts';
import { simNodeName } from '../../../src/membership/swim/spec.ts';
import { cluster } from './harness.ts';

test('3 nodes join through one seed and converge: everyone sees everyone alive', () => {
  const c = cluster(3, { seed: 11 });
  c.joinAll();
  const at = c.runUntil(() => c.converged(), 10_000);
  assert.notEqual(at, null, 'converged');
  assert.ok(at! < 1000, `converged in ${at} ms`);
  assert.equal(c.of('join-succeeded').length, 2);
  for (const e of c.of('join-succeeded')) assert.equal(e.event.contacted, 1);
  // Every node saw a join event for every node, itself included.
  for (let v = 0; v < 3; v++) assert.equal(c.of('member-join', v).length, 3, `node ${v}`);
  // And it stays that way: no suspicion without loss.
  c.sim.run(c.sim.now + 60_000);
  assert.ok(c.converged());
  assert.equal(c.of('member-suspect').length, 0);
});

test('50 nodes join through one seed and converge; no false positives over a minute', () => {
  const c = cluster(50, { seed: 12 });
  c.joinAll();
  const at = c.runUntilPolled(() => c.converged(), 30_000, 50);
  assert.notEqual(at, null, 'converged');
  c.sim.run(c.sim.now + 60_000);
  assert.ok(c.converged(), 'still converged');
  assert.equal(c.of('member-suspect').length, 0);
  assert.equal(c.of('member-leave').length, 0);
  for (let v = 0; v < 50; v++) assert.equal(c.sim.protocols[v]!.healthScore(), 0);
});

test('a crashed node is suspected, then declared dead at every live node within the Lifeguard bound', () => {
  const n = 10;
  const c = cluster(n, { seed: 13 });
  c.joinAll();
  assert.notEqual(
    c.runUntil(() => c.converged(), 10_000),
    null,
  );
  c.sim.run(c.sim.now + 5000);
  const victim = 4;
  const crashAt = c.sim.now;
  c.sim.crash(victim);
  const live = [...Array(n).keys()].filter((i) => i !== victim);
  const doneAt = c.runUntil(
    () => live.every((v) => c.stateOf(v, victim) === 'dead'),
    crashAt + 60_000,
  );
  assert.notEqual(doneAt, null, 'declared dead everywhere');
  // Bound: the victim is probed within a round of the list (n intervals), the probe takes
  // one interval, and the suspicion lasts at most the Lifeguard maximum.
  const b = suspicionBounds(4, 6, n, 1000);
  assert.ok(doneAt! - crashAt <= (n + 1) * 1000 + b.maxMs, `took ${doneAt! - crashAt} ms`);
  // Confirmations from independent probers brought it down to about the minimum.
  assert.ok(doneAt! - crashAt < 15_000, `took ${doneAt! - crashAt} ms`);
  assert.ok(c.of('suspicion-confirmed').length > 0);
  // Some node's own suspicion ran out (it declared the victim dead rather than hearing it),
  // and it says after how many confirmations and how long a timeout: k = 2 brings it down
  // to the minimum, or one confirmation to a point between the bounds.
  const expired = c.of('suspicion-expired');
  assert.ok(expired.length > 0);
  for (const { event } of expired) {
    assert.equal(event.name, simNodeName(victim));
    assert.ok(event.confirmations >= 0 && event.confirmations <= 2);
    const expected = event.confirmations === 2 ? b.minMs : b.maxMs;
    if (event.confirmations !== 1) assert.equal(event.timeoutMs, expected);
    else assert.ok(event.timeoutMs > b.minMs && event.timeoutMs < b.maxMs);
  }
  // Every live node went alive → suspect → dead for the victim, and nobody else.
  for (const v of live) {
    const leaves = c.of('member-leave', v);
    assert.equal(leaves.length, 1, `node ${v}`);
    assert.equal(leaves[0]!.event.member.name, simNodeName(victim));
    assert.equal(leaves[0]!.event.member.state, 'dead');
  }
  const suspected = new Set(c.of('member-suspect').map((e) => e.event.member.name));
  assert.deepEqual([...suspected], [simNodeName(victim)], 'no false positives');
});

test('with 3 nodes (k = 0) the suspicion lasts exactly the minimum, 4 s', () => {
  const c = cluster(3, { seed: 14 });
  c.joinAll();
  assert.notEqual(
    c.runUntil(() => c.converged(), 10_000),
    null,
  );
  c.sim.crash(2);
  c.sim.run(c.sim.now + 30_000);
  for (const v of [0, 1]) {
    const suspect = c.of('member-suspect', v)[0]!;
    const dead = c.of('member-leave', v)[0]!;
    // Whoever declares first does so exactly 4 s after its suspicion began; the other may
    // learn the death by gossip earlier than its own timer.
    assert.ok(dead.atMs - suspect.atMs <= 4000 + 1e-9, `node ${v}: ${dead.atMs - suspect.atMs}`);
  }
  const firstDead = Math.min(...c.of('member-leave').map((e) => e.atMs));
  const firstSuspect = Math.min(...c.of('member-suspect').map((e) => e.atMs));
  assert.ok(Math.abs(firstDead - firstSuspect - 4000) < 1e-6, `${firstDead - firstSuspect}`);
});

test('a live node suspected during a short partition refutes with a higher incarnation', () => {
  const n = 6;
  const c = cluster(n, { seed: 15 });
  c.joinAll();
  assert.notEqual(
    c.runUntil(() => c.converged(), 10_000),
    null,
  );
  c.sim.run(c.sim.now + 2000);
  const isolated = 5;
  const before = c.sim.protocols[isolated]!.incarnation();
  c.sim.partition([isolated]);
  // Long enough to be probed and suspected, shorter than the 4 s minimum suspicion.
  assert.notEqual(
    c.runUntil(
      () => c.of('member-suspect').some((e) => e.event.member.name === simNodeName(isolated)),
      c.sim.now + 10_000,
    ),
    null,
  );
  c.sim.run(c.sim.now + 1500);
  c.sim.repair();
  const at = c.runUntil(() => c.converged(), c.sim.now + 30_000);
  assert.notEqual(at, null, 'converged again');
  const refutes = c.of('refuted', isolated);
  assert.ok(refutes.length >= 1, 'the isolated node refuted');
  assert.equal(refutes[0]!.event.accusation, 'suspect');
  assert.ok(c.sim.protocols[isolated]!.incarnation() > before);
  assert.ok(c.of('awareness-changed', isolated).length > 0, 'refuting costs health');
  // Nobody was declared dead, and the majority saw the member alive again.
  assert.equal(c.of('member-leave').length, 0);
  assert.ok(c.of('member-alive-again').some((e) => e.event.member.name === simNodeName(isolated)));
  for (let v = 0; v < n; v++) {
    assert.equal(
      c.sim.protocols[v]!.member(simNodeName(isolated))!.incarnation,
      c.sim.protocols[isolated]!.incarnation(),
    );
  }
});

test('graceful leave: left is emitted once, and every node records the member as left', () => {
  const n = 8;
  const c = cluster(n, { seed: 16 });
  c.joinAll();
  assert.notEqual(
    c.runUntil(() => c.converged(), 10_000),
    null,
  );
  const leaver = 3;
  c.sim.invoke(leaver, (p, ctx) => p.leave(ctx));
  c.sim.invoke(leaver, (p, ctx) => p.leave(ctx)); // idempotent
  const others = [...Array(n).keys()].filter((i) => i !== leaver);
  const at = c.runUntil(
    () => c.of('left', leaver).length === 1 && others.every((v) => c.stateOf(v, leaver) === 'left'),
    c.sim.now + 10_000,
  );
  assert.notEqual(at, null);
  assert.deepEqual(c.of('left', leaver)[0]!.event, { type: 'left', timedOut: false });
  for (const v of others) {
    const e = c.of('member-leave', v).find((x) => x.event.member.name === simNodeName(leaver))!;
    assert.equal(e.event.member.state, 'left');
  }
  // The leaver then stops; nobody suspects it (left members are not probed).
  c.sim.crash(leaver);
  c.sim.run(c.sim.now + 30_000);
  assert.equal(c.of('member-suspect').length, 0);
  assert.equal(c.of('left').length, 1);
});

test('leave with nobody else alive completes at once', () => {
  const c = cluster(1, { seed: 17 });
  c.sim.invoke(0, (p, ctx) => p.leave(ctx));
  assert.equal(c.of('left', 0).length, 1);
  assert.equal(c.sim.protocols[0]!.localMember()!.state, 'left');
});

test('startConverged: 300 nodes begin with full tables; a crash is detected by all within the bound', () => {
  const n = 300;
  const c = cluster(n, {
    seed: 18,
    config: { enableCompression: false },
    spec: { startConverged: true },
  });
  assert.ok(c.converged(), 'converged at time 0');
  assert.equal(c.of('member-join').length, n * n);
  c.sim.run(20_000);
  assert.equal(c.of('member-suspect').length, 0);
  const crashAt = c.sim.now;
  c.sim.crash(123);
  const live = [...Array(n).keys()].filter((i) => i !== 123);
  const b = suspicionBounds(4, 6, n, 1000);
  const at = c.runUntilPolled(
    () => live.every((v) => c.stateOf(v, 123) === 'dead'),
    crashAt + 60_000,
    250,
  );
  assert.notEqual(at, null);
  assert.ok(at! - crashAt <= 2000 + b.maxMs, `took ${at! - crashAt} ms`);
  assert.equal(
    new Set(c.of('member-suspect').map((e) => e.event.member.name)).size,
    1,
    'no false positives',
  );
});

test('dead entries leave the table gossipToTheDeadMs after death, at the next wrap of the probe list', () => {
  const c = cluster(5, { seed: 19, config: { gossipToTheDeadMs: 5000 } });
  c.joinAll();
  assert.notEqual(
    c.runUntil(() => c.converged(), 10_000),
    null,
  );
  c.sim.crash(3);
  const deadAt = c.runUntil(() => c.stateOf(0, 3) === 'dead', c.sim.now + 30_000);
  assert.notEqual(deadAt, null);
  assert.equal(c.sim.protocols[0]!.tableSize(), 5);
  const reapedAt = c.runUntil(() => c.of('member-reaped', 0).length > 0, c.sim.now + 30_000);
  assert.notEqual(reapedAt, null);
  assert.ok(reapedAt! - deadAt! > 5000, 'not before gossipToTheDeadMs');
  assert.ok(reapedAt! - deadAt! < 5000 + 6000, 'at the next wrap (4 live entries to probe)');
  assert.equal(c.of('member-reaped', 0)[0]!.event.name, simNodeName(3));
  assert.equal(c.sim.protocols[0]!.tableSize(), 4);
  assert.equal(c.stateOf(0, 3), undefined);
});
