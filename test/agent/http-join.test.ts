/**
 * `POST /v1/join` over a fake cluster: the addresses reach `cluster.join` as given and the
 * answer is `{joined}`; every malformed body is a 400 naming the field and never reaches the
 * cluster (bad addresses as `--join` words them, too many, `replay: true`); no seed answering
 * is a 502 naming the seeds and why, a join past the route's bound a 504, a full queue of
 * joins a 503, a client hanging up aborts the wait, a fault of ours a logged 500; the token
 * is required like everywhere under /v1/. A property holds that no body makes the route answer
 * 5xx, except the 502 a failing cluster is meant to give.
 *
 * Then two real agents (bin/hearsay.js, 127.0.0.1, port 0): one joins the other through the
 * endpoint (by `hearsay join`) and both list both alive; a join to a port where nothing
 * listens is a 502 naming that port.
 */

import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import type { AgentMember } from '../../src/agent/cluster.ts';
import { registerJoinRoute } from '../../src/agent/http/join-route.ts';
import { listenHttp } from '../../src/agent/http/server.ts';
import { memoryIo } from '../../src/cli/io.ts';
import { run } from '../../src/cli/main.ts';
import { killStarted, startAgent, stateOf, waitMembers } from './agent-process.ts';
import {
  bareApp as emptyApp,
  FakeCluster,
  member,
  refusedJoin,
  httpSetup as setup,
} from './fake-cluster.ts';

after(killStarted);

function post(body: unknown, headers: Record<string, string> = {}) {
  return {
    method: 'POST' as const,
    url: '/v1/join',
    headers: { 'content-type': 'application/json', ...headers },
    payload: JSON.stringify(body),
  };
}

/** A promise and the functions that settle it, for a join the test finishes by hand. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}

/** A bare app with only the join route, for limits the full server does not expose. */
function bareApp(cluster: FakeCluster, timeoutMs: number, inFlightMax: number) {
  const app = emptyApp();
  registerJoinRoute(app, cluster, { timeoutMs, inFlightMax });
  return app;
}

describe('POST /v1/join', () => {
  it('passes the addresses to cluster.join and answers {joined}', async () => {
    const { app, cluster } = setup();
    cluster.joinImpl = async (seeds) => seeds.length - 1;
    const res = await app.inject(post({ addrs: ['127.0.0.1:7947', ' 10.0.0.2:8000 '] }));
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { joined: 1 });
    assert.deepEqual(cluster.calls, ['join 127.0.0.1:7947,10.0.0.2:8000']);
    const again = await app.inject(post({ addrs: ['127.0.0.1:7947'], replay: false }));
    assert.deepEqual(again.json(), { joined: 0 });
    await app.close();
  });

  it('a malformed body is a 400 naming the field, and the cluster is not asked', async () => {
    const { app, cluster } = setup();
    const cases: [unknown, RegExp][] = [
      [{}, /^body must have required property 'addrs'/],
      [{ addrs: [] }, /^body\/addrs must NOT have fewer than 1 items/],
      [{ addrs: '127.0.0.1:7946' }, /^body\/addrs must be array/],
      [{ addrs: [7946] }, /^body\/addrs\/0 must be string/],
      [
        { addrs: Array.from({ length: 65 }, (_, i) => `127.0.0.1:${7000 + i}`) },
        /^body\/addrs must NOT have more than 64 items/,
      ],
      [{ addrs: ['127.0.0.1:7946'], coalesce: true }, /^body must NOT have additional properties/],
      [{ addrs: ['127.0.0.1:7946'], replay: 'no' }, /^body\/replay must be boolean/],
      [
        { addrs: ['127.0.0.1:7946'], replay: true },
        /^body\/replay must be false: this agent joins without replaying old user events/,
      ],
      [{ addrs: ['127.0.0.1:7946', 'localhost:7946'] }, /^body\/addrs\/1 must be IPV4:PORT/],
      [{ addrs: ['127.0.0.1'] }, /^body\/addrs\/0 must be IPV4:PORT .*got "127\.0\.0\.1"/],
      [{ addrs: ['127.0.0.1:0'] }, /^body\/addrs\/0 must be IPV4:PORT with PORT in \[1, 65535\]/],
      [{ addrs: ['127.0.0.1:65536'] }, /^body\/addrs\/0 must be IPV4:PORT/],
      [{ addrs: ['[::1]:7946'] }, /^body\/addrs\/0 must be IPV4:PORT/],
      [{ addrs: [`127.0.0.1:${'7'.repeat(70)}`] }, /^body\/addrs\/0 must NOT have more than 64/],
    ];
    for (const [body, message] of cases) {
      const res = await app.inject(post(body));
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      const answer = res.json() as { statusCode: number; error: string; message: string };
      assert.equal(answer.statusCode, 400);
      assert.equal(answer.error, 'Bad Request');
      assert.match(answer.message, message, JSON.stringify(body));
    }
    assert.deepEqual(cluster.calls, []);
    await app.close();
  });

  it('no seed answered: 502 Bad Gateway with each seed and why', async () => {
    const { app, cluster, sink } = setup();
    cluster.joinImpl = async (seeds) => {
      throw refusedJoin(seeds);
    };
    const res = await app.inject(post({ addrs: ['127.0.0.1:1', '127.0.0.1:2'] }));
    assert.equal(res.statusCode, 502);
    const body = res.json() as { statusCode: number; error: string; message: string };
    assert.equal(body.statusCode, 502);
    assert.equal(body.error, 'Bad Gateway');
    assert.match(body.message, /^join failed: none of the 2 seed\(s\) answered\n/);
    assert.match(body.message, /127\.0\.0\.1:1: connect ECONNREFUSED — nothing listens there/);
    assert.match(body.message, /127\.0\.0\.1:2: connect ECONNREFUSED/);
    const logged = sink.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(logged.some((l) => l.msg === 'join failed (POST /v1/join)' && l.level === 30));
    assert.ok(!logged.some((l) => l.msg === 'http handler failed'), 'not a fault of the agent');
    await app.close();
  });

  it('a fault of the cluster (not the seeds) is a 500 whose details go to the log', async () => {
    const { app, cluster, sink } = setup();
    cluster.joinImpl = async () => {
      throw new Error('address book exploded');
    };
    const res = await app.inject(post({ addrs: ['127.0.0.1:7947'] }));
    assert.equal(res.statusCode, 500);
    assert.doesNotMatch(res.body, /exploded/);
    assert.ok(sink.lines.some((l) => l.includes('http handler failed') && l.includes('exploded')));
    await app.close();
  });

  it('a join that outlives the bound is a 504 naming the seeds', async () => {
    const cluster = new FakeCluster(member('m-self', 7946));
    let signalSeen: AbortSignal | undefined;
    cluster.joinImpl = (_seeds, signal) =>
      new Promise((_ok, fail) => {
        signalSeen = signal;
        signal?.addEventListener('abort', () => fail(signal.reason), { once: true });
      });
    const app = bareApp(cluster, 30, 4);
    const res = await app.inject(post({ addrs: ['127.0.0.1:7947'] }));
    assert.equal(res.statusCode, 504);
    assert.deepEqual(res.json(), {
      statusCode: 504,
      error: 'Gateway Timeout',
      message: 'join 127.0.0.1:7947: no answer within 30 ms',
    });
    assert.equal(signalSeen?.aborted, true);
    await app.close();
  });

  it('joins waiting at once are bounded: the next is a 503 until one finishes', async () => {
    const cluster = new FakeCluster(member('m-self', 7946));
    const first = deferred<number>();
    let started = deferred<void>();
    cluster.joinImpl = () => {
      started.resolve();
      return first.promise;
    };
    const app = bareApp(cluster, 60_000, 1);
    const pending = app.inject(post({ addrs: ['127.0.0.1:7947'] }));
    await started.promise;
    const busy = await app.inject(post({ addrs: ['127.0.0.1:7948'] }));
    assert.equal(busy.statusCode, 503);
    assert.match((busy.json() as { message: string }).message, /too many joins in progress/);
    first.resolve(1);
    assert.deepEqual((await pending).json(), { joined: 1 });
    started = deferred<void>();
    cluster.joinImpl = async () => 1;
    assert.equal((await app.inject(post({ addrs: ['127.0.0.1:7948'] }))).statusCode, 200);
    assert.deepEqual(cluster.calls, ['join 127.0.0.1:7947', 'join 127.0.0.1:7948']);
    await app.close();
  });

  it('a client that hangs up aborts the wait for its join', async () => {
    const cluster = new FakeCluster(member('m-self', 7946));
    const called = deferred<AbortSignal>();
    cluster.joinImpl = (_seeds, signal) => {
      called.resolve(signal!);
      return new Promise((_ok, fail) =>
        signal?.addEventListener('abort', () => fail(signal.reason), { once: true }),
      );
    };
    const app = bareApp(cluster, 60_000, 4);
    const { port } = await listenHttp(app, { host: '127.0.0.1', port: 0 });
    const req = request({
      host: '127.0.0.1',
      port,
      path: '/v1/join',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    req.on('error', () => {});
    req.end(JSON.stringify({ addrs: ['127.0.0.1:7947'] }));
    const signal = await called.promise;
    assert.equal(signal.aborted, false);
    const aborted = new Promise<void>((ok) =>
      signal.addEventListener('abort', () => ok(), { once: true }),
    );
    req.destroy();
    await aborted;
    assert.equal(signal.aborted, true);
    await app.close();
  });

  it('needs the token when the agent has one', async () => {
    const token = 'join-test-token-0123456789';
    const { app, cluster } = setup([], { token });
    const res = await app.inject(post({ addrs: ['127.0.0.1:7947'] }));
    assert.equal(res.statusCode, 401);
    assert.deepEqual(cluster.calls, []);
    const ok = await app.inject(
      post({ addrs: ['127.0.0.1:7947'] }, { authorization: `Bearer ${token}` }),
    );
    assert.deepEqual(ok.json(), { joined: 1 });
    await app.close();
  });

  it('property: no body is answered 5xx; a failing cluster gives only the 502 meant for it', async () => {
    const ok = setup();
    const failing = setup();
    failing.cluster.joinImpl = async (seeds) => {
      throw refusedJoin(seeds);
    };
    const addr = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc
        .tuple(fc.ipV4(), fc.integer({ min: -1, max: 70_000 }))
        .map(([ip, port]) => `${ip}:${port}`),
    );
    const body = fc.oneof(
      fc.jsonValue(),
      fc.dictionary(fc.constantFrom('addrs', 'replay', 'x', '__proto__'), fc.jsonValue(), {
        maxKeys: 3,
      }),
      fc.record(
        { addrs: fc.array(addr, { maxLength: 70 }), replay: fc.jsonValue() },
        { requiredKeys: ['addrs'] },
      ),
    );
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const good = await ok.app.inject(post(b));
        assert.ok(good.statusCode < 500, `${JSON.stringify(b)}: ${good.body}`);
        JSON.parse(good.body);
        if (good.statusCode === 200) accepted++;
        const bad = await failing.app.inject(post(b));
        assert.ok(
          bad.statusCode < 500 || bad.statusCode === 502,
          `${JSON.stringify(b)}: ${bad.body}`,
        );
        assert.equal(bad.statusCode === 502, good.statusCode === 200);
      }),
      { seed: 11, numRuns: 300 },
    );
    assert.ok(accepted > 0, 'some generated bodies were valid joins');
    await ok.app.close();
    await failing.app.close();
  });
});

/** A TCP port on 127.0.0.1 that was free a moment ago: nothing listens there. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  await new Promise<void>((ok) => server.close(() => ok()));
  return port;
}

describe('POST /v1/join between real agents', () => {
  it('an agent started alone joins another through `hearsay join`; both list both alive', async () => {
    const [a, b] = await Promise.all([startAgent('join-a'), startAgent('join-b')]);
    const io = memoryIo();
    const code = await run(['join', a.advertise, '--http', `127.0.0.1:${b.http.port}`], io);
    assert.equal(code, 0, io.err.join(''));
    assert.equal(io.out.join(''), 'Successfully joined cluster by contacting 1 nodes.\n');
    const both = (ms: AgentMember[]) =>
      stateOf(ms, 'join-a') === 'alive' && stateOf(ms, 'join-b') === 'alive';
    await waitMembers(a, both, 15_000, 'join-a and join-b alive');
    await waitMembers(b, both, 15_000, 'join-a and join-b alive');

    const dead = `127.0.0.1:${await closedPort()}`;
    const res = await fetch(`http://127.0.0.1:${b.http.port}/v1/join`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ addrs: [dead] }),
      signal: AbortSignal.timeout(15_000),
    });
    assert.equal(res.status, 502);
    const body = (await res.json()) as { message: string };
    assert.ok(body.message.includes(dead), body.message);
    assert.match(body.message, /nothing listens there/);
    a.child.kill('SIGKILL');
    b.child.kill('SIGKILL');
    await Promise.all([a.exited, b.exited]);
  });
});
