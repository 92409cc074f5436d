/**
 * The services of the real cluster (memberlist host + SerfNode, in-process, 127.0.0.1, port
 * 0, local profile): user events delivered once on every member with their Lamport time and
 * coalesce flag, the size limit as a ConfigError on `payload`; queries with acks and
 * responses, node and tag filters, argument errors named by field; the keyring in base64;
 * the counters; the clocks and their restore (old events not delivered again).
 */

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { AgentCluster, IncomingQuery, UserEvent } from '../../src/agent/cluster.ts';
import type { RawAgentSettings } from '../../src/agent/config.ts';
import { keyringPath } from '../../src/agent/keyring-file.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { until } from '../net/until.ts';
import { realMember } from './real-member.ts';

const DEADLINE_MS = 10_000;
const KEY_A = Buffer.alloc(32, 1).toString('base64');
const KEY_B = Buffer.alloc(16, 2).toString('base64');
const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

const open: AgentCluster[] = [];
const dataDir = mkdtempSync(join(tmpdir(), 'hearsay-keyring-'));
after(async () => {
  await Promise.all(open.map((c) => c.shutdown()));
  rmSync(dataDir, { recursive: true, force: true });
});

async function member(name: string, raw: RawAgentSettings = {}) {
  const { cluster, log } = await realMember(name, raw, open);
  const events: UserEvent[] = [];
  cluster.onUserEvent((e) => events.push(e));
  return { cluster, events, log };
}

async function trio(prefix: string) {
  const a = await member(`${prefix}-a`, { tag: ['role=db'] });
  const b = await member(`${prefix}-b`, { tag: ['role=web'] });
  const c = await member(`${prefix}-c`, { tag: ['role=web'] });
  await b.cluster.join([a.cluster.advertise]);
  // c joins both, so b learns of c from c's push/pull rather than from gossip that the local
  // profile sends only twice (possibly both times to c), with the next push/pull 15 s away.
  await c.cluster.join([a.cluster.advertise, b.cluster.advertise]);
  for (const x of [a, b, c]) {
    await until(
      () => x.cluster.members().filter((m) => m.state === 'alive').length === 3,
      DEADLINE_MS,
      'three alive members',
    );
  }
  return [a, b, c] as const;
}

function rejectsField(p: Promise<unknown>, field: string, detail: RegExp) {
  return assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof ConfigError, String(e));
    assert.equal(e.field, field);
    assert.match(e.message, detail);
    return true;
  });
}

describe('memberlist cluster services', () => {
  it('user events reach every member once, with ltime and coalesce; the size limit names payload', async () => {
    const [a, b, c] = await trio('ev');
    const t1 = await b.cluster.sendEvent('deploy', text('v1'), true);
    const t2 = await b.cluster.sendEvent('deploy', text('v2'), false);
    assert.ok(t2 > t1, 'ltimes increase');
    for (const x of [a, b, c]) {
      await until(() => x.events.length >= 2, DEADLINE_MS, 'both events everywhere');
    }
    // Gossip repeats every message: wait for more rounds, still once each.
    await until(() => a.cluster.stats().userEvents.received >= 2, DEADLINE_MS, 'stats count');
    for (const x of [a, b, c]) {
      // Gossip sends the newest first: order by Lamport time.
      const seen = [...x.events].sort((p, q) => Number(p.ltime - q.ltime));
      assert.deepEqual(
        seen.map((e) => [e.name, str(e.payload), e.ltime, e.coalesce]),
        [
          ['deploy', 'v1', t1, true],
          ['deploy', 'v2', t2, false],
        ],
      );
    }
    assert.equal(b.cluster.stats().userEvents.sent, 2);
    await rejectsField(b.cluster.sendEvent('big', new Uint8Array(600), false), 'payload', /512/);
    await rejectsField(b.cluster.sendEvent('', text('x'), false), 'name', /non-empty/);
  });

  it('queries: acks and responses from the handlers, node and tag filters, bad arguments', async () => {
    const [a, b, c] = await trio('q');
    for (const x of [a, b, c]) {
      x.cluster.onQuery((q: IncomingQuery) => {
        assert.equal(q.from, 'q-a');
        assert.ok(q.respond(text(`${x.cluster.local().name}:${str(q.payload)}`)));
        assert.equal(q.respond(text('twice')), false, 'answer once');
      });
    }
    const replies: string[] = [];
    const all = await a.cluster.query(
      { name: 'uptime', payload: text('p'), requestAck: true, timeoutMs: 1_500 },
      (r) => replies.push(`${r.type}:${r.from}`),
    );
    assert.deepEqual([...all.acks].sort(), ['q-a', 'q-b', 'q-c']);
    assert.deepEqual(all.responses.map((r) => str(r.payload)).sort(), ['q-a:p', 'q-b:p', 'q-c:p']);
    assert.equal(replies.length, 6);

    const web = await a.cluster.query({
      name: 'uptime',
      payload: text('w'),
      filterTags: { role: '^web$' },
      timeoutMs: 1_500,
    });
    assert.deepEqual(web.responses.map((r) => r.from).sort(), ['q-b', 'q-c']);
    const one = await a.cluster.query({
      name: 'uptime',
      payload: text('n'),
      filterNodes: ['q-c'],
      timeoutMs: 1_500,
    });
    assert.deepEqual(
      one.responses.map((r) => r.from),
      ['q-c'],
    );

    const aborted = new AbortController();
    const pending = a.cluster.query(
      { name: 'slow', payload: text(''), timeoutMs: 60_000 },
      undefined,
      aborted.signal,
    );
    aborted.abort();
    assert.ok(Array.isArray((await pending).acks), 'an abort resolves with what was collected');

    await rejectsField(a.cluster.query({ name: '', payload: text('') }), 'name', /non-empty/);
    await rejectsField(a.cluster.query({ name: '_serf_x', payload: text('') }), 'name', /_serf_/);
    await rejectsField(
      a.cluster.query({ name: 'x', payload: text(''), timeoutMs: 0 }),
      'timeoutMs',
      /\(0, /,
    );
    await rejectsField(
      a.cluster.query({ name: 'x', payload: new Uint8Array(2000) }),
      'payload',
      /1024/,
    );
    assert.equal(a.cluster.stats().queries.sent, 4);
  });

  it('keys: base64 keyring, install/use/remove, errors as ConfigError', async () => {
    const { cluster } = await member('keys', { encrypt: KEY_A });
    assert.deepEqual(cluster.listKeys(), { primary: KEY_A, keys: [KEY_A] });
    await cluster.installKey(KEY_B);
    assert.deepEqual(cluster.listKeys(), { primary: KEY_A, keys: [KEY_A, KEY_B] });
    await cluster.useKey(KEY_B);
    assert.equal(cluster.listKeys().primary, KEY_B);
    await assert.rejects(cluster.removeKey(KEY_B), ConfigError, 'the primary stays');
    await cluster.removeKey(KEY_A);
    assert.deepEqual(cluster.listKeys(), { primary: KEY_B, keys: [KEY_B] });
    await rejectsField(cluster.installKey('not base64!'), 'key', /base64/);

    const plain = await member('plain');
    assert.deepEqual(plain.cluster.listKeys(), { primary: null, keys: [] });
    await assert.rejects(plain.cluster.installKey(KEY_A), /encryption is not enabled/);
  });

  it('keys with a data dir: saved on every change, restored at start over --encrypt', async () => {
    const file = keyringPath(dataDir);
    const first = await member('kr-1', { encrypt: KEY_A, 'data-dir': dataDir });
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), [KEY_A], 'written at start');
    assert.equal(statSync(file).mode & 0o777, 0o600, 'a secret: owner only');
    await first.cluster.installKey(KEY_B);
    await first.cluster.useKey(KEY_B);
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), [KEY_B, KEY_A]);
    await first.cluster.shutdown();

    // The unit file still says --encrypt KEY_A: the rotated primary stays primary.
    const again = await member('kr-2', { encrypt: KEY_A, 'data-dir': dataDir });
    assert.deepEqual(again.cluster.listKeys(), { primary: KEY_B, keys: [KEY_B, KEY_A] });
    await again.cluster.removeKey(KEY_A);
    await again.cluster.shutdown();
    // No --encrypt at all: the file alone encrypts.
    const fileOnly = await member('kr-3', { 'data-dir': dataDir });
    assert.deepEqual(fileOnly.cluster.listKeys(), { primary: KEY_B, keys: [KEY_B] });
    await fileOnly.cluster.shutdown();

    writeFileSync(file, '["not a key"]');
    const corrupt = await member('kr-4', { encrypt: KEY_A, 'data-dir': dataDir });
    assert.deepEqual(corrupt.cluster.listKeys(), { primary: KEY_A, keys: [KEY_A] });
    assert.ok(corrupt.log.some((l) => l.includes('keyring.json cannot be used')));
    assert.ok(existsSync(`${file}.corrupt`));
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), [KEY_A], 'rewritten from --encrypt');
  });

  it('stats: members by state, probes, traffic by type, queue depth, health', async () => {
    const [a] = await trio('st');
    await until(() => a.cluster.stats().probes.ok > 0, DEADLINE_MS, 'a probe succeeded');
    const s = a.cluster.stats();
    assert.equal(s.membersByState.alive, 3);
    assert.equal(s.membersByState.failed, 0);
    assert.ok((s.messagesIn['udp:ping'] ?? 0) + (s.messagesIn['udp:compound'] ?? 0) > 0);
    assert.ok(Object.values(s.bytesOut).every((n) => n > 0));
    assert.ok(s.broadcastQueueDepth >= 0);
    assert.equal(s.healthScore, 0);
  });

  it('restored clocks: events older than the saved event clock are not delivered again', async () => {
    const a = await member('clk-a');
    await a.cluster.sendEvent('old', text('1'), false);
    await a.cluster.sendEvent('old', text('2'), false);
    const saved = a.cluster.clocks!();
    assert.ok(saved.event >= 3n);
    const b = await member('clk-b');
    b.cluster.restoreClocks!(saved);
    assert.deepEqual(b.cluster.clocks!(), saved, 'the clocks resume where they were');
    await b.cluster.join([a.cluster.advertise]);
    const fresh = await a.cluster.sendEvent('new', text('3'), false);
    await until(() => b.events.length >= 1, DEADLINE_MS, 'the new event');
    assert.deepEqual(
      b.events.map((e) => [e.name, e.ltime]),
      [['new', fresh]],
    );
  });
});
