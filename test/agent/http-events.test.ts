/**
 * User events over HTTP: `POST /v1/events` (payload as text or base64, coalesce, Serf's
 * size limit as a 400 naming `payload`, strict schema) and `GET /v1/events` as a real
 * server-sent-event stream on 127.0.0.1 — framing, every event type with its data, the
 * heartbeat, the client limit, and the cluster subscription held only while clients are
 * connected.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listenHttp } from '../../src/agent/http/server.ts';
import { httpSetup, member, openSse } from './fake-cluster.ts';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

async function post(app: ReturnType<typeof httpSetup>['app'], body: unknown) {
  return app.inject({
    method: 'POST',
    url: '/v1/events',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
}

describe('POST /v1/events', () => {
  it('sends the event with its payload and coalesce flag; answers the Lamport time as a string', async () => {
    const { app, cluster } = httpSetup();
    let res = await post(app, { name: 'deploy', payload: 'v1.2 ✓' });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { ltime: '1' });
    res = await post(app, { name: 'bin', payloadBase64: 'AP8Q', coalesce: false });
    assert.deepEqual(res.json(), { ltime: '2' });
    res = await post(app, { name: 'bare' });
    assert.deepEqual(res.json(), { ltime: '3' });
    const sent = cluster.sentEvents.map((e) => ({
      name: e.name,
      payload: [...e.payload],
      coalesce: e.coalesce,
    }));
    assert.deepEqual(sent, [
      { name: 'deploy', payload: [...Buffer.from('v1.2 ✓')], coalesce: true },
      { name: 'bin', payload: [0x00, 0xff, 0x10], coalesce: false },
      { name: 'bare', payload: [], coalesce: true },
    ]);
    await app.close();
  });

  it('over the event size limit: 400 naming payload', async () => {
    const { app } = httpSetup();
    const res = await post(app, { name: 'big', payload: 'x'.repeat(600) });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(res.json(), {
      statusCode: 400,
      error: 'Bad Request',
      message: 'body/payload name and payload exceed 512 bytes',
    });
    await app.close();
  });

  it('schema errors name the field', async () => {
    const { app } = httpSetup();
    const cases: [unknown, RegExp][] = [
      [{}, /^body must have required property 'name'/],
      [{ name: '' }, /^body\/name must NOT have fewer than 1 characters/],
      [{ name: 5 }, /^body\/name must be string/],
      [{ name: 'a', coalesce: 'yes' }, /^body\/coalesce must be boolean/],
      [{ name: 'a', coalesc: false }, /^body must NOT have additional properties/],
      [{ name: 'a', payload: 1 }, /^body\/payload must be string/],
      [{ name: 'a', payloadBase64: 'not base64!' }, /^body\/payloadBase64 must be padded base64/],
      [{ name: 'a', payloadBase64: 'AAA' }, /^body\/payloadBase64 must be padded base64/],
      [
        { name: 'a', payload: 'x', payloadBase64: 'AA==' },
        /^body\/payloadBase64 must not be given together/,
      ],
    ];
    for (const [body, message] of cases) {
      const res = await post(app, body);
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      assert.match((res.json() as { message: string }).message, message, JSON.stringify(body));
    }
    await app.close();
  });

  it('a local delivery is timed into hearsay_event_latency_seconds', async () => {
    const { app, metrics } = httpSetup();
    await post(app, { name: 'deploy', payload: 'a' });
    await post(app, { name: 'deploy', payload: 'b' });
    const histogram = await metrics.eventLatency.get();
    const count = histogram.values.find(
      (v) => v.metricName === 'hearsay_event_latency_seconds_count',
    );
    assert.equal(count?.value, 2);
    await app.close();
  });
});

describe('GET /v1/events', () => {
  async function listening(options: Parameters<typeof httpSetup>[1] = {}) {
    const setup = httpSetup([], options);
    const { port } = await listenHttp(setup.app, { host: '127.0.0.1', port: 0 });
    return { ...setup, port };
  }

  it('streams user, member and query events as SSE messages with typed data', async () => {
    const { app, cluster, port } = await listening();
    const sse = await openSse(port, '/v1/events');
    assert.equal(sse.status, 200);
    assert.match(sse.headers['content-type'] as string, /^text\/event-stream/);
    assert.equal(sse.headers['cache-control'], 'no-cache, no-transform');
    await sse.until(() => sse.comments.includes('hearsay events'));

    await post(app, { name: 'deploy', payload: 'v1' });
    cluster.fireUserEvent({
      name: 'bin',
      payload: new Uint8Array([0xff, 0x00]),
      ltime: 2n ** 60n,
      coalesce: false,
    });
    const peer = member('b', 7002, 'alive', { role: 'db' });
    for (const type of [
      'member-join',
      'member-update',
      'member-leave',
      'member-failed',
      'member-reap',
    ] as const) {
      cluster.fire({ type, member: peer });
    }
    cluster.fireQuery('uptime', new TextEncoder().encode('?'), 'b');
    await sse.until(() => sse.messages.length === 8);

    assert.deepEqual(
      sse.messages.map((m) => m.event),
      [
        'user',
        'user',
        'member-join',
        'member-update',
        'member-leave',
        'member-failed',
        'member-reap',
        'query',
      ],
    );
    const data = sse.messages.map((m) => m.data as Record<string, unknown>);
    for (const d of data) assert.match(d.time as string, ISO);
    const { time: _t0, ...user } = data[0]!;
    assert.deepEqual(user, {
      type: 'user',
      name: 'deploy',
      payload: 'v1',
      ltime: '1',
      coalesce: true,
    });
    const { time: _t1, ...binary } = data[1]!;
    assert.deepEqual(binary, {
      type: 'user',
      name: 'bin',
      payloadBase64: '/wA=',
      ltime: '1152921504606846976',
      coalesce: false,
    });
    const { time: _t2, ...join } = data[2]!;
    assert.deepEqual(join, {
      type: 'member-join',
      member: { name: 'b', addr: '127.0.0.1', port: 7002, tags: { role: 'db' }, state: 'alive' },
    });
    const { time: _t7, ...query } = data[7]!;
    assert.deepEqual(query, { type: 'query', name: 'uptime', payload: '?', ltime: '2', from: 'b' });
    // Each message is exactly `event:` and one `data:` line, then a blank line.
    assert.match(sse.text(), /^: hearsay events\n\n(event: [a-z-]+\ndata: \{[^\n]*\}\n\n)+$/);
    sse.close();
    await app.close();
  });

  it('every connected client gets every event; the subscription ends with the last client', async () => {
    const { app, cluster, port } = await listening();
    const idle = cluster.serviceListenerCount;
    const a = await openSse(port, '/v1/events');
    const b = await openSse(port, '/v1/events');
    await a.until(() => a.comments.length > 0);
    await b.until(() => b.comments.length > 0);
    assert.equal(cluster.serviceListenerCount, idle + 3);
    cluster.fire({ type: 'member-join', member: member('x', 1) });
    await a.until(() => a.messages.length === 1);
    await b.until(() => b.messages.length === 1);
    a.close();
    b.close();
    const deadline = Date.now() + 5_000;
    while (cluster.serviceListenerCount !== idle && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(cluster.serviceListenerCount, idle);
    await app.close();
  });

  it('a heartbeat comment at the configured interval', async () => {
    const { app, port } = await listening({ limits: { sseHeartbeatMs: 20 } });
    const sse = await openSse(port, '/v1/events');
    await sse.until(() => sse.comments.filter((c) => c === 'heartbeat').length >= 2);
    sse.close();
    await app.close();
  });

  it('beyond the client limit: 503; unknown parameters: 400', async () => {
    const { app, port } = await listening({ limits: { sseClientsMax: 1 } });
    const first = await openSse(port, '/v1/events');
    await first.until(() => first.comments.length > 0);
    const res = await app.inject({ url: '/v1/events' });
    assert.equal(res.statusCode, 503);
    assert.match((res.json() as { message: string }).message, /too many event-stream clients/);
    const bad = await app.inject({ url: '/v1/events?type=user' });
    assert.equal(bad.statusCode, 400);
    assert.match((bad.json() as { message: string }).message, /^querystring\/type/);
    first.close();
    await app.close();
  });

  it('closing the server ends the open streams', async () => {
    const { app, port } = await listening();
    const sse = await openSse(port, '/v1/events');
    await sse.until(() => sse.comments.length > 0);
    await app.close();
    await sse.ended;
  });
});
