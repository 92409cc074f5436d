/**
 * Event handlers, coalescing and the data directory with real `hearsay agent` processes
 * (127.0.0.1, port 0, local profile) and a recording handler script (handler-recorder.ts):
 *
 *   - a handler gets Serf's variables and stdin for member-join (its own at start, as in
 *     Serf, then another member's), a user event and a query,
 *     and its stdout answers the query back to the asking agent;
 *   - five coalescable events of one name in a burst run the handler once, with the last
 *     payload; five non-coalescable ones run it five times;
 *   - a SIGKILLed agent restarted on its data dir rejoins without --join and does not run
 *     an old event's handler again; after a graceful leave it does not rejoin;
 *   - a flood of undecodable user messages is counted and the agent keeps serving.
 *
 * Every wait is a condition with a deadline; only processes started here are stopped.
 */

import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { HostPort } from '../../src/agent/config.ts';
import { Rng } from '../../src/core/rng.ts';
import { until } from '../net/until.ts';
import {
  type AgentProcess,
  killStarted,
  startAgent,
  stateOf,
  waitMembers,
} from './agent-process.ts';
import { HandlerRecorder } from './handler-recorder.ts';

const DEADLINE_MS = 20_000;
const folders: string[] = [];
function folder(): string {
  const d = mkdtempSync(join(tmpdir(), 'hearsay-handlers-'));
  folders.push(d);
  return d;
}
after(() => {
  killStarted();
  for (const d of folders) rmSync(d, { recursive: true, force: true });
});

async function post(http: HostPort, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`http://${http.host}:${http.port}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  assert.equal(res.status, 200, JSON.stringify(json));
  return json;
}

const sendEvent = (a: AgentProcess, name: string, payload: string, coalesce: boolean) =>
  post(a.http, '/v1/events', { name, payload, coalesce });

async function stop(a: AgentProcess, signal: NodeJS.Signals): Promise<void> {
  a.child.kill(signal);
  await a.exited;
}

describe('hearsay agent event handlers (real processes)', () => {
  it('member-join, user event and query: Serf variables and stdin; stdout answers the query', async () => {
    const rec = new HandlerRecorder(folder());
    const a = await startAgent('hd-a', [
      '--tag',
      'role=web',
      '--tag',
      'dc.name=eu-1',
      '--event-handler',
      rec.script,
      '--coalesce-period',
      '1s',
      '--quiescent-period',
      '100ms',
    ]);
    // As Serf: the node's own join is the first member event its handlers see.
    const self = await rec.waitRecord(
      (r) => r.env.SERF_EVENT === 'member-join' && r.stdin.startsWith('hd-a\t'),
      DEADLINE_MS,
      'member-join of hd-a itself',
    );
    assert.equal(self.stdin, `hd-a\t127.0.0.1\tweb\tdc.name=eu-1,role=web\n`);
    const b = await startAgent('hd-b', ['--tag', 'role=db', '--join', a.advertise]);

    const join = await rec.waitRecord(
      (r) => r.env.SERF_EVENT === 'member-join' && r.stdin.includes('hd-b'),
      DEADLINE_MS,
      'member-join of hd-b',
    );
    assert.equal(join.env.SERF_SELF_NAME, 'hd-a');
    assert.equal(join.env.SERF_SELF_ROLE, 'web');
    assert.equal(join.env.SERF_TAG_ROLE, 'web');
    assert.equal(join.env.SERF_TAG_DC_NAME, 'eu-1');
    assert.equal(join.env.HEARSAY_EVENT, 'member-join');
    assert.match(join.stdin, /^hd-b\t127\.0\.0\.1\tdb\trole=db\n/m);

    const { ltime } = await sendEvent(b, 'deploy', 'v1', false);
    const user = await rec.waitRecord(
      (r) => r.env.SERF_USER_EVENT === 'deploy',
      DEADLINE_MS,
      'user event deploy',
    );
    assert.equal(user.env.SERF_EVENT, 'user');
    assert.equal(user.env.SERF_USER_LTIME, ltime);
    assert.equal(user.stdin, 'v1\n');

    const result = await post(b.http, '/v1/queries', {
      name: 'uptime',
      payload: 'how long?',
      requestAck: true,
      timeoutMs: 3_000,
    });
    assert.deepEqual(result.responses, [{ from: 'hd-a', payload: 'answer from hd-a to uptime' }]);
    assert.deepEqual([...(result.acks as string[])].sort(), ['hd-a', 'hd-b']);
    const query = rec.records().find((r) => r.env.SERF_EVENT === 'query')!;
    assert.equal(query.env.SERF_QUERY_NAME, 'uptime');
    assert.equal(query.env.SERF_QUERY_LTIME, result.ltime);
    assert.equal(query.env.HEARSAY_QUERY_FROM, 'hd-b');
    assert.equal(query.stdin, 'how long?\n');
  });

  it('coalescing: a burst of five coalescable events runs once with the last; five plain ones run five times', async () => {
    const rec = new HandlerRecorder(folder());
    const a = await startAgent('co-a', [
      '--event-handler',
      `user=${rec.script}`,
      '--user-coalesce-period',
      '5s',
      '--user-quiescent-period',
      '1s',
    ]);
    for (let i = 1; i <= 5; i++) await sendEvent(a, 'burst', `b${i}`, true);
    for (let i = 1; i <= 5; i++) await sendEvent(a, 'plain', `p${i}`, false);
    await rec.waitRecord(
      (r) => r.env.SERF_USER_EVENT === 'burst',
      DEADLINE_MS,
      'the coalesced burst',
    );
    // Handlers run one at a time in order: once this marker ran, everything before it did.
    await sendEvent(a, 'marker', 'm', false);
    await rec.waitRecord((r) => r.env.SERF_USER_EVENT === 'marker', DEADLINE_MS, 'the marker');
    assert.deepEqual(
      rec.userEvents('burst').map((r) => r.stdin),
      ['b5\n'],
    );
    assert.deepEqual(
      rec
        .userEvents('plain')
        .map((r) => r.stdin)
        .sort(),
      ['p1\n', 'p2\n', 'p3\n', 'p4\n', 'p5\n'],
    );
  });

  it('restart on the data dir: rejoins without --join, old events not handled again; no rejoin after a leave', async () => {
    const dir = folder();
    const rec = new HandlerRecorder(dir);
    const a = await startAgent('dd-a', ['--data-dir', join(dir, 'a')]);
    const bArgs = ['--data-dir', join(dir, 'b'), '--event-handler', `user=${rec.script}`];
    const b1 = await startAgent('dd-b', [...bArgs, '--join', a.advertise]);
    await waitMembers(a, (ms) => stateOf(ms, 'dd-b') === 'alive', DEADLINE_MS, 'dd-b alive');
    await sendEvent(a, 'old', 'o', false);
    await rec.waitRecord((r) => r.env.SERF_USER_EVENT === 'old', DEADLINE_MS, 'the old event');
    const snapshotFile = join(dir, 'b', 'snapshot.json');
    await until(
      () => {
        try {
          return readFileSync(snapshotFile, 'utf8').includes('"dd-a"');
        } catch {
          return false;
        }
      },
      DEADLINE_MS,
      'dd-b snapshot names dd-a',
    );

    // A crash: no leave. The restart binds the same port (the cluster knows dd-b there).
    await stop(b1, 'SIGKILL');
    const b2 = await startAgent('dd-b', [...bArgs, '--bind', b1.advertise]);
    await waitMembers(
      b2,
      (ms) => stateOf(ms, 'dd-a') === 'alive',
      DEADLINE_MS,
      'dd-b rejoined dd-a',
    );
    await waitMembers(
      a,
      (ms) => stateOf(ms, 'dd-b') === 'alive',
      DEADLINE_MS,
      'dd-a sees dd-b back',
    );
    assert.match(b2.stderr(), /rejoining the members of the snapshot/);
    await sendEvent(a, 'new', 'n', false);
    await rec.waitRecord((r) => r.env.SERF_USER_EVENT === 'new', DEADLINE_MS, 'the new event');
    assert.equal(rec.userEvents('old').length, 1, 'the old event ran once, before the restart');

    // A graceful leave: the next start stays alone.
    await stop(b2, 'SIGTERM');
    assert.match(readFileSync(snapshotFile, 'utf8'), /"left": true/);
    await waitMembers(a, (ms) => stateOf(ms, 'dd-b') === 'left', DEADLINE_MS, 'dd-b left');
    const b3 = await startAgent('dd-b', [...bArgs, '--bind', b1.advertise]);
    await until(
      () => /not rejoining its members/.test(b3.stderr()),
      DEADLINE_MS,
      'the no-rejoin log',
    );
    const alone = await waitMembers(b3, (ms) => ms.length >= 1, DEADLINE_MS, 'members');
    assert.deepEqual(
      alone.map((m) => m.name),
      ['dd-b'],
    );
  });

  it('a flood of undecodable user messages is counted; the agent keeps serving', async () => {
    const rec = new HandlerRecorder(folder());
    const a = await startAgent('fl-a', ['--event-handler', `user=${rec.script}`]);
    const b = await startAgent('fl-b', ['--join', a.advertise]);
    const [host, port] = [a.advertise.split(':')[0]!, Number(a.advertise.split(':')[1])];
    const socket = createSocket('udp4');
    const rng = new Rng(7);
    try {
      for (let i = 0; i < 2_000; i++) {
        // memberlist user message (8) carrying a Serf user event (3), query (4) or
        // query response (5) whose body is random bytes.
        const body = new Uint8Array(8 + rng.int(200));
        for (let j = 0; j < body.length; j++) body[j] = rng.int(256);
        const packet = new Uint8Array([8, 3 + (i % 3), ...body]);
        await new Promise<void>((resolve, reject) =>
          socket.send(packet, port, host, (err) => (err ? reject(err) : resolve())),
        );
      }
    } finally {
      socket.close();
    }
    const metrics = async () => {
      const res = await fetch(`http://${a.http.host}:${a.http.port}/metrics`);
      return res.text();
    };
    const start = performance.now();
    let text = '';
    for (;;) {
      text = await metrics();
      const m = /hearsay_dropped_packets_total\{reason="serf:bad-input"\} (\d+)/.exec(text);
      if (m !== null && Number(m[1]) > 100) break;
      assert.ok(performance.now() - start < DEADLINE_MS, `bad input not counted: ${text}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await sendEvent(b, 'after-flood', 'ok', false);
    await rec.waitRecord(
      (r) => r.env.SERF_USER_EVENT === 'after-flood',
      DEADLINE_MS,
      'an event after the flood',
    );
    const members = await waitMembers(
      b,
      (ms) => stateOf(ms, 'fl-a') === 'alive',
      DEADLINE_MS,
      'fl-a still alive',
    );
    assert.equal(members.length, 2);
    assert.equal(a.child.exitCode, null, 'still running');
  });
});
