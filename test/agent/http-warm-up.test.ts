/** The HTTP API's warm-up: requests to itself before the agent is announced, left uncounted. */

import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { listenHttp, warmUpHttpServer } from '../../src/agent/http/server.ts';
import {
  loopbackOf,
  requestText,
  WARM_UP_REQUESTS,
  WARM_UP_ROUNDS,
  warmUpHttpApi,
} from '../../src/agent/http/warm-up.ts';
import { httpSetup } from './fake-cluster.ts';

const TOKEN = 's3cret-token-0123456789';

async function counted(setup: ReturnType<typeof httpSetup>): Promise<number> {
  const { values } = await setup.metrics.httpRequests.get();
  return values.reduce((sum, v) => sum + v.value, 0);
}

function httpRequestLines(setup: ReturnType<typeof httpSetup>): number {
  return setup.sink.lines.filter((l) => (JSON.parse(l) as { msg?: string }).msg === 'http request')
    .length;
}

/** Counts the cluster's member-list reads from now on; returns the count's reader. */
function countMembersReads(setup: ReturnType<typeof httpSetup>): () => number {
  let reads = 0;
  const members = setup.cluster.members.bind(setup.cluster);
  setup.cluster.members = () => {
    reads += 1;
    return members();
  };
  return () => reads;
}

describe('HTTP API warm-up', () => {
  it('runs each request every round through the real routes, uncounted and unlogged', async () => {
    const setup = httpSetup();
    const membersRead = countMembersReads(setup);
    const address = await listenHttp(setup.app, { host: '127.0.0.1', port: 0 });
    const answered = await warmUpHttpServer(setup.app, address);
    assert.equal(answered, WARM_UP_ROUNDS * WARM_UP_REQUESTS.length);
    assert.equal(membersRead(), WARM_UP_ROUNDS);
    assert.equal(await counted(setup), 0);
    assert.equal(httpRequestLines(setup), 0);
    assert.ok(!setup.cluster.calls.some((c) => c.startsWith('join')), 'no join was tried');

    // A client's request afterwards is counted and logged as ever.
    const res = await fetch(`http://127.0.0.1:${address.port}/v1/members`);
    assert.equal(res.status, 200);
    await res.text();
    assert.equal(await counted(setup), 1);
    assert.equal(httpRequestLines(setup), 1);
    await setup.app.close();
  });

  it('carries the token when the API requires one', async () => {
    const setup = httpSetup([], { token: TOKEN });
    const membersRead = countMembersReads(setup);
    const address = await listenHttp(setup.app, { host: '127.0.0.1', port: 0 });
    assert.equal(await warmUpHttpServer(setup.app, address), WARM_UP_ROUNDS * 2);
    assert.equal(membersRead(), WARM_UP_ROUNDS, 'the members route was reached, not a 401');
    await setup.app.close();
  });

  it('a request with a wrong mark is counted like any other', async () => {
    const setup = httpSetup();
    const address = await listenHttp(setup.app, { host: '127.0.0.1', port: 0 });
    const res = await fetch(`http://127.0.0.1:${address.port}/v1/members`, {
      headers: { 'x-hearsay-warm-up': 'guess' },
    });
    await res.text();
    assert.equal(await counted(setup), 1);
    await setup.app.close();
  });

  it('ends early, answering 0, when nothing listens or nothing answers in time', async () => {
    // Reads what it is sent (so it sees the client go) and never answers.
    const silent = createServer((socket) => socket.resume()).listen(0, '127.0.0.1');
    await new Promise((resolve) => silent.once('listening', resolve));
    const port = (silent.address() as { port: number }).port;
    const started = performance.now();
    assert.equal(await warmUpHttpApi({ host: '127.0.0.1', port }, { deadlineMs: 200 }), 0);
    assert.ok(performance.now() - started < 2_000, 'bounded by its deadline');
    await new Promise((resolve) => silent.close(resolve));
    // The port is free now: the connection is refused.
    assert.equal(await warmUpHttpApi({ host: '127.0.0.1', port }, { deadlineMs: 1_000 }), 0);
  });

  it('writes plain HTTP/1.1 to loopback for a wildcard address', () => {
    assert.deepEqual(loopbackOf({ host: '0.0.0.0', port: 7 }), { host: '127.0.0.1', port: 7 });
    assert.deepEqual(loopbackOf({ host: '::', port: 7 }), { host: '::1', port: 7 });
    assert.deepEqual(loopbackOf({ host: '10.0.0.2', port: 7 }), { host: '10.0.0.2', port: 7 });
    assert.equal(
      requestText({ method: 'POST', path: '/v1/join', body: '{"a":"é"}' }, 'h:1', { x: 'y' }),
      'POST /v1/join HTTP/1.1\r\nhost: h:1\r\nconnection: close\r\nx: y\r\n' +
        'content-type: application/json\r\ncontent-length: 10\r\n\r\n{"a":"é"}',
    );
  });
});
