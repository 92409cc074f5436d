/**
 * `hearsay monitor` against a real HTTP server on 127.0.0.1 over a fake cluster: one
 * readable line per event (user, member, query; control characters escaped), `--json` lines,
 * the agent closing the stream (exit 1, one line), the token, and the real bin stopped by
 * SIGINT (exit 0).
 */

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { memoryIo } from '../../src/cli/io.ts';
import { run } from '../../src/cli/main.ts';
import { eventLine, monitorEvents } from '../../src/cli/monitor-command.ts';
import { CommandFailure } from '../../src/cli/usage-error.ts';
import { listeningSetup, member } from '../agent/fake-cluster.ts';

const BIN = fileURLToPath(new URL('../../bin/hearsay.js', import.meta.url));
const TOKEN = 'monitor-token-0123456789';

let setup: Awaited<ReturnType<typeof listeningSetup>>;

before(async () => {
  setup = await listeningSetup([], { token: TOKEN });
});

after(async () => {
  await setup.app.close();
});

/** Resolves once `test()` holds, checked whenever `io` prints. */
function printed(io: ReturnType<typeof memoryIo>, test: (out: string) => boolean): Promise<void> {
  return new Promise((resolve) => {
    const stdout = io.stdout;
    io.stdout = (text) => {
      stdout(text);
      if (test(io.out.join(''))) resolve();
    };
  });
}

async function sseClients(): Promise<number> {
  return (await setup.metrics.sseClients.get()).values[0]?.value ?? 0;
}

/** Wait (bounded) until the agent has `n` stream clients. */
async function clients(n: number): Promise<void> {
  const deadline = Date.now() + 5_000;
  while ((await sseClients()) !== n && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.equal(await sseClients(), n);
}

describe('hearsay monitor', () => {
  it('one readable line per event until stopped', async () => {
    const io = memoryIo();
    const stop = new AbortController();
    const target = {
      address: { host: '127.0.0.1', port: setup.port },
      token: TOKEN,
    };
    const got = printed(io, (out) => out.split('\n').length > 4);
    await clients(0);
    const done = monitorEvents(target, io, false, stop.signal);
    await clients(1);
    setup.cluster.fireUserEvent({
      name: 'deploy',
      payload: new TextEncoder().encode('v1\n"x"'),
      ltime: 3n,
      coalesce: true,
    });
    setup.cluster.fire({
      type: 'member-join',
      member: member('b\x1b[2J', 7002, 'alive', { role: 'db' }),
    });
    setup.cluster.fireQuery('uptime', new Uint8Array([0xff]), 'b');
    setup.cluster.fire({ type: 'member-failed', member: member('c', 7003, 'failed') });
    await got;
    stop.abort();
    await done;
    const lines = io.out.join('').trimEnd().split('\n');
    const time = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`;
    assert.match(
      lines[0]!,
      new RegExp(`^${time} user deploy ltime=3 coalesce=true payload="v1\\\\n\\\\"x\\\\""$`),
    );
    assert.match(
      lines[1]!,
      new RegExp(`^${time} member-join b\\\\x1b\\[2J 127\\.0\\.0\\.1:7002 alive role=db$`),
    );
    assert.match(
      lines[2]!,
      new RegExp(`^${time} query uptime from=b ltime=\\d+ payloadBase64=/w==$`),
    );
    assert.match(lines[3]!, new RegExp(`^${time} member-failed c 127\\.0\\.0\\.1:7003 failed$`));
  });

  it('--json: each event as one JSON object per line', async () => {
    const io = memoryIo();
    const stop = new AbortController();
    const got = printed(io, (out) => out.split('\n').length > 2);
    await clients(0);
    const done = monitorEvents(
      { address: { host: '127.0.0.1', port: setup.port }, token: TOKEN },
      io,
      true,
      stop.signal,
    );
    await clients(1);
    setup.cluster.fire({ type: 'member-update', member: member('b', 7002) });
    setup.cluster.fire({ type: 'member-reap', member: member('b', 7002, 'left') });
    await got;
    stop.abort();
    await done;
    const objects = io.out
      .join('')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      objects.map((o) => [o.type, (o.member as { state: string }).state]),
      [
        ['member-update', 'alive'],
        ['member-reap', 'left'],
      ],
    );
  });

  it('the agent closing the stream: one line, exit 1', async () => {
    const other = await listeningSetup();
    const io = memoryIo();
    const done = run(['monitor', '--http', other.address], io);
    const deadline = Date.now() + 5_000;
    while (other.cluster.serviceListenerCount < 3 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
    }
    await other.app.close();
    assert.equal(await done, 1);
    assert.equal(
      io.err.join(''),
      `hearsay: the agent at ${other.address} closed the event stream\n`,
    );
  });

  it('a wrong token: 401, one line, exit 1; the stream helper says so too', async () => {
    const r = memoryIo();
    assert.equal(
      await run(['monitor', '--http', setup.address, '--token', 'nope-nope-nope'], r),
      1,
    );
    assert.match(r.err.join(''), /answered 401: wrong token/);
    await assert.rejects(
      monitorEvents(
        { address: { host: '127.0.0.1', port: setup.port } },
        memoryIo(),
        false,
        new AbortController().signal,
      ),
      (e: unknown) => e instanceof CommandFailure && /answered 401/.test(e.message),
    );
  });

  it('a line for an event type it does not know', () => {
    assert.equal(
      eventLine({ event: 'future', data: { time: 'T', x: 1 } }),
      'T future {"time":"T","x":1}\n',
    );
  });

  it('the real bin: token from HEARSAY_HTTP_TOKEN, stopped by SIGINT with exit 0', async () => {
    const child = spawn(process.execPath, [BIN, 'monitor', '--http', setup.address], {
      env: { ...process.env, HEARSAY_HTTP_TOKEN: TOKEN },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const firstLine = new Promise<void>((resolve) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('\n')) resolve();
      });
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    // Keep firing until the child is connected and has printed one event.
    let printedOne = false;
    void firstLine.then(() => {
      printedOne = true;
    });
    const deadline = Date.now() + 15_000;
    while (!printedOne && Date.now() < deadline) {
      setup.cluster.fire({ type: 'member-join', member: member('z', 7009) });
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(printedOne, `no event printed; stderr: ${err}`);
    assert.match(out, /member-join z 127\.0\.0\.1:7009 alive/);
    assert.ok(child.pid !== undefined);
    process.kill(child.pid, 'SIGINT');
    assert.equal(await exited, 0, err);
  });
});
