/**
 * The slowed-node decorator on a two-message echo protocol: a slowed node handles each
 * message `delay` late and in arrival order, its timers are not delayed, a held-back
 * request is answered on the transport it came by, a full backlog drops and counts, and a
 * node whose delay is 0 is untouched.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Context, NodeId, Protocol, ProtocolSpec } from '../../src/core/protocol.ts';
import { Simulator } from '../../src/sim/simulator.ts';
import { SLOWED_BACKLOG_MAX, SlowedControl, slowedSpec } from '../../src/sim/slowed.ts';

interface Msg {
  readonly kind: 'req' | 'res';
  readonly n: number;
}
type Ev =
  | { readonly type: 'got'; readonly kind: Msg['kind']; readonly n: number; readonly from: NodeId }
  | { readonly type: 'tick' };

/** Answers every request with ctx.reply; records what it handles and when its timer fires. */
class Echo implements Protocol<Msg, 'tick', Ev> {
  start(): void {}
  stop(): void {}
  handleMessage(ctx: Context<Msg, 'tick', Ev>, from: NodeId, msg: Msg): void {
    ctx.emit({ type: 'got', kind: msg.kind, n: msg.n, from });
    if (msg.kind === 'req') ctx.reply({ kind: 'res', n: msg.n });
  }
  handleTimer(ctx: Context<Msg, 'tick', Ev>): void {
    ctx.emit({ type: 'tick' });
  }
}

const echoSpec: ProtocolSpec<Msg, 'tick', Ev, Echo> = {
  name: 'echo',
  timerKinds: ['tick'],
  codec: {
    encode: () => new Uint8Array(0),
    decode: () => ({ kind: 'req', n: 0 }),
    sizeOf: () => 10,
    typeOf: (m) => m.kind,
  },
  create: () => new Echo(),
};

function setup(delayMs: number) {
  const control = new SlowedControl(2);
  control.setDelay([1], delayMs);
  const events: { node: NodeId; t: number; e: Ev }[] = [];
  const sim = new Simulator({
    spec: slowedSpec(echoSpec, control),
    nodes: 2,
    seed: 1,
    network: { latency: { kind: 'constant', ms: 5 } },
    onEvent: (node, e, t) => events.push({ node, t, e }),
  });
  return { control, sim, events };
}

test('a slowed node handles messages late, in order; its reply leaves when it handles them', () => {
  const { sim, events } = setup(1000);
  sim.invoke(0, (_p, ctx) => {
    ctx.send(1, { kind: 'req', n: 1 });
    ctx.send(1, { kind: 'req', n: 2 });
  });
  sim.run(10_000);
  const got1 = events.filter((x) => x.node === 1 && x.e.type === 'got');
  assert.deepEqual(
    got1.map((x) => [x.t, x.e.type === 'got' ? x.e.n : -1]),
    [
      [1005, 1],
      [1005, 2],
    ],
  );
  const got0 = events.filter((x) => x.node === 0 && x.e.type === 'got');
  assert.deepEqual(
    got0.map((x) => x.t),
    [1010, 1010],
    'replies sent at 1005 arrive 5 ms later',
  );
});

test('a held-back request that came by a stream is answered on a stream', () => {
  const { sim, events } = setup(500);
  // Lossy datagrams: a reply sent as a datagram would be lost; on a stream it is not.
  sim.setLinkLoss(0.999);
  sim.invoke(0, (p, ctx) => p.call(ctx, (_echo, c) => c.sendReliable(1, { kind: 'req', n: 7 })));
  sim.run(10_000);
  const res = events.filter((x) => x.node === 0 && x.e.type === 'got');
  assert.equal(res.length, 1);
  assert.equal(res[0]!.t, 510);
});

test('timers are not delayed; a healthy node (delay 0) handles messages at once', () => {
  const { sim, events } = setup(1000);
  sim.invoke(1, (p, ctx) => p.call(ctx, (_echo, c) => c.setTimer('tick', 100)));
  sim.invoke(1, (_p, ctx) => ctx.send(0, { kind: 'req', n: 3 }));
  sim.run(10_000);
  assert.equal(events.find((x) => x.node === 1 && x.e.type === 'tick')?.t, 100);
  assert.equal(events.find((x) => x.node === 0 && x.e.type === 'got')?.t, 5);
});

test('a full backlog drops the newest message and counts it', () => {
  const { sim, control } = setup(1000);
  sim.invoke(0, (_p, ctx) => {
    for (let i = 0; i < SLOWED_BACKLOG_MAX + 3; i++) ctx.send(1, { kind: 'res', n: i });
  });
  sim.run(100);
  assert.equal(sim.protocols[1]!.backlog, SLOWED_BACKLOG_MAX);
  assert.equal(control.droppedBacklogFull, 3);
  sim.run(2000);
  assert.equal(sim.protocols[1]!.backlog, 0);
  assert.equal(control.replayed, SLOWED_BACKLOG_MAX);
});

test('lifting the delay keeps the order: messages after it wait behind the backlog', () => {
  const { sim, events, control } = setup(1000);
  sim.invoke(0, (_p, ctx) => ctx.send(1, { kind: 'res', n: 1 }));
  sim.run(100);
  control.setDelay([1], 0);
  sim.invoke(0, (_p, ctx) => ctx.send(1, { kind: 'res', n: 2 }));
  sim.run(10_000);
  const got = events.filter((x) => x.node === 1 && x.e.type === 'got');
  assert.deepEqual(
    got.map((x) => [x.t, x.e.type === 'got' ? x.e.n : -1]),
    [
      [1005, 1],
      [1005, 2],
    ],
  );
});
