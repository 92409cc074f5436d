/**
 * User events and queries between a `hearsay agent` and real HashiCorp Serf agents (Debian's
 * `serf`, through test/support/serf), all on 127.0.0.1 with the local profile, both sides
 * running the same recording handler script (test/agent/handler-recorder.ts) — Serf's
 * `-event-handler` and hearsay's `--event-handler`, the handler contract being Serf's:
 *
 *   - `serf event NAME PAYLOAD` on a Serf agent runs the hearsay agent's handler with that
 *     name, payload and Lamport time;
 *   - an event sent through the hearsay agent runs the Serf agent's handler;
 *   - `serf query` gets acks from both and the hearsay handler's answer;
 *   - a query asked through the hearsay agent gets the Serf agent's ack and its handler's
 *     answer, and node filters keep the others quiet;
 *   - `serf keys` (Serf's key-management internal queries) installs, lists, uses and removes
 *     keys on the hearsay agent too, and gossip carries on under the new key.
 *
 * Skips with the reason when `serf` is missing and cannot be installed.
 */

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { HostPort } from '../../src/agent/config.ts';
import {
  type AgentProcess,
  killStarted,
  startAgent,
  stateOf,
  waitMembers,
} from '../agent/agent-process.ts';
import { HandlerRecorder } from '../agent/handler-recorder.ts';
import { ensureSerf, type SerfAgent, startSerfAgent, waitFor } from '../support/serf/index.ts';

const execFileAsync = promisify(execFile);
const serf = ensureSerf();
const skip = serf.ok ? false : `skipped: ${serf.reason}`;
const DEADLINE_MS = 20_000;

const folder = mkdtempSync(join(tmpdir(), 'hearsay-serf-events-'));
const serfAgents: SerfAgent[] = [];
after(async () => {
  killStarted();
  await Promise.all(serfAgents.map((a) => a.stop()));
  rmSync(folder, { recursive: true, force: true });
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

describe('user events and queries with Serf agents', { skip }, () => {
  const serfRec = new HandlerRecorder(join(folder, 'serf'));
  const hearsayRec = new HandlerRecorder(join(folder, 'hearsay'));
  let s: SerfAgent;
  let h: AgentProcess;

  before(async () => {
    if (!serf.ok) return;
    s = await startSerfAgent({
      name: 'serf-ev',
      profile: 'local',
      tags: { role: 'serf' },
      extraArgs: ['-event-handler', serfRec.script],
    });
    serfAgents.push(s);
    h = await startAgent('hearsay-ev', [
      '--tag',
      'role=hearsay',
      '--event-handler',
      hearsayRec.script,
      '--join',
      s.bindAddr,
    ]);
    await waitMembers(h, (ms) => stateOf(ms, 'serf-ev') === 'alive', DEADLINE_MS, 'serf-ev alive');
    await waitFor(
      async () => (await s.members()).find((m) => m.name === 'hearsay-ev' && m.status === 'alive'),
      { deadlineMs: DEADLINE_MS, what: 'serf-ev lists hearsay-ev alive' },
    );
  });

  it('`serf event` runs the hearsay agent handler with the name, payload and ltime', async () => {
    await s.event('from-serf', 'serf payload');
    const r = await hearsayRec.waitRecord(
      (x) => x.env.SERF_USER_EVENT === 'from-serf',
      DEADLINE_MS,
      'from-serf on hearsay',
    );
    assert.equal(r.env.SERF_EVENT, 'user');
    assert.equal(r.env.SERF_SELF_NAME, 'hearsay-ev');
    assert.equal(r.env.SERF_SELF_ROLE, 'hearsay');
    assert.match(r.env.SERF_USER_LTIME ?? '', /^[0-9]+$/);
    assert.equal(r.stdin, 'serf payload\n');
    // Serf's own handler saw the same event at the same Lamport time.
    const own = await serfRec.waitRecord(
      (x) => x.env.SERF_USER_EVENT === 'from-serf',
      DEADLINE_MS,
      'from-serf on serf',
    );
    assert.equal(own.env.SERF_USER_LTIME, r.env.SERF_USER_LTIME);
  });

  it('an event sent through hearsay runs the Serf agent handler', async () => {
    const { ltime } = await post(h.http, '/v1/events', {
      name: 'from-hearsay',
      payload: 'hearsay payload',
      coalesce: false,
    });
    const r = await serfRec.waitRecord(
      (x) => x.env.SERF_USER_EVENT === 'from-hearsay',
      DEADLINE_MS,
      'from-hearsay on serf',
    );
    assert.equal(r.env.SERF_EVENT, 'user');
    assert.equal(r.env.SERF_SELF_NAME, 'serf-ev');
    assert.equal(r.env.SERF_USER_LTIME, ltime);
    assert.equal(r.stdin, 'hearsay payload\n');
  });

  it('`serf query` gets acks from both and the hearsay handler answer', async () => {
    if (!serf.ok) return;
    const { stdout } = await execFileAsync(
      serf.path,
      ['query', `-rpc-addr=${s.rpcAddr}`, '-format=json', '-timeout=3s', 'uptime', 'asked by serf'],
      { encoding: 'utf8', timeout: 15_000 },
    );
    const result = JSON.parse(stdout) as { Acks: string[]; Responses: Record<string, string> };
    assert.deepEqual([...result.Acks].sort(), ['hearsay-ev', 'serf-ev']);
    assert.equal(result.Responses['hearsay-ev'], 'answer from hearsay-ev to uptime');
    assert.equal(result.Responses['serf-ev'], 'answer from serf-ev to uptime');
    const asked = hearsayRec
      .records()
      .find((x) => x.env.SERF_EVENT === 'query' && x.stdin === 'asked by serf\n');
    assert.ok(asked, 'the hearsay handler got the query payload on stdin');
    assert.equal(asked.env.SERF_QUERY_NAME, 'uptime');
    assert.equal(asked.env.HEARSAY_QUERY_FROM, 'serf-ev');
  });

  it('a query through hearsay gets the Serf agent ack and answer; a node filter', async () => {
    const all = await post(h.http, '/v1/queries', {
      name: 'whoami',
      payload: 'asked by hearsay',
      requestAck: true,
      timeoutMs: 3_000,
    });
    assert.deepEqual([...(all.acks as string[])].sort(), ['hearsay-ev', 'serf-ev']);
    assert.deepEqual(
      (all.responses as { from: string; payload: string }[])
        .map((r) => `${r.from}: ${r.payload}`)
        .sort(),
      ['hearsay-ev: answer from hearsay-ev to whoami', 'serf-ev: answer from serf-ev to whoami'],
    );
    const serfSide = await serfRec.waitRecord(
      (x) => x.env.SERF_QUERY_NAME === 'whoami',
      DEADLINE_MS,
      'whoami on serf',
    );
    assert.equal(serfSide.stdin, 'asked by hearsay\n');
    assert.equal(serfSide.env.SERF_QUERY_LTIME, all.ltime);

    const filtered = await post(h.http, '/v1/queries', {
      name: 'whoami',
      payload: 'only serf',
      requestAck: true,
      filterNodes: ['serf-ev'],
      filterTags: { role: '^serf$' },
      timeoutMs: 3_000,
    });
    assert.deepEqual(filtered.acks, ['serf-ev']);
    assert.deepEqual(filtered.responses, [
      { from: 'serf-ev', payload: 'answer from serf-ev to whoami' },
    ]);
  });
});

describe('serf keys across a mixed encrypted cluster', { skip }, () => {
  const KEY1 = Buffer.alloc(32, 11).toString('base64');
  const KEY2 = Buffer.alloc(32, 12).toString('base64');

  async function keys(s: SerfAgent, ...args: string[]): Promise<string> {
    if (!serf.ok) return '';
    const { stdout } = await execFileAsync(serf.path, ['keys', `-rpc-addr=${s.rpcAddr}`, ...args], {
      encoding: 'utf8',
      timeout: 15_000,
    });
    return stdout;
  }

  async function hearsayKeys(h: AgentProcess): Promise<{ primary: string; keys: string[] }> {
    const res = await fetch(`http://${h.http.host}:${h.http.port}/v1/keys`);
    return (await res.json()) as { primary: string; keys: string[] };
  }

  it('install, list, use, remove reach the hearsay agent; members stay alive', async () => {
    const s = await startSerfAgent({ name: 'serf-keys', profile: 'local', encryptKey: KEY1 });
    serfAgents.push(s);
    const h = await startAgent('hearsay-keys', ['--encrypt', KEY1, '--join', s.bindAddr]);
    await waitMembers(h, (ms) => stateOf(ms, 'serf-keys') === 'alive', DEADLINE_MS, 'joined');
    await waitFor(
      async () =>
        (await s.members()).find((m) => m.name === 'hearsay-keys' && m.status === 'alive'),
      { deadlineMs: DEADLINE_MS, what: 'serf-keys lists hearsay-keys alive' },
    );

    // `serf keys` exits non-zero unless every member answered with success.
    await keys(s, `-install=${KEY2}`);
    assert.deepEqual(await hearsayKeys(h), { primary: KEY1, keys: [KEY1, KEY2] });
    const listed = await keys(s, '-list');
    assert.match(listed, new RegExp(`${KEY1.replaceAll('+', '\\+')}\\s+\\[2/2\\]`));
    assert.match(listed, new RegExp(`${KEY2.replaceAll('+', '\\+')}\\s+\\[2/2\\]`));
    await keys(s, `-use=${KEY2}`);
    assert.equal((await hearsayKeys(h)).primary, KEY2);
    await keys(s, `-remove=${KEY1}`);
    assert.deepEqual(await hearsayKeys(h), { primary: KEY2, keys: [KEY2] });

    // Gossip under the new key alone: a user event still crosses.
    const { ltime } = await post(h.http, '/v1/events', {
      name: 'after-rotation',
      payload: 'k2',
      coalesce: false,
    });
    assert.match(String(ltime), /^[0-9]+$/);
    await waitFor(
      async () =>
        (await s.members()).find((m) => m.name === 'hearsay-keys' && m.status === 'alive'),
      { deadlineMs: DEADLINE_MS, what: 'hearsay-keys still alive after the rotation' },
    );
    await assert.rejects(keys(s, `-remove=${KEY2}`), /primary|Error/);
  });
});
