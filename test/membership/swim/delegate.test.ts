/**
 * The MembershipDelegate hooks fire at memberlist's moments: meta, join/leave/update
 * notifications, delegate broadcasts riding on gossip, user messages both ways, push/pull
 * user state, ack payloads and ping completion.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NodeId } from '../../../src/core/protocol.ts';
import type { SwimContext } from '../../../src/membership/swim/node.ts';
import { simNodeName } from '../../../src/membership/swim/spec.ts';
import type { Member, MembershipDelegate } from '../../../src/membership/types.ts';
import { cluster } from './harness.ts';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

class Recorder implements MembershipDelegate<SwimContext> {
  meta = bytes('v1');
  readonly joins: string[] = [];
  readonly leaves: [string, string][] = [];
  readonly updates: [string, string][] = [];
  readonly user: string[] = [];
  readonly merged: [string, boolean][] = [];
  readonly pings: [string, number, string | null][] = [];
  outbox: { payload: Uint8Array; left: number }[] = [];
  readonly id: NodeId;
  constructor(id: NodeId) {
    this.id = id;
  }
  nodeMeta(limitBytes: number): Uint8Array {
    assert.equal(limitBytes, 512);
    return this.meta;
  }
  notifyUserMessage(_ctx: SwimContext, payload: Uint8Array): void {
    this.user.push(text(payload));
  }
  getBroadcasts(overheadBytes: number, limitBytes: number): Uint8Array[] {
    assert.equal(overheadBytes, 3, 'compound part overhead + user type byte');
    const out: Uint8Array[] = [];
    let used = 0;
    for (const b of this.outbox) {
      if (b.left > 0 && used + b.payload.length + overheadBytes <= limitBytes) {
        out.push(b.payload);
        used += b.payload.length + overheadBytes;
        b.left--;
      }
    }
    return out;
  }
  localState(join: boolean): Uint8Array {
    return bytes(`state-of-${this.id}-${join}`);
  }
  mergeRemoteState(_ctx: SwimContext, state: Uint8Array, join: boolean): void {
    this.merged.push([text(state), join]);
  }
  notifyJoin(_ctx: SwimContext, m: Member): void {
    this.joins.push(m.name);
  }
  notifyLeave(_ctx: SwimContext, m: Member): void {
    this.leaves.push([m.name, m.state]);
  }
  notifyUpdate(_ctx: SwimContext, m: Member): void {
    this.updates.push([m.name, text(m.meta!)]);
  }
  ackPayload(): Uint8Array | null {
    return bytes(`coord-${this.id}`);
  }
  notifyPingComplete(
    _ctx: SwimContext,
    m: Member,
    rttMs: number,
    payload: Uint8Array | null,
  ): void {
    this.pings.push([m.name, rttMs, payload === null ? null : text(payload)]);
  }
}

test('delegate hooks fire at the right moments', () => {
  const n = 4;
  const rec = Array.from({ length: n }, (_, i) => new Recorder(i));
  const c = cluster(n, { seed: 41, spec: { delegateFor: (id) => rec[id] } });
  c.joinAll();
  assert.notEqual(
    c.runUntil(() => c.converged(), 10_000),
    null,
  );

  // Joins: everyone (ourselves included) once; meta is the delegate's.
  for (let v = 0; v < n; v++) {
    assert.deepEqual([...rec[v]!.joins].sort(), [0, 1, 2, 3].map(simNodeName));
    assert.equal(text(c.sim.protocols[v]!.member(simNodeName(0))!.meta!), 'v1');
  }
  // Join push/pull: the seed merged each joiner's state and each joiner the seed's, join = true.
  assert.deepEqual(
    rec[0]!.merged
      .filter(([, j]) => j)
      .map(([s]) => s)
      .sort(),
    ['state-of-1-true', 'state-of-2-true', 'state-of-3-true'],
  );
  assert.deepEqual(rec[1]!.merged[0], ['state-of-0-true', true]);

  // Probes carry the ack payload to notifyPingComplete.
  c.sim.run(c.sim.now + 5000);
  const [name, rtt, payload] = rec[0]!.pings[0]!;
  assert.ok(rtt > 0 && rtt < 20);
  assert.equal(payload, `coord-${name.slice('node-'.length)}`);

  // Delegate broadcasts ride on gossip and reach everyone.
  rec[2]!.outbox.push({ payload: bytes('event-1'), left: 8 });
  c.sim.run(c.sim.now + 3000);
  for (const v of [0, 1, 3]) assert.ok(rec[v]!.user.includes('event-1'), `node ${v}`);

  // User messages both ways.
  let ok = false;
  c.sim.invoke(1, (p, ctx) => {
    ok = p.sendUser(ctx, simNodeName(3), bytes('hello-udp'), false);
    p.sendUser(ctx, simNodeName(3), bytes('hello-tcp'), true);
  });
  assert.ok(ok);
  c.sim.invoke(1, (p, ctx) => assert.equal(p.sendUser(ctx, 'nobody', bytes('x'), false), false));
  c.sim.run(c.sim.now + 100);
  assert.ok(rec[3]!.user.includes('hello-udp'));
  assert.ok(rec[3]!.user.includes('hello-tcp'));

  // Meta update: a new incarnation, and an update event everywhere.
  rec[3]!.meta = bytes('v2');
  const before = c.sim.protocols[3]!.incarnation();
  c.sim.invoke(3, (p, ctx) => p.updateMeta(ctx));
  assert.equal(c.sim.protocols[3]!.incarnation(), before + 1);
  c.sim.run(c.sim.now + 2000);
  for (let v = 0; v < n; v++)
    assert.deepEqual(rec[v]!.updates, [[simNodeName(3), 'v2']], `node ${v}`);
  assert.ok(c.of('member-update').length >= n);

  // Leave: notifyLeave with state 'left' everywhere, the leaver included.
  c.sim.invoke(2, (p, ctx) => p.leave(ctx));
  c.sim.run(c.sim.now + 3000);
  for (let v = 0; v < n; v++)
    assert.deepEqual(rec[v]!.leaves, [[simNodeName(2), 'left']], `node ${v}`);
});

test('meta longer than 512 bytes is refused with a ConfigError', () => {
  const rec = new Recorder(0);
  rec.meta = new Uint8Array(513);
  assert.throws(
    () => cluster(1, { spec: { delegateFor: () => rec } }),
    /meta: node metadata must be at most 512 bytes/,
  );
});

test('a packet never carries more than 127 parts, however small the delegate broadcasts', () => {
  let biggest = 0;
  const c = cluster(2, {
    seed: 42,
    config: { enableCompression: false },
    spec: {
      delegateFor: () => ({
        getBroadcasts: () => Array.from({ length: 400 }, () => new Uint8Array([1])),
      }),
    },
    tap: {
      record: (_f, _t, msg) => {
        const m = msg.type === 'hasCrc' ? msg.message : msg;
        if (m.type === 'compound') biggest = Math.max(biggest, m.parts.length);
      },
    },
  });
  c.join(1, 0);
  c.sim.run(3000);
  assert.equal(biggest, 127);
});
