/**
 * The HTTP app under the API (src/agent/http/app.ts, router.ts, request-body.ts) on its own:
 * routing and its refusals, bodies and their limits, the answer's shapes, the hooks, and
 * closing — each over a real loopback socket.
 */

import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { type HttpApp, HttpReply } from '../../src/agent/http/app.ts';
import { HttpError } from '../../src/agent/http/errors.ts';
import { Router } from '../../src/agent/http/router.ts';
import { bareApp } from './fake-cluster.ts';

/** Raw bytes to the app's port; resolves with everything it answered until it closed. */
function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let text = '';
    socket.on('data', (c: Buffer) => {
      text += c.toString('latin1');
    });
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

async function listening(app: HttpApp): Promise<number> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return (app.server.address() as AddressInfo).port;
}

function echoApp(): HttpApp {
  const app = bareApp();
  app.post(
    '/echo',
    {
      schema: {
        body: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: { name: { type: 'string', maxLength: 8 }, n: { type: 'integer' } },
        },
        response: { 200: { type: 'object', properties: { name: { type: 'string' } } } },
      },
    },
    async (request) => ({ ...(request.body as object), extra: 'cut by the response schema' }),
  );
  app.delete('/echo', async (request) => ({ got: request.body ?? null }));
  app.get('/files/*', async (request) => ({ rest: request.params['*'] }));
  app.get('/query', async (request) => ({ query: { ...request.query } }));
  app.get('/text', async (_request, reply) => reply.type('text/plain; version=0.0.4').send('ok\n'));
  app.get('/teapot', async () => {
    throw new HttpError(418, 'short and stout');
  });
  app.get('/nothing', async () => undefined);
  app.get('/bigint', async () => ({ n: 1n }));
  return app;
}

describe('HTTP app', () => {
  it('routes by method and exact path; a body is checked, and the answer cut to its schema', async () => {
    const app = echoApp();
    const ok = await app.inject({ method: 'POST', url: '/echo', payload: { name: 'a', n: 1 } });
    assert.equal(ok.statusCode, 200);
    assert.match(String(ok.headers['content-type']), /^application\/json/);
    assert.deepEqual(ok.json(), { name: 'a' });
    const bad = await app.inject({ method: 'POST', url: '/echo', payload: { name: 5 } });
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(bad.json(), {
      statusCode: 400,
      error: 'Bad Request',
      message: 'body/name must be string',
    });
    const none = await app.inject({ method: 'POST', url: '/echo' });
    assert.equal(none.statusCode, 400);
    assert.equal((none.json() as { message: string }).message, 'body must be object');
    for (const url of ['/echo/', '//echo', '/ECHO', '/echo;x']) {
      assert.equal((await app.inject({ method: 'POST', url, payload: {} })).statusCode, 404, url);
    }
    assert.equal((await app.inject({ method: 'PUT', url: '/echo', payload: {} })).statusCode, 404);
    await app.close();
  });

  it('paths are matched decoded; one that does not decode is a 400', async () => {
    const app = echoApp();
    const decoded = await app.inject({ url: '/%66iles/a%20b' });
    assert.deepEqual(decoded.json(), { rest: 'a b' });
    for (const url of ['/files/%', '/files/%zz', '/%E0%A4%A']) {
      const res = await app.inject({ url });
      assert.equal(res.statusCode, 400, url);
      assert.match((res.json() as { message: string }).message, /^malformed URL/);
    }
    await app.close();
  });

  it('a wildcard takes the rest of the path, up to the parameter limit (414 beyond)', async () => {
    const app = echoApp();
    assert.deepEqual((await app.inject({ url: '/files/a/b.js' })).json(), { rest: 'a/b.js' });
    assert.deepEqual((await app.inject({ url: '/files/' })).json(), { rest: '' });
    assert.equal((await app.inject({ url: '/files' })).statusCode, 404);
    const long = await app.inject({ url: `/files/${'x'.repeat(257)}` });
    assert.equal(long.statusCode, 414);
    assert.equal((await app.inject({ url: `/files/${'x'.repeat(256)}` })).statusCode, 200);
    await app.close();
  });

  it('HEAD answers a GET route without a body', async () => {
    const app = echoApp();
    const res = await app.inject({ method: 'HEAD', url: '/text' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, '');
    assert.equal(res.headers['content-length'], '3');
    await app.close();
  });

  it('a repeated query parameter is an array', async () => {
    const app = echoApp();
    const res = await app.inject({ url: '/query?tag=a&tag=b&x=1&y' });
    assert.deepEqual(res.json(), { query: { tag: ['a', 'b'], x: '1', y: '' } });
    await app.close();
  });

  it('bodies: JSON only (415), not empty, parseable, no prototype keys (400)', async () => {
    const app = echoApp();
    const cases: [Record<string, string>, string, number, RegExp][] = [
      [{}, 'name=a', 415, /Unsupported Media Type: none given/],
      [{ 'content-type': 'text/plain' }, '{"name":"a"}', 415, /text\/plain/],
      [{ 'content-type': 'application/json' }, '', 400, /Body cannot be empty/],
      [{ 'content-type': 'application/json' }, '{"name":', 400, /not valid JSON/],
      [{ 'content-type': 'application/json' }, '{"__proto__":{"x":1}}', 400, /prototype/],
      [
        { 'content-type': 'application/json' },
        '[{"constructor":{"prototype":{"x":1}}}]',
        400,
        /prototype/,
      ],
    ];
    for (const [headers, payload, status, message] of cases) {
      const res = await app.inject({ method: 'DELETE', url: '/echo', headers, payload });
      assert.equal(res.statusCode, status, payload);
      assert.match((res.json() as { message: string }).message, message);
    }
    const charset = await app.inject({
      method: 'DELETE',
      url: '/echo',
      headers: { 'content-type': 'Application/JSON; charset=utf-8' },
      payload: '{"prototype":1,"constructor":"x"}',
    });
    assert.deepEqual(charset.json(), { got: { prototype: 1, constructor: 'x' } });
    await app.close();
  });

  it('a body over the limit is a 413, declared or chunked, and the server keeps serving', async () => {
    const app = echoApp();
    const port = await listening(app);
    const big = JSON.stringify({ name: 'x'.repeat(70_000) });
    const declared = await rawExchange(
      port,
      `POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${big.length}\r\n\r\n`,
    );
    assert.match(declared, /^HTTP\/1\.1 413 /);
    assert.match(declared, /"error":"Payload Too Large"/);
    const chunk = (s: string) => `${s.length.toString(16)}\r\n${s}\r\n`;
    const chunked = await rawExchange(
      port,
      'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n' +
        chunk(big.slice(0, 40_000)) +
        chunk(big.slice(40_000)) +
        '0\r\n\r\n',
    );
    assert.match(chunked, /^HTTP\/1\.1 413 /);
    assert.equal(
      (await app.inject({ method: 'POST', url: '/echo', payload: { name: 'ok' } })).statusCode,
      200,
    );
    await app.close();
  });

  it('bad HTTP is a JSON 400 and the connection closes', async () => {
    const app = echoApp();
    const port = await listening(app);
    const answer = await rawExchange(port, 'NOT HTTP AT ALL\r\n\r\n');
    assert.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n/);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as {
      statusCode: number;
      message: string;
    };
    assert.equal(body.statusCode, 400);
    assert.match(body.message, /^malformed HTTP request/);
    await app.close();
  });

  it('errors: an HttpError is its status and message; no answer, or one that is not JSON, is a 500', async () => {
    const app = echoApp();
    assert.deepEqual((await app.inject({ url: '/teapot' })).json(), {
      statusCode: 418,
      error: 'Error',
      message: 'short and stout',
    });
    const unserializable = await app.inject({ url: '/bigint' });
    assert.equal(unserializable.statusCode, 500);
    assert.equal((unserializable.json() as { statusCode: number }).statusCode, 500);
    const empty = await app.inject({ url: '/nothing' });
    assert.equal(empty.statusCode, 500);
    assert.equal(
      (empty.json() as { message: string }).message,
      'internal error; see the agent log',
    );
    await app.close();
  });

  it('hooks: onRequest may answer first; onResponse sees the route and status', async () => {
    const app = echoApp();
    const seen: string[] = [];
    app.addHook('onRequest', async (request, reply) => {
      if (request.headers['x-stop'] !== undefined) reply.code(401).send({ stopped: true });
    });
    app.addHook('onResponse', (request, reply) => {
      seen.push(`${request.method} ${request.route ?? 'none'} ${reply.statusCode}`);
    });
    assert.equal((await app.inject({ url: '/text', headers: { 'x-stop': '1' } })).statusCode, 401);
    await app.inject({ url: '/text' });
    await app.inject({ url: '/missing' });
    assert.deepEqual(seen, ['GET /text 401', 'GET /text 200', 'GET none 404']);
    await app.close();
  });

  it('a reply is sent once', () => {
    const writes: unknown[] = [];
    const raw = {
      writeHead: (...a: unknown[]) => writes.push(a),
      end: (b: unknown) => writes.push(b),
    };
    const reply = new HttpReply(raw as never, undefined, () => {});
    reply.code(201).send({ a: 1 });
    assert.equal(reply.sent, true);
    assert.throws(() => reply.send({ b: 2 }), /already sent/);
    assert.deepEqual(writes, [
      [201, { 'content-type': 'application/json; charset=utf-8', 'content-length': '7' }],
      '{"a":1}',
    ]);
  });

  it('closing: open keep-alive connections are dropped, and the close does not wait on them', async () => {
    const app = echoApp();
    const port = await listening(app);
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('GET /text HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await app.close();
    await ended;
    assert.equal(app.server.listening, false);
  });

  it('the route table refuses what it cannot match', () => {
    const router = new Router<string>(10);
    router.add('GET', '/a', 'a');
    router.add('GET', '/ui/*', 'ui');
    assert.throws(() => router.add('GET', '/a', 'again'), /registered twice/);
    assert.throws(() => router.add('GET', '/x/*/y', 'mid'), /trailing/);
    assert.throws(() => router.add('GET', 'a', 'rel'), /starts with/);
    assert.deepEqual(router.find('HEAD', '/a'), {
      kind: 'found',
      match: { route: 'a', params: {} },
    });
    assert.deepEqual(router.find('POST', '/a'), { kind: 'none' });
    assert.deepEqual(router.find('GET', '/ui/%zz'), { kind: 'malformed' });
    assert.deepEqual(router.find('GET', `/ui/${'x'.repeat(11)}`), { kind: 'param-too-long' });
  });
});
