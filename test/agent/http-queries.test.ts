/**
 * `POST /v1/queries`: parameters handed to the cluster as given, the JSON answer after the
 * deadline (payloads as text or base64), the streamed answer (each ack and response as it
 * arrives, then `done`), refusals (schema, regexps, the cluster's ConfigError, in-flight
 * limit), and a client that hangs up aborting its query.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { QueryReply, QueryResult } from '../../src/agent/cluster.ts';
import { listenHttp } from '../../src/agent/http/server.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { httpSetup, openSse } from './fake-cluster.ts';

type App = ReturnType<typeof httpSetup>['app'];

function ask(app: App, body: unknown) {
  return app.inject({
    method: 'POST',
    url: '/v1/queries',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
}

describe('POST /v1/queries', () => {
  it('passes name, payload, filters, ack and timeout to the cluster; answers acks and responses', async () => {
    const { app, cluster } = httpSetup();
    cluster.answers = [
      { type: 'ack', from: 'a' },
      { type: 'ack', from: 'b' },
      { type: 'response', from: 'a', payload: new TextEncoder().encode('up 3 days') },
      { type: 'response', from: 'b', payload: new Uint8Array([0xc3, 0x28]) },
    ];
    const res = await ask(app, {
      name: 'uptime',
      payload: 'please',
      filterNodes: ['a', 'b'],
      filterTags: { role: 'web|db' },
      requestAck: true,
      timeoutMs: 1500,
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), {
      ltime: '1',
      acks: ['a', 'b'],
      responses: [
        { from: 'a', payload: 'up 3 days' },
        { from: 'b', payloadBase64: 'wyg=' },
      ],
    });
    const params = cluster.askedQueries[0]!;
    assert.equal(params.name, 'uptime');
    assert.equal(new TextDecoder().decode(params.payload), 'please');
    assert.deepEqual(params.filterNodes, ['a', 'b']);
    assert.deepEqual(params.filterTags, { role: 'web|db' });
    assert.equal(params.requestAck, true);
    assert.equal(params.timeoutMs, 1500);
    await app.close();
  });

  it('defaults: no filters, no ack, the cluster default timeout', async () => {
    const { app, cluster } = httpSetup();
    const res = await ask(app, { name: 'q', payloadBase64: 'AQI=' });
    assert.equal(res.statusCode, 200);
    const params = cluster.askedQueries[0]!;
    assert.deepEqual([...params.payload], [1, 2]);
    assert.deepEqual(params.filterNodes, []);
    assert.deepEqual(params.filterTags, {});
    assert.equal(params.requestAck, false);
    assert.equal('timeoutMs' in params, false);
    await app.close();
  });

  it('refusals name the field', async () => {
    const { app, cluster } = httpSetup();
    const cases: [unknown, RegExp][] = [
      [{}, /^body must have required property 'name'/],
      [{ name: 'q', timeoutMs: 0 }, /^body\/timeoutMs must be >= 1/],
      [{ name: 'q', timeoutMs: 1e9 }, /^body\/timeoutMs must be <= 300000/],
      [{ name: 'q', timeoutMs: 1.5 }, /^body\/timeoutMs must be integer/],
      [{ name: 'q', filterNodes: 'a' }, /^body\/filterNodes must be array/],
      [{ name: 'q', filterNodes: [''] }, /^body\/filterNodes\/0 must NOT have fewer/],
      [{ name: 'q', filterTags: { role: 5 } }, /^body\/filterTags\/role must be string/],
      [
        { name: 'q', filterTags: { role: '(' } },
        /^body\/filterTags\/role must be a regular expression/,
      ],
      [{ name: 'q', requestAck: 'yes' }, /^body\/requestAck must be boolean/],
      [{ name: 'q', extra: 1 }, /^body must NOT have additional properties/],
    ];
    for (const [body, message] of cases) {
      const res = await ask(app, body);
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      assert.match((res.json() as { message: string }).message, message, JSON.stringify(body));
    }
    assert.equal(cluster.askedQueries.length, 0);
    cluster.queryImpl = async () => {
      throw new ConfigError('payload', 'query exceeds 1024 bytes');
    };
    const res = await ask(app, { name: 'q' });
    assert.equal(res.statusCode, 400);
    assert.equal(
      (res.json() as { message: string }).message,
      'body/payload query exceeds 1024 bytes',
    );
    await app.close();
  });

  it('beyond the in-flight limit: 503', async () => {
    const { app, cluster } = httpSetup([], { limits: { queriesInFlightMax: 1 } });
    const { promise: release, resolve } = Promise.withResolvers<void>();
    cluster.queryImpl = async () => {
      await release;
      return { acks: [], responses: [], ltime: 7n };
    };
    const first = ask(app, { name: 'slow' });
    // The first is in the cluster once it has been recorded.
    while (cluster.askedQueries.length === 0) await new Promise((r) => setImmediate(r));
    const second = await ask(app, { name: 'next' });
    assert.equal(second.statusCode, 503);
    resolve();
    assert.deepEqual((await first).json(), { ltime: '7', acks: [], responses: [] });
    assert.equal((await ask(app, { name: 'again' })).statusCode, 200);
    await app.close();
  });

  it('Accept: text/event-stream: each ack and response as it arrives, then done', async () => {
    const { app, cluster } = httpSetup();
    const { port } = await listenHttp(app, { host: '127.0.0.1', port: 0 });
    const step = Promise.withResolvers<void>();
    cluster.queryImpl = async (_params, onReply) => {
      const replies: QueryReply[] = [
        { type: 'ack', from: 'a' },
        { type: 'response', from: 'a', payload: new TextEncoder().encode('pong') },
      ];
      for (const r of replies) onReply?.(r);
      await step.promise;
      onReply?.({ type: 'response', from: 'b', payload: new Uint8Array([0xff]) });
      return {
        ltime: 12n,
        acks: ['a'],
        responses: [
          { from: 'a', payload: new TextEncoder().encode('pong') },
          { from: 'b', payload: new Uint8Array([0xff]) },
        ],
      } satisfies QueryResult;
    };
    const sse = await openSse(port, '/v1/queries', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'ping', requestAck: true }),
    });
    assert.equal(sse.status, 200);
    assert.match(sse.headers['content-type'] as string, /^text\/event-stream/);
    // The first two arrive before the query is over.
    await sse.until(() => sse.messages.length === 2);
    assert.deepEqual(sse.messages, [
      { event: 'ack', data: { from: 'a' } },
      { event: 'response', data: { from: 'a', payload: 'pong' } },
    ]);
    step.resolve();
    await sse.ended;
    assert.deepEqual(sse.messages.slice(2), [
      { event: 'response', data: { from: 'b', payloadBase64: '/w==' } },
      {
        event: 'done',
        data: {
          ltime: '12',
          acks: ['a'],
          responses: [
            { from: 'a', payload: 'pong' },
            { from: 'b', payloadBase64: '/w==' },
          ],
        },
      },
    ]);
    await app.close();
  });

  it('streamed: a refusal after the stream opened is an error event', async () => {
    const { app, cluster } = httpSetup();
    const { port } = await listenHttp(app, { host: '127.0.0.1', port: 0 });
    cluster.queryImpl = async () => {
      throw new ConfigError('payload', 'too big');
    };
    const sse = await openSse(port, '/v1/queries', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'q' }),
    });
    await sse.ended;
    assert.deepEqual(sse.messages, [
      {
        event: 'error',
        data: { statusCode: 400, error: 'Bad Request', message: 'body/payload too big' },
      },
    ]);
    await app.close();
  });

  it('a streaming client that hangs up aborts its query', async () => {
    const { app, cluster } = httpSetup();
    const { port } = await listenHttp(app, { host: '127.0.0.1', port: 0 });
    const aborted = Promise.withResolvers<void>();
    cluster.queryImpl = (_p, onReply, signal) =>
      new Promise((resolve) => {
        onReply?.({ type: 'ack', from: 'a' });
        signal?.addEventListener('abort', () => {
          aborted.resolve();
          resolve({ ltime: 1n, acks: ['a'], responses: [] });
        });
      });
    const sse = await openSse(port, '/v1/queries', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'forever' }),
    });
    await sse.until(() => sse.messages.length === 1);
    sse.close();
    await aborted.promise;
    await app.close();
  });
});
