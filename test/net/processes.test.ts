/**
 * Eight node processes on 127.0.0.1, each a separate OS process running
 * src/net/node-main.ts, driven through their JSON-lines control channels (harness.ts):
 * learn the ports, exchange peer lists, publish at one node, wait (deadline, no sleeps) for
 * every node's `deliver`, read stats, then stop them — and kill by PID whatever did not
 * stop, on failure too. Also: invalid control lines are reported on stderr and ignored.
 */

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, test } from 'node:test';
import { NODE_MAIN_PATH, ProcessCluster } from '../../src/net/harness.ts';

const NODES = 8;
const PERIOD_MS = 50;
const DELIVER_DEADLINE_MS = 5_000;

let cluster: ProcessCluster | undefined;

after(async () => {
  await cluster?.stop();
});

test(`${NODES} processes: a rumor published at one reaches all over push-pull`, async () => {
  cluster = await ProcessCluster.start({
    nodes: NODES,
    seedBase: 1_000,
    args: ['--protocol', 'push-pull', '--period-ms', String(PERIOD_MS)],
    startDeadlineMs: 12_000,
  });
  const ports = cluster.nodes.map((n) => n.port);
  assert.equal(new Set(ports).size, NODES, 'distinct ports');
  assert.deepEqual(
    cluster.nodes.map((n) => n.seed),
    cluster.nodes.map((_, i) => 1_000 + i),
    'each node reports the seed it was given',
  );
  await cluster.connectAll();

  const publishedAtMs = cluster.publish(3, 'proc-1', new TextEncoder().encode('hi'));
  const atMs = await cluster.waitDelivered('proc-1', DELIVER_DEADLINE_MS);
  assert.ok(
    atMs.every((t) => t !== undefined),
    `not delivered at nodes ${atMs.flatMap((t, i) => (t === undefined ? [i] : []))}`,
  );
  const lastMs = Math.max(...(atMs as number[])) - publishedAtMs;
  assert.ok(lastMs >= 0 && lastMs < DELIVER_DEADLINE_MS, `last delivery after ${lastMs} ms`);
  const hops = cluster.nodes.map(
    (n) => n.events.find((e) => e.event === 'deliver' && e.id === 'proc-1')!.hops as number,
  );
  assert.equal(hops[3], 0, 'the publisher delivers at hop 0');
  assert.ok(hops.every((h, i) => i === 3 || h >= 1));

  const stats = await cluster.stats();
  for (const s of stats) {
    assert.equal(s.peers, NODES - 1);
    assert.ok(s.out.messages > 0);
    assert.equal(s.dropped, 0);
    assert.equal(s.events.deliver, 1);
  }

  await cluster.stop();
  assert.deepEqual(
    cluster.nodes.map((n) => n.exitCode),
    Array(NODES).fill(0),
    'every node stopped cleanly',
  );
  assert.ok(cluster.nodes.every((n) => n.events.at(-1)?.event === 'stopped'));
});

test('invalid control lines are reported on stderr and the node keeps running', async () => {
  const child = spawn(process.execPath, [NODE_MAIN_PATH, '--bind', '127.0.0.1:0', '--control'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  try {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.stdin.write('not json\n{"cmd":"fly"}\n{"cmd":"publish","id":"x","data":"@@"}\n');
    child.stdin.write('{"cmd":"peers","peers":["localhost:1"]}\n{"cmd":"stats"}\n');
    // `stats` is answered after the bad lines: the node survived all four.
    const deadline = Date.now() + 10_000;
    while (!stdout.includes('"event":"stats"')) {
      assert.ok(Date.now() < deadline, `no stats reply; stderr: ${stderr}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const errorLines = stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { event: string; code: string; message: string });
    assert.deepEqual(
      errorLines.map((e) => e.code),
      [
        'HEARSAY_ERR_CONTROL_INVALID',
        'HEARSAY_ERR_CONTROL_INVALID',
        'HEARSAY_ERR_CONTROL_INVALID',
        'HEARSAY_ERR_CONTROL_INVALID',
      ],
    );
    assert.match(errorLines[1]!.message, /unknown cmd "fly"/);
    assert.match(errorLines[3]!.message, /peers: expected IPV4:PORT/);
    child.stdin.end(); // stdin closing stops a control-mode node
    assert.equal(await exited, 0);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});

test('SIGTERM stops a node cleanly: exit code 0', async () => {
  const child = spawn(process.execPath, [NODE_MAIN_PATH, '--bind', '127.0.0.1:0', '--control'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  try {
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no listening line')), 10_000);
      child.stdout.on('data', (c: Buffer) => {
        if (c.toString().includes('"event":"listening"')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    process.kill(child.pid!, 'SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});
