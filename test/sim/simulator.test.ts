import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Context, Protocol, ProtocolSpec } from '../../src/core/protocol.ts';
import { Rng } from '../../src/core/rng.ts';
import { DEFAULT_EXPERIMENT, runDissemination } from '../../src/sim/dissemination-experiment.ts';
import { sampleLatencyMs } from '../../src/sim/latency.ts';
import { Simulator } from '../../src/sim/simulator.ts';
import { cluster } from './pair.ts';

/** A probe protocol: records what arrives; sends on command. */
type Msg = { n: number; size: number };
type Ev = { type: 'got'; from: number; n: number; t: number } | { type: 'tick'; t: number };
class Probe implements Protocol<Msg, 'tick', Ev> {
  started = 0;
  start(): void {
    this.started++;
  }
  stop(): void {}
  handleMessage(ctx: Context<Msg, 'tick', Ev>, from: number, msg: Msg): void {
    ctx.emit({ type: 'got', from, n: msg.n, t: ctx.now });
    // A negative number asks for an answer by ctx.reply.
    if (msg.n < 0) ctx.reply({ n: -msg.n, size: 1 });
  }
  handleTimer(ctx: Context<Msg, 'tick', Ev>): void {
    ctx.emit({ type: 'tick', t: ctx.now });
  }
}
const probeSpec: ProtocolSpec<Msg, 'tick', Ev, Probe> = {
  name: 'probe',
  timerKinds: ['tick'],
  codec: {
    encode: () => new Uint8Array(0),
    decode: () => ({ n: 0, size: 0 }),
    sizeOf: (m) => m.size,
    typeOf: () => 'probe',
  },
  create: () => new Probe(),
};

function probeSim(nodes: number, network = {}, seed = 1) {
  const got: { node: number; e: Ev }[] = [];
  const sim = new Simulator({
    spec: probeSpec,
    nodes,
    seed,
    network,
    onEvent: (node, e) => got.push({ node, e }),
  });
  return { sim, got };
}

test('same seed, same run: identical trace hashes and results; another seed differs', () => {
  const exp = {
    ...DEFAULT_EXPERIMENT,
    protocol: 'rumor' as const,
    nodes: 2000,
    mode: 'events' as const,
    network: {
      latency: { kind: 'lognormal' as const, medianMs: 20, sigma: 0.5 },
      loss: 0.05,
      duplicate: 0.02,
      uploadBytesPerSec: 0,
    },
    crashes: [{ atMs: 400, restartMs: 1200, fraction: 0.1 }],
    partitions: [{ atMs: 200, healMs: 800, fraction: 0.3 }],
    antiEntropyPeriodMs: 1000,
  };
  const a = runDissemination({ ...exp, seed: 42 });
  const b = runDissemination({ ...exp, seed: 42 });
  const c = runDissemination({ ...exp, seed: 43 });
  assert.equal(a.traceHash, b.traceHash);
  const strip = (r: typeof a) => ({ ...r, wallMs: 0 });
  assert.deepEqual(strip(a), strip(b));
  assert.notEqual(a.traceHash, c.traceHash);
  // The faults really happened in this run.
  assert.ok((a.droppedByReason.partition ?? 0) > 0, 'partition dropped messages');
  assert.ok((a.droppedByReason.loss ?? 0) > 0, 'loss dropped messages');
});

test('partition 1-1: messages across the cut are dropped until repair', () => {
  const { sim, got } = probeSim(2);
  sim.partition([1]);
  assert.equal(sim.canReach(0, 1), false);
  sim.invoke(0, (_p, ctx) => ctx.send(1, { n: 1, size: 10 }));
  sim.run(100);
  assert.equal(got.length, 0);
  assert.equal(sim.stats.droppedByReason.get('partition'), 1);
  sim.repair();
  sim.invoke(0, (_p, ctx) => ctx.send(1, { n: 2, size: 10 }));
  sim.run(200);
  assert.deepEqual(
    got.map((g) => g.e.type === 'got' && g.e.n),
    [2],
  );
});

test('crash drops traffic to the node and its timers; restart gives a fresh instance', () => {
  const { sim, got } = probeSim(2);
  sim.invoke(1, (_p, ctx) => ctx.setTimer('tick', 50));
  sim.invoke(0, (_p, ctx) => ctx.send(1, { n: 1, size: 1 }));
  sim.crash(1);
  sim.run(100);
  assert.equal(got.length, 0, 'neither the message nor the timer reached a crashed node');
  assert.equal(sim.stats.droppedByReason.get('crashed'), 1);
  const before = sim.protocols[1];
  sim.restart(1);
  assert.notEqual(sim.protocols[1], before);
  assert.equal(sim.protocols[1]!.started, 1);
  sim.invoke(0, (_p, ctx) => ctx.send(1, { n: 2, size: 1 }));
  sim.run(200);
  assert.equal(got.length, 1);
});

test('re-arming a timer replaces it; cancelling removes it', () => {
  const { sim, got } = probeSim(1);
  sim.invoke(0, (_p, ctx) => {
    ctx.setTimer('tick', 10);
    ctx.setTimer('tick', 30);
  });
  sim.run(100);
  assert.deepEqual(
    got.map((g) => g.e.type === 'tick' && g.e.t),
    [30],
  );
  sim.invoke(0, (_p, ctx) => {
    ctx.setTimer('tick', 10);
    ctx.cancelTimer('tick');
  });
  sim.run(200);
  assert.equal(got.length, 1);
});

test('loss drops about the configured fraction; duplication delivers extra copies', () => {
  const { sim, got } = probeSim(2, { loss: 0.3, duplicate: 0.1 }, 5);
  const sends = 10_000;
  for (let i = 0; i < sends; i++) sim.invoke(0, (_p, ctx) => ctx.send(1, { n: i, size: 1 }));
  sim.run(1000);
  const lost = sim.stats.droppedByReason.get('loss') ?? 0;
  // Binomial(10000, 0.3): sd ≈ 46, so ±4 sd is ±183.
  assert.ok(Math.abs(lost - 3000) < 183, `lost ${lost}`);
  const dups = got.length - (sends - lost);
  // Binomial(7000, 0.1): sd ≈ 25.
  assert.ok(Math.abs(dups - 700) < 100, `dups ${dups}`);
});

test('upload bandwidth serialises a node’s sends', () => {
  const { sim, got } = probeSim(2, {
    uploadBytesPerSec: 1000,
    latency: { kind: 'constant', ms: 5 },
  });
  sim.invoke(0, (_p, ctx) => {
    ctx.send(1, { n: 1, size: 100 });
    ctx.send(1, { n: 2, size: 100 });
  });
  sim.run(1000);
  // 100 bytes at 1000 B/s = 100 ms each, then 5 ms of latency.
  assert.deepEqual(
    got.map((g) => g.e.type === 'got' && g.e.t),
    [105, 205],
  );
});

test('reliable sends are never lost and stay in order per pair', () => {
  const { sim, got } = probeSim(2, {
    loss: 0.5,
    latency: { kind: 'uniform', minMs: 1, maxMs: 100 },
  });
  for (let i = 0; i < 200; i++) sim.invoke(0, (_p, ctx) => ctx.sendReliable(1, { n: i, size: 1 }));
  sim.run(10_000);
  assert.deepEqual(
    got.map((g) => g.e.type === 'got' && g.e.n),
    Array.from({ length: 200 }, (_, i) => i),
  );
});

test('reply answers by the way the request came: reliable requests get reliable answers', () => {
  const { sim, got } = probeSim(2, { loss: 0.5, latency: { kind: 'constant', ms: 3 } });
  for (let i = 1; i <= 100; i++)
    sim.invoke(0, (_p, ctx) => ctx.sendReliable(1, { n: -i, size: 1 }));
  for (let i = 101; i <= 400; i++) sim.invoke(0, (_p, ctx) => ctx.send(1, { n: -i, size: 1 }));
  sim.run(1000);
  const answers = got.filter((g) => g.node === 0 && g.e.type === 'got').map((g) => g.e);
  assert.ok(answers.every((e) => e.type === 'got' && e.from === 1 && e.t === 6));
  const answered = answers.map((e) => (e.type === 'got' ? e.n : 0));
  // Every reliable request is answered; datagram answers cross the lossy link twice.
  for (let i = 1; i <= 100; i++) assert.ok(answered.includes(i), `reliable request ${i}`);
  const datagram = answered.filter((n) => n > 100).length;
  assert.ok(datagram > 40 && datagram < 110, `datagram answers ${datagram} of 300 at 25%`);
  assert.throws(() => sim.invoke(0, (_p, ctx) => ctx.reply({ n: 1, size: 1 })), /only valid/);
});

test('latency models: constant, uniform bounds, log-normal median', () => {
  const rng = new Rng(3);
  assert.equal(sampleLatencyMs({ kind: 'constant', ms: 7 }, rng), 7);
  for (let i = 0; i < 1000; i++) {
    const x = sampleLatencyMs({ kind: 'uniform', minMs: 2, maxMs: 4 }, rng);
    assert.ok(x >= 2 && x < 4);
  }
  const xs = Array.from({ length: 20_001 }, () =>
    sampleLatencyMs({ kind: 'lognormal', medianMs: 50, sigma: 0.5 }, rng),
  );
  xs.sort((a, b) => a - b);
  const median = xs[10_000]!;
  // Sample median of 20001 draws: relative sd ≈ 1.25 · 0.5 / sqrt(20001) ≈ 0.0044.
  assert.ok(Math.abs(median / 50 - 1) < 0.02, `median ${median}`);
});

test('random peers are uniform, distinct and never self', () => {
  const { sim } = probeSim(10);
  const counts = new Array(10).fill(0);
  sim.invoke(3, (_p, ctx) => {
    const out: number[] = [];
    for (let i = 0; i < 9000; i++) {
      ctx.randomPeers(3, out);
      assert.equal(new Set(out).size, 3);
      for (const p of out) counts[p]++;
    }
    ctx.randomPeers(20, out);
    assert.equal(out.length, 9);
    // The same array, reused with a smaller k, is cut to the new count.
    ctx.randomPeers(1, out);
    assert.equal(out.length, 1);
    assert.notEqual(out[0], 3);
    ctx.randomPeers(2, out);
    assert.equal(out.length, 2);
    assert.notEqual(out[0], out[1]);
  });
  assert.equal(counts[3], 0);
  // Each of 9 peers expects 3000 hits; binomial sd ≈ 52.
  for (let i = 0; i < 10; i++)
    if (i !== 3) assert.ok(Math.abs(counts[i] - 3000) < 250, `peer ${i}: ${counts[i]}`);
});

test('pair harness: push-pull between two nodes moves items both ways in one exchange', () => {
  // Random timer phases and zero latency: one node's exchange completes before the other
  // node's timer fires.
  const c = cluster(2, { protocol: 'push-pull', jitterStart: true });
  c.publish(0, 'a');
  c.publish(1, 'b');
  c.sim.run(100);
  assert.deepEqual([...c.delivered('a')].sort(), [0, 1]);
  assert.deepEqual([...c.delivered('b')].sort(), [0, 1]);
  // syn, ack (offer b / want a), ack2 (a + want b), items (b) — and the second node's syn,
  // which finds nothing to exchange, is answered by nothing.
  const byType = Object.fromEntries(c.sim.stats.messagesByType);
  assert.deepEqual(byType, { syn: 2, ack: 1, ack2: 1, items: 1 });
});

test('a message object sent again is counted again, with its own size and type', () => {
  const { sim, got } = probeSim(3);
  const shared = { n: 1, size: 10 };
  sim.invoke(0, (_p, ctx) => {
    ctx.send(1, shared);
    ctx.send(2, shared);
    ctx.send(1, { n: 2, size: 7 });
    ctx.send(2, shared);
  });
  sim.run(10);
  assert.equal(sim.stats.messagesSent, 4);
  assert.equal(sim.stats.bytesSent, 37);
  assert.equal(sim.stats.messagesByType.get('probe'), 4);
  assert.equal(got.length, 4);
});
