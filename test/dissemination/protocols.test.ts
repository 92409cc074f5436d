import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/core/errors.ts';
import { disseminationConfig } from '../../src/dissemination/config.ts';
import { ItemStore } from '../../src/dissemination/store.ts';
import { DEFAULT_EXPERIMENT, runDissemination } from '../../src/sim/dissemination-experiment.ts';
import type { DisseminationExperiment } from '../../src/sim/types.ts';
import { cluster } from '../sim/pair.ts';

const base: DisseminationExperiment = { ...DEFAULT_EXPERIMENT, nodes: 500, seed: 11 };

for (const protocol of ['push', 'pull', 'push-pull', 'anti-entropy'] as const) {
  for (const mode of ['rounds', 'events'] as const) {
    test(`${protocol} informs every node (${mode} mode, 500 nodes)`, () => {
      const r = runDissemination({ ...base, protocol, mode });
      assert.equal(r.coverage, 1);
      assert.equal(r.residue, 0);
      assert.ok(r.timeToFullMs !== null && r.timeToFullMs > 0);
      assert.ok(r.messagesPerNode > 0);
    });
  }
}

test('push-pull: every item reaches each node once per exchange (redundancy stays low)', () => {
  const r = runDissemination({ ...base, protocol: 'push-pull', nodes: 2000 });
  // Duplicates come only from concurrent exchanges in the same round.
  assert.ok(r.redundancy < 1.6, `redundancy ${r.redundancy}`);
  const push = runDissemination({ ...base, protocol: 'push', nodes: 2000 });
  assert.ok(push.redundancy > 3 * r.redundancy, 'push sends far more duplicates');
});

test('rumor mongering dies out by itself and leaves a residue (SIR)', () => {
  const r = runDissemination({
    ...base,
    protocol: 'rumor',
    variant: 'blind-coin',
    k: 2,
    nodes: 1000,
  });
  const last = r.timeline.at(-1)!;
  assert.equal(last.infected, 0, 'no infective node at the end');
  assert.ok(r.residue > 0.05 && r.residue < 0.5, `residue ${r.residue}`);
  assert.equal(last.susceptible + last.removed, 1000);
  assert.ok(r.virtualTimeMs < base.durationMs, 'stopped at quiescence, not at the time limit');
});

test('anti-entropy backstop repairs what rumor mongering missed', () => {
  const exp = {
    ...base,
    protocol: 'rumor' as const,
    variant: 'blind-coin' as const,
    k: 1,
    nodes: 300,
  };
  const alone = runDissemination(exp);
  assert.ok(alone.residue > 0.5, 'k = 1 blind coin leaves most nodes uninformed');
  const backed = runDissemination({ ...exp, antiEntropyPeriodMs: 2000 });
  assert.equal(backed.residue, 0);
  assert.ok((backed.messagesByType.syn ?? 0) > 0);
});

test('TTL: items are delivered up to ttl hops and pushed no further', () => {
  const spread = (ttl: number) => {
    const c = cluster(1000, { protocol: 'push', ttl, fanout: 3 });
    c.publish(0, 'x');
    c.sim.run(500); // five rounds
    const hops = c.events.flatMap((e) => (e.event.type === 'deliver' ? [e.event.hops] : []));
    return { reached: c.delivered('x').size, maxHops: Math.max(...hops) };
  };
  const limited = spread(2);
  const free = spread(Number.POSITIVE_INFINITY);
  assert.equal(limited.maxHops, 2);
  assert.ok(free.maxHops > 2);
  // Only the origin (every round) and the 1-hop nodes forward: far fewer nodes reached.
  assert.ok(limited.reached < free.reached / 2, `${limited.reached} vs ${free.reached}`);
});

test('message budget caps sends per node per period', () => {
  const c = cluster(20, { protocol: 'push', fanout: 10, messageBudgetPerPeriod: 3 });
  c.publish(0, 'x');
  c.sim.run(100);
  assert.equal(c.sim.stats.messagesSent, 3);
  assert.equal(c.events.filter((e) => e.event.type === 'budget-exhausted').length, 1);
});

test('adaptive fanout contacts ceil(ln n) peers', () => {
  const c = cluster(1000, { protocol: 'push', fanout: 'adaptive' });
  c.publish(0, 'x');
  c.sim.run(100);
  assert.equal(c.sim.stats.messagesSent, 7);
});

test('feedback: a push to a node that already knew counts; k = 1 counter stops the sender', () => {
  const c = cluster(2, { protocol: 'rumor', variant: 'feedback-counter', k: 1 });
  c.publish(0, 'x');
  c.sim.run(100); // 0 pushes to 1: news, no feedback
  assert.deepEqual(Object.fromEntries(c.sim.stats.messagesByType), { push: 1 });
  c.sim.run(200); // both push to each other: both knew → feedback both ways → both removed
  const removed = c.events.filter((e) => e.event.type === 'removed').map((e) => e.node);
  assert.deepEqual(removed.sort(), [0, 1]);
  c.sim.run(1000);
  assert.equal(c.sim.stats.messagesByType.get('push'), 3, 'nobody pushes after losing interest');
});

test('crashed nodes come back empty and push-pull re-informs them', () => {
  const r = runDissemination({
    ...base,
    protocol: 'push-pull',
    mode: 'events',
    crashes: [{ atMs: 3000, restartMs: 4000, fraction: 0.2 }],
  });
  assert.equal(r.coverage, 1);
  assert.ok(r.timeToFullMs! > 4000, 'the restarted nodes were informed after restarting');
});

test('a partition delays but does not prevent push-pull once healed', () => {
  const r = runDissemination({
    ...base,
    protocol: 'push-pull',
    partitions: [{ atMs: 0, healMs: 5000, fraction: 0.4 }],
  });
  assert.equal(r.coverage, 1);
  assert.ok(r.timeToFullMs! >= 5000);
  assert.ok((r.droppedByReason.partition ?? 0) > 0);
});

test('item store: one item without a map, then many', () => {
  const s = new ItemStore();
  const item = (id: string) => ({ id, data: new Uint8Array(0), hops: 0 });
  assert.equal(s.size, 0);
  assert.ok(s.add(item('a'), true, 0));
  assert.equal(s.add(item('a'), true, 0), null);
  assert.ok(s.add(item('b'), false, 1));
  assert.ok(s.add(item('c'), true, 2));
  assert.deepEqual(s.ids(), ['a', 'b', 'c']);
  assert.deepEqual(s.lacking(['c', 'd', 'd', 'e']), ['d', 'e']);
  assert.deepEqual(s.notIn(['b']), ['a', 'c']);
  assert.equal(s.countKnown(['a', 'x', 'c']), 2);
  assert.equal(s.anyHot(), true);
  assert.deepEqual(
    s.items(['c', 'zz']).map((i) => i.id),
    ['c'],
  );
});

test('config validation names the field', () => {
  assert.throws(
    () => disseminationConfig({ k: 0 }),
    (e: unknown) => e instanceof ConfigError && e.field === 'k',
  );
  assert.throws(
    () => disseminationConfig({ protocol: 'flood' as never }),
    (e: unknown) =>
      e instanceof ConfigError && e.field === 'protocol' && /push-pull/.test(e.message),
  );
  assert.throws(() => disseminationConfig({ periodMs: -1 }), /periodMs/);
  assert.equal(disseminationConfig({ fanout: 'adaptive' }).fanout, 'adaptive');
});
