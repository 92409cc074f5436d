/**
 * The HTTP API over a fake cluster: `GET /v1/members` shape and order, JSON errors for
 * unknown routes and methods, a cluster fault as a 500 that logs and does not leak, and a
 * server that survives malformed HTTP on a real socket.
 */

import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import type { AgentMember } from '../../src/agent/cluster.ts';
import { buildHttpServer, listenHttp } from '../../src/agent/http/server.ts';
import { createAgentLogger } from '../../src/agent/log.ts';
import { FakeCluster, logSink, member } from './fake-cluster.ts';

function setup(others: AgentMember[] = []) {
  const sink = logSink();
  const logger = createAgentLogger({
    level: 'debug',
    json: true,
    nodeName: 'a',
    write: sink.write,
  });
  const cluster = new FakeCluster(member('m-self', 7946, 'alive', { role: 'web' }), others);
  const app = buildHttpServer({ cluster, logger });
  return { app, cluster, sink };
}

describe('agent HTTP API', () => {
  it('GET /v1/members: every member as {name, addr, port, tags, state}, sorted by name', async () => {
    const { app } = setup([
      member('c', 7003, 'failed'),
      member('b', 7002, 'suspect', { dc: 'x' }),
      member('d', 7004, 'left'),
      member('a', 7001, 'leaving'),
    ]);
    const res = await app.inject({ method: 'GET', url: '/v1/members' });
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /^application\/json/);
    const body = res.json() as AgentMember[];
    assert.deepEqual(
      body.map((m) => m.name),
      ['a', 'b', 'c', 'd', 'm-self'],
    );
    assert.deepEqual(body[1], {
      name: 'b',
      addr: '127.0.0.1',
      port: 7002,
      tags: { dc: 'x' },
      state: 'suspect',
    });
    assert.deepEqual(body[4], {
      name: 'm-self',
      addr: '127.0.0.1',
      port: 7946,
      tags: { role: 'web' },
      state: 'alive',
    });
    for (const m of body)
      assert.deepEqual(Object.keys(m).sort(), ['addr', 'name', 'port', 'state', 'tags']);
    await app.close();
  });

  it('fields the cluster adds beyond the schema do not leak into the API', async () => {
    const extra = { ...member('x', 1), incarnation: 9, secret: 's' } as AgentMember;
    const { app } = setup([extra]);
    const body = (await app.inject({ url: '/v1/members' })).json() as Record<string, unknown>[];
    assert.equal(body.find((m) => m.name === 'x')?.secret, undefined);
    assert.equal(body.find((m) => m.name === 'x')?.incarnation, undefined);
    await app.close();
  });

  it('unknown routes and methods: 404 with a JSON body', async () => {
    const { app } = setup();
    for (const [method, url] of [
      ['GET', '/'],
      ['GET', '/v1/nope'],
      ['POST', '/v1/members'],
      ['DELETE', '/v1/members'],
      ['GET', `/${'x'.repeat(5000)}`],
    ] as const) {
      const res = await app.inject({ method, url });
      assert.equal(res.statusCode, 404, `${method} ${url.slice(0, 20)}`);
      const body = res.json() as { statusCode: number; error: string; message: string };
      assert.equal(body.statusCode, 404);
      assert.equal(body.error, 'Not Found');
      assert.match(body.message, new RegExp(`^no route ${method} /`));
      assert.ok(body.message.length < 300, 'the echoed URL is cut short');
    }
    await app.close();
  });

  it('a malformed URL is a 400 with a JSON body', async () => {
    const { app } = setup();
    for (const url of ['/v1/members%', '/v1/%zz']) {
      const res = await app.inject({ url });
      assert.equal(res.statusCode, 400, url);
      const body = res.json() as { statusCode: number; error: string };
      assert.equal(body.statusCode, 400);
      assert.equal(body.error, 'Bad Request');
    }
    await app.close();
  });

  it('a fault in the cluster is a 500 whose details go to the log, not the client', async () => {
    const { app, cluster, sink } = setup();
    cluster.members = () => {
      throw new Error('table exploded: internal detail');
    };
    const res = await app.inject({ url: '/v1/members' });
    assert.equal(res.statusCode, 500);
    assert.deepEqual(res.json(), {
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'internal error; see the agent log',
    });
    const logged = sink.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const entry = logged.find((l) => l.msg === 'http handler failed');
    assert.ok(entry, 'the failure is logged');
    assert.equal(entry.level, 50);
    assert.match(JSON.stringify(entry.err), /table exploded/);
    // The next request is served normally.
    cluster.members = () => [member('m-self', 7946)];
    assert.equal((await app.inject({ url: '/v1/members' })).statusCode, 200);
    await app.close();
  });

  it('each request is logged once at debug, not at info', async () => {
    const { app, sink } = setup();
    await app.inject({ url: '/v1/members' });
    const logged = sink.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const requests = logged.filter((l) => l.msg === 'http request');
    assert.equal(requests.length, 1);
    assert.equal(requests[0]!.level, 20);
    assert.equal(requests[0]!.statusCode, 200);
    assert.ok(!logged.some((l) => l.level === 30), 'nothing at info for a request');
    await app.close();
  });

  it('garbage on the socket gets a 400 and the server keeps serving', async () => {
    const { app } = setup();
    const bound = await listenHttp(app, { host: '127.0.0.1', port: 0 });
    assert.equal(bound.host, '127.0.0.1');
    assert.ok(bound.port > 0);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(bound.port, bound.host, () => {
        socket.write('\x00\x01GARBAGE \xff\xfe HTTP/9\r\n\r\n');
      });
      let text = '';
      socket.on('data', (c: Buffer) => {
        text += c.toString('latin1');
      });
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    assert.match(answer, /^HTTP\/1\.1 400/);
    const res = await fetch(`http://127.0.0.1:${bound.port}/v1/members`);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as unknown[]).length, 1);
    await app.close();
  });
});
