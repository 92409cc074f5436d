/**
 * Serf queries in the simulator (fixed seeds): acks and responses from every node, filters,
 * relays, the answering rules, `_serf_ping`, name-conflict resolution; and the pure pieces
 * (dedup ring, filter verdicts, default timeout).
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/core/errors.ts';
import type { NodeId } from '../../src/core/protocol.ts';
import { simSwimConfig } from '../../src/membership/swim/spec.ts';
import { encodeSerfMessage as encodeSerfMessageForTest } from '../../src/membership/wire/serf/codec.ts';
import { encodeFilter } from '../../src/membership/wire/serf/filters.ts';
import { DEFAULT_SERF_LIMITS } from '../../src/membership/wire/serf/limits.ts';
import { serfConfig } from '../../src/serf/config.ts';
import type { SerfEvent } from '../../src/serf/events.ts';
import { LamportClock } from '../../src/serf/lamport.ts';
import { defaultQueryTimeoutMs, QueryLog, queryFilterVerdict } from '../../src/serf/queries.ts';
import { serfSpec, simSerfConfig } from '../../src/serf/spec.ts';
import { Simulator } from '../../src/sim/simulator.ts';
import { serfCluster } from './cluster.ts';

const N = 10;
const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | null) => new TextDecoder().decode(b ?? new Uint8Array(0));

function converged(c: ReturnType<typeof serfCluster>) {
  c.joinAll();
  assert.ok(
    c.runUntil(
      () =>
        c.up().every((v) => {
          const ms = c.sim.protocols[v]!.members();
          return ms.length === N && ms.every((m) => m.status === 'alive');
        }),
      30_000,
    ),
  );
}

/** The event interface whose `type` admits T (distributes over the union). */
type EvOf<E, T> = E extends { type: infer U } ? (T extends U ? E : never) : never;
type Ev<T extends SerfEvent['type']> = EvOf<SerfEvent, T>;
function ofType<T extends SerfEvent['type']>(c: ReturnType<typeof serfCluster>, type: T) {
  return c.events.flatMap((e) =>
    e.event.type === type ? [{ node: e.node, t: e.t, event: e.event as Ev<T> }] : [],
  );
}

/** Every node answers every `query` event it gets with `answer(node)`. */
function autoRespond(c: ReturnType<typeof serfCluster>, from: number) {
  for (const q of ofType(c, 'query').slice(from)) {
    c.sim.invoke(q.node, (p, ctx) => p.respond(ctx, q.event.key, bytes(`up-${q.node}`)));
  }
}

test('a query with acks: every node acks, answers once, and the query closes at its deadline', () => {
  const c = serfCluster({ nodes: N, seed: 31, checkWire: true });
  converged(c);
  let q!: ReturnType<(typeof c.sim.protocols)[0]['query']>;
  c.sim.invoke(0, (p, ctx) => {
    q = p.query(ctx, 'uptime', bytes('?'), { requestAck: true });
  });
  assert.equal(
    q.deadlineMs - c.sim.now,
    200 * 16 * 2,
    'default timeout: 200 ms × 16 × ceil(log10(11))',
  );
  let answered = 0;
  c.runUntil(
    () => {
      const got = ofType(c, 'query');
      if (got.length > answered) {
        autoRespond(c, answered);
        answered = got.length;
      }
      return ofType(c, 'query-done').length > 0;
    },
    q.deadlineMs + 1000,
    50,
  );
  const received = ofType(c, 'query');
  assert.equal(new Set(received.map((r) => r.node)).size, N, 'every node, the asker included');
  assert.ok(received.every((r) => r.event.name === 'uptime' && r.event.sourceNode === 'node-0'));
  const acks = ofType(c, 'query-ack').filter((a) => a.node === 0);
  const responses = ofType(c, 'query-response').filter((a) => a.node === 0);
  assert.equal(new Set(acks.map((a) => a.event.from)).size, N);
  assert.equal(acks.length, N, 'one ack per node');
  assert.equal(responses.length, N, 'one response per node');
  assert.deepEqual(
    new Set(responses.map((r) => text(r.event.payload))),
    new Set(Array.from({ length: N }, (_, i) => `up-${i}`)),
  );
  const done = ofType(c, 'query-done');
  assert.equal(done.length, 1);
  assert.deepEqual(
    { node: done[0]!.node, acks: done[0]!.event.acks, responses: done[0]!.event.responses },
    { node: 0, acks: N, responses: N },
  );
  assert.ok(done[0]!.t >= q.deadlineMs);
  assert.deepEqual(c.wire.errors, []);
});

test('answering: once only, and not after the deadline', () => {
  const c = serfCluster({ nodes: 3, seed: 32 });
  c.joinAll();
  c.runUntil(() => false, 5_000);
  c.sim.invoke(0, (p, ctx) => p.query(ctx, 'q', bytes(''), { timeoutMs: 1_000 }));
  c.runUntil(() => ofType(c, 'query').length === 3, c.sim.now + 1_000, 10);
  const [a, b] = ofType(c, 'query');
  c.sim.invoke(a!.node, (p, ctx) => p.respond(ctx, a!.event.key, bytes('x')));
  assert.throws(
    () => c.sim.invoke(a!.node, (p, ctx) => p.respond(ctx, a!.event.key, bytes('x'))),
    (e: unknown) => e instanceof ConfigError && e.field === 'query',
  );
  c.runUntil(() => false, c.sim.now + 2_000);
  assert.throws(
    () => c.sim.invoke(b!.node, (p, ctx) => p.respond(ctx, b!.event.key, bytes('late'))),
    (e: unknown) => e instanceof ConfigError && /deadline/.test(e.message),
  );
  assert.throws(
    () => c.sim.invoke(0, (p, ctx) => p.query(ctx, 'big', new Uint8Array(2000))),
    (e: unknown) => e instanceof ConfigError && e.field === 'query',
  );
  assert.throws(
    () => c.sim.invoke(0, (p, ctx) => p.query(ctx, '_serf_install-key', bytes('k'))),
    (e: unknown) => e instanceof ConfigError,
  );
});

test('filters: by node name and by tag regexp; the query still spreads past non-matching nodes', () => {
  const c = serfCluster({ nodes: N, seed: 33 });
  converged(c);
  c.sim.invoke(0, (p, ctx) =>
    p.query(ctx, 'by-node', bytes(''), { filterNodes: ['node-3', 'node-8'] }),
  );
  c.sim.invoke(0, (p, ctx) => p.query(ctx, 'by-tag', bytes(''), { filterTags: { id: '^[1-2]$' } }));
  c.runUntil(() => false, c.sim.now + 5_000);
  const got = (name: string) =>
    ofType(c, 'query')
      .filter((q) => q.event.name === name)
      .map((q) => q.node)
      .sort();
  assert.deepEqual(got('by-node'), [3, 8]);
  assert.deepEqual(got('by-tag'), [1, 2]);
});

test('relayed answers arrive once each; _serf_ping is acked and never reaches the application', () => {
  const c = serfCluster({ nodes: N, seed: 34, checkWire: true });
  converged(c);
  c.sim.invoke(0, (p, ctx) =>
    p.query(ctx, 'relayed', bytes(''), { requestAck: true, relayFactor: 2 }),
  );
  c.sim.invoke(0, (p, ctx) => p.query(ctx, '_serf_ping', new Uint8Array(0), { requestAck: true }));
  c.runUntil(() => ofType(c, 'query-done').length === 2, c.sim.now + 10_000);
  const acks = ofType(c, 'query-ack');
  const relayed = acks.filter((a) => a.event.name === 'relayed');
  assert.equal(relayed.length, N, 'relay duplicates are dropped');
  const pings = acks.filter((a) => a.event.name === '_serf_ping');
  assert.equal(new Set(pings.map((a) => a.event.from)).size, N);
  assert.ok(!ofType(c, 'query').some((q) => q.event.name === '_serf_ping'));
  assert.equal(
    c.up().reduce((n, v) => n + c.sim.protocols[v]!.queryStats.relaysRefused, 0),
    0,
  );
  assert.deepEqual(c.wire.errors, []);
});

test('relays: a relay towards an address that is no member is refused', () => {
  const c = serfCluster({ nodes: 3, seed: 35 });
  c.joinAll();
  c.runUntil(() => false, 5_000);
  const relay = {
    type: 'user' as const,
    payload: encodeRelay(new Uint8Array([192, 0, 2, 1]), 53),
  };
  c.sim.invoke(1, (p, ctx) => p.handleMessage(ctx, 2, relay));
  assert.equal(c.sim.protocols[1]!.queryStats.relaysRefused, 1);
});

function encodeRelay(ip: Uint8Array, port: number): Uint8Array {
  // Built with the wire codec: a relay carrying a query response.
  return encodeSerfMessageForTest({
    type: 'relay',
    destAddr: { ip, port, zone: '' },
    destName: 'victim',
    message: { type: 'queryResponse', ltime: 1n, id: 1, from: 'x', flags: 0, payload: null },
  });
}

test('name conflict: the newcomer claiming an existing name loses the vote and shuts down', () => {
  const events: { node: NodeId; event: SerfEvent | { type: string } }[] = [];
  const IMPOSTER = 7;
  const spec = serfSpec(
    (id) =>
      id === IMPOSTER
        ? { serf: serfConfig({ name: 'node-3' }), swim: simSwimConfig(id, { name: 'node-3' }) }
        : simSerfConfig(id),
    { nodes: 8 },
  );
  const sim = new Simulator({
    spec,
    nodes: 8,
    seed: 36,
    network: { latency: { kind: 'uniform', minMs: 1, maxMs: 5 } },
    onEvent: (node, event) => events.push({ node, event }),
  });
  const seed = [{ ip: new Uint8Array([10, 0, 0, 0]), port: 7946 }];
  for (let i = 1; i < 8; i++) if (i !== IMPOSTER) sim.invoke(i, (p, ctx) => p.join(ctx, seed));
  sim.run(10_000);
  sim.invoke(IMPOSTER, (p, ctx) => p.join(ctx, seed));
  sim.run(30_000);
  const lost = events.filter((e) => e.event.type === 'serf-conflict-lost');
  assert.deepEqual(
    lost.map((e) => e.node),
    [IMPOSTER],
    'only the imposter loses',
  );
  assert.equal(sim.protocols[IMPOSTER]!.state, 'shutdown');
  assert.equal(sim.protocols[3]!.state, 'alive');
  // The cluster still knows node-3 at its own address.
  assert.deepEqual([...sim.protocols[0]!.member('node-3')!.ip], [10, 0, 0, 3]);
});

test('query dedup ring: new, duplicate, too old', () => {
  const clock = new LamportClock();
  const log = new QueryLog(clock, 8, 2);
  assert.equal(log.receive(3n, 7), 'new');
  assert.equal(log.receive(3n, 7), 'duplicate');
  assert.equal(log.receive(3n, 8), 'new');
  assert.equal(log.receive(3n, 9), 'slot-full');
  clock.witness(100n);
  assert.equal(log.receive(92n, 1), 'too-old');
  assert.equal(log.receive(93n, 1), 'new');
});

test('filter verdicts: node list, tag regexp, missing tag is "", bad filter bytes', () => {
  const tags = new Map([['role', 'web']]);
  const v = (filters: Uint8Array[]) =>
    queryFilterVerdict(filters, 'a', tags, DEFAULT_SERF_LIMITS).kind;
  assert.equal(v([]), 'match');
  assert.equal(v([encodeFilter({ type: 'node', nodes: ['b', 'a'] })]), 'match');
  assert.equal(v([encodeFilter({ type: 'node', nodes: ['b'] })]), 'no-match');
  assert.equal(v([encodeFilter({ type: 'tag', tag: 'role', expr: 'we' })]), 'match');
  assert.equal(v([encodeFilter({ type: 'tag', tag: 'role', expr: '^db$' })]), 'no-match');
  assert.equal(v([encodeFilter({ type: 'tag', tag: 'dc', expr: '^$' })]), 'match');
  assert.equal(v([encodeFilter({ type: 'tag', tag: 'role', expr: '(' })]), 'no-match');
  assert.equal(v([new Uint8Array([9, 1])]), 'bad');
});

test('default query timeout: 200 ms × 16 × ceil(log10(n + 1))', () => {
  assert.equal(defaultQueryTimeoutMs(200, 16, 1), 3200);
  assert.equal(defaultQueryTimeoutMs(200, 16, 9), 3200);
  assert.equal(defaultQueryTimeoutMs(200, 16, 10), 6400);
  assert.equal(defaultQueryTimeoutMs(200, 16, 0), 3200);
});
