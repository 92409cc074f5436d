/**
 * The failure detector's paths: indirect probes around a broken direct link, helpers'
 * nacks and what they do to awareness, the TCP fallback, and awareness-scaled probing.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { simNodeName, swimTypeOf } from '../../../src/membership/swim/spec.ts';
import { cluster } from './harness.ts';

test('indirect probes: with the direct ping 0 → 1 lost, helpers vouch for node 1', () => {
  const c = cluster(5, {
    seed: 21,
    config: { disableTcpPings: true },
    tap: {
      drop: (from, to, msg, how) =>
        from === 0 && to === 1 && how === 'send' && swimTypeOf(msg) === 'ping',
    },
  });
  c.joinAll();
  assert.notEqual(
    c.runUntil(() => c.converged(), 10_000),
    null,
  );
  c.sim.run(c.sim.now + 30_000);
  const viaHelpers = c.of('probe-ok', 0).filter((e) => e.event.target === simNodeName(1));
  assert.ok(viaHelpers.length >= 3, `probes of node 1: ${viaHelpers.length}`);
  for (const e of viaHelpers) assert.equal(e.event.via, 'indirect');
  assert.ok(
    viaHelpers.every((e) => e.event.rttMs > 500),
    'after the probe timeout',
  );
  assert.equal(c.of('probe-failed').length, 0);
  assert.equal(c.of('member-suspect').length, 0);
});

test('a lossy network (10 % datagram loss): indirect paths keep everyone alive', () => {
  const c = cluster(10, { seed: 22, config: { disableTcpPings: true } });
  c.joinAll();
  assert.notEqual(
    c.runUntil(() => c.converged(), 20_000),
    null,
  );
  c.sim.setLinkLoss(0.1);
  c.sim.run(c.sim.now + 60_000);
  assert.ok(
    c.of('probe-ok').some((e) => e.event.via === 'indirect'),
    'some probes needed helpers',
  );
  assert.equal(c.of('member-leave').length, 0, 'nobody declared dead');
  c.sim.setLinkLoss(0);
  c.sim.run(c.sim.now + 10_000);
  assert.ok(c.converged());
});

test('nacks: helpers that hear nothing from a crashed target say so, and the prober stays healthy', () => {
  // Helpers nack `probeTimeoutMs` after the indirect request, which itself leaves
  // `probeTimeoutMs` into the probe: the probe must last longer than twice that.
  const c = cluster(5, { seed: 23, config: { probeIntervalMs: 2000 } });
  c.joinAll();
  assert.notEqual(
    c.runUntil(() => c.converged(), 10_000),
    null,
  );
  c.sim.crash(1);
  c.sim.run(c.sim.now + 15_000);
  const failed = c.of('probe-failed').filter((e) => e.event.target === simNodeName(1));
  assert.ok(failed.length > 0);
  for (const e of failed) {
    // memberlist samples helpers with 3·n random draws, so now and then one is missed.
    assert.ok(e.event.helpers >= 2 && e.event.helpers <= 3);
    assert.equal(e.event.nacksExpected, e.event.helpers, 'protocol-5 helpers: all asked for nacks');
    assert.equal(e.event.nacks, e.event.helpers, 'every helper nacked');
  }
  // A failed probe with all nacks in costs no health.
  for (const v of [0, 2, 3, 4]) assert.equal(c.sim.protocols[v]!.healthScore(), 0, `node ${v}`);
});

test('memberlist LAN timing: nacks arrive after a 1 s probe has ended and do not count', () => {
  // Indirect pings leave at 500 ms, helpers nack 500 ms later, the ack handler expires at
  // 1000 ms: Go drops these nacks too, so a failed probe at score 0 costs 3 points.
  const c = cluster(5, { seed: 23 });
  c.joinAll();
  assert.notEqual(
    c.runUntil(() => c.converged(), 10_000),
    null,
  );
  c.sim.crash(1);
  const at = c.runUntil(() => c.of('probe-failed').length > 0, c.sim.now + 15_000);
  assert.notEqual(at, null);
  const first = c.of('probe-failed')[0]!;
  assert.deepEqual([first.event.nacksExpected, first.event.nacks], [3, 0]);
  c.sim.run(c.sim.now + 50);
  assert.ok((c.sim.protocols[first.node]!.dropped.get('unknown-seq') ?? 0) >= 3, 'the late nacks');
  assert.equal(c.of('awareness-changed', first.node)[0]!.event.delta, 3);
});

test('without nack-capable helpers (protocol max 3) a failed probe costs one point of health', () => {
  const c = cluster(5, { seed: 24, config: { protocolVersionMax: 3 } });
  c.joinAll();
  assert.notEqual(
    c.runUntil(() => c.converged(), 10_000),
    null,
  );
  c.sim.crash(1);
  const at = c.runUntil(() => c.of('probe-failed').length > 0, c.sim.now + 15_000);
  assert.notEqual(at, null);
  const e = c.of('probe-failed')[0]!;
  assert.equal(e.event.nacksExpected, 0);
  const change = c.of('awareness-changed', e.node).find((x) => x.atMs === e.atMs)!;
  assert.deepEqual(change.event, { type: 'awareness-changed', score: 1, delta: 1 });
});

test('TCP fallback: with UDP between 0 and 1 broken both ways, TCP pings keep them alive', () => {
  const broken = (a: number, b: number) => (a === 0 && b === 1) || (a === 1 && b === 0);
  const c = cluster(4, {
    seed: 25,
    config: { indirectChecks: 0 },
    tap: { drop: (from, to, _msg, how) => how === 'send' && broken(from, to) },
  });
  c.joinAll();
  assert.notEqual(
    c.runUntil(() => c.converged(), 10_000),
    null,
  );
  c.sim.run(c.sim.now + 30_000);
  const tcp = c.of('probe-ok').filter((e) => e.event.via === 'tcp');
  assert.ok(tcp.some((e) => e.node === 0 && e.event.target === simNodeName(1)));
  assert.ok(tcp.some((e) => e.node === 1 && e.event.target === simNodeName(0)));
  assert.ok(c.converged());
  assert.equal(c.of('member-suspect').length, 0);

  // The same cut with TCP pings disabled: 0 and 1 suspect each other.
  const d = cluster(4, {
    seed: 25,
    config: { indirectChecks: 0, disableTcpPings: true },
    tap: { drop: (from, to, _msg, how) => how === 'send' && broken(from, to) },
  });
  d.joinAll();
  d.sim.run(30_000);
  assert.ok(d.of('member-suspect', 0).some((e) => e.event.member.name === simNodeName(1)));
});

test('awareness: an isolated node degrades to 8× its probe interval, and recovers', () => {
  // A long suspicion (60 s) keeps everyone probing the partitioned side for the whole test.
  const c = cluster(5, { seed: 26, config: { suspicionMult: 60 } });
  c.joinAll();
  assert.notEqual(
    c.runUntil(() => c.converged(), 10_000),
    null,
  );
  const x = 4;
  c.sim.partition([x]);
  c.sim.run(c.sim.now + 40_000);
  assert.equal(c.sim.protocols[x]!.healthScore(), 7, 'score capped at awarenessMaxMultiplier − 1');
  // A failed probe costs one point per helper that never nacked.
  const changes = c.of('awareness-changed', x);
  const fails = c.of('probe-failed', x);
  assert.ok(fails[0]!.event.nacksExpected >= 2);
  assert.equal(changes[0]!.event.delta, fails[0]!.event.nacksExpected);
  // At score 7 a probe lasts 8 s, and the next starts right after (the buffered tick).
  const gaps = fails.slice(1).map((e, i) => e.atMs - fails[i]!.atMs);
  assert.equal(gaps.at(-1), 8000, `gaps ${gaps}`);
  c.sim.repair();
  c.sim.run(c.sim.now + 60_000);
  assert.equal(c.sim.protocols[x]!.healthScore(), 0, 'successful probes bring it back');
});
