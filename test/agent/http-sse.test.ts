/**
 * The bound on a slow event-stream client: unit tests of `SseClient` over a sink that never
 * drains (dropped once its backlog would pass the bound, exactly once, counted by the hub),
 * and the same on a real socket whose reader has stopped reading.
 */

import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { EventHub } from '../../src/agent/http/event-hub.ts';
import { listenHttp } from '../../src/agent/http/server.ts';
import {
  SseClient,
  SseParser,
  type SseSink,
  sseComment,
  sseMessage,
} from '../../src/agent/http/sse.ts';
import { AgentMetrics } from '../../src/agent/metrics.ts';
import { emptyStats, FakeCluster, httpSetup, member } from './fake-cluster.ts';

/** A sink that keeps everything queued: a client that reads nothing. */
function stuckSink() {
  const sink = {
    chunks: [] as string[],
    writableLength: 0,
    destroyed: 0,
    write(chunk: string) {
      sink.chunks.push(chunk);
      sink.writableLength += Buffer.byteLength(chunk);
      return false;
    },
    destroy() {
      sink.destroyed++;
    },
  };
  return sink satisfies SseSink;
}

describe('SSE framing', () => {
  it('one event line, one data line, a blank line; comments cannot break the frame', () => {
    assert.equal(sseMessage('user', { a: 'x\ny' }), 'event: user\ndata: {"a":"x\\ny"}\n\n');
    assert.equal(sseComment('two\nlines'), ': two lines\n\n');
  });
});

describe('SseParser (the client side)', () => {
  it('whole messages out of any chunking, LF or CRLF, comments skipped', () => {
    const text =
      ': hello\n\nevent: user\ndata: {"a":1}\n\r\nevent: ack\r\ndata: x\r\ndata: y\r\n\r\ndata: plain\n\n';
    const whole = new SseParser(1_000).push(text);
    const expected = [
      { event: 'user', data: '{"a":1}' },
      { event: 'ack', data: 'x\ny' },
      { event: 'message', data: 'plain' },
    ];
    assert.deepEqual(whole, expected);
    for (let cut = 1; cut < text.length; cut++) {
      const p = new SseParser(1_000);
      assert.deepEqual(
        [...p.push(text.slice(0, cut)), ...p.push(text.slice(cut))],
        expected,
        `cut ${cut}`,
      );
    }
  });

  it('a message that never ends is refused past the bound', () => {
    const p = new SseParser(100);
    p.push('data: ');
    assert.throws(() => p.push('x'.repeat(200)), /longer than 100 characters/);
    const lines = new SseParser(100);
    assert.throws(() => {
      for (let i = 0; i < 50; i++) lines.push('data: xxxx\n');
    }, /longer than 100 characters/);
  });
});

describe('slow SSE clients', () => {
  it('a client whose backlog would pass the bound is dropped, once', () => {
    const sink = stuckSink();
    let drops = 0;
    const client = new SseClient(sink, 100, () => drops++);
    assert.equal(client.send('x'.repeat(60)), true);
    assert.equal(client.send('x'.repeat(40)), true);
    assert.equal(client.send('x'), false);
    assert.equal(client.open, false);
    assert.equal(sink.destroyed, 1);
    assert.equal(drops, 1);
    assert.equal(client.send('x'), false);
    assert.equal(drops, 1);
    assert.equal(sink.writableLength, 100);
  });

  it('the hub drops the slow client, counts it, and keeps serving the others', async () => {
    const cluster = new FakeCluster(member('self', 7001));
    const metrics = new AgentMetrics({ stats: emptyStats, defaultMetrics: false });
    const hub = new EventHub(
      cluster,
      { clientsMax: 4, clientBytesMax: 2_000, heartbeatMs: 60_000 },
      metrics,
    );
    const slow = stuckSink();
    const fastChunks: string[] = [];
    const fastSink: SseSink = {
      write: (c) => {
        fastChunks.push(c);
        return true;
      },
      writableLength: 0,
      destroy: () => {},
    };
    hub.add(slow);
    hub.add(fastSink);
    for (let i = 0; i < 50; i++)
      cluster.fire({ type: 'member-update', member: member(`m${i}`, i) });
    assert.equal(slow.destroyed, 1);
    assert.equal(hub.clientCount, 1);
    assert.equal(fastChunks.filter((c) => c.startsWith('event:')).length, 50);
    assert.equal((await metrics.sseClientsDropped.get()).values[0]?.value, 1);
    assert.equal((await metrics.sseClients.get()).values[0]?.value, 1);
    hub.close();
    assert.equal(hub.clientCount, 0);
  });

  it('on a real socket: a reader that stopped reading is disconnected, and counted', async () => {
    const { app, cluster, metrics } = httpSetup([], { limits: { sseClientBytesMax: 64 * 1024 } });
    const { port } = await listenHttp(app, { host: '127.0.0.1', port: 0 });
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write('GET /v1/events HTTP/1.1\r\nHost: x\r\n\r\n');
    // Read the headers, then stop reading: the kernel buffers fill, then the server's.
    await new Promise<void>((r) => socket.once('data', () => r()));
    socket.pause();
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.on('error', () => {});
    const big = 'y'.repeat(400);
    const deadline = Date.now() + 10_000;
    let dropped = 0;
    while (dropped === 0 && Date.now() < deadline) {
      for (let i = 0; i < 200; i++) {
        cluster.fireUserEvent({ name: 'e', payload: Buffer.from(big), ltime: 1n, coalesce: true });
      }
      await new Promise((r) => setImmediate(r));
      dropped = (await metrics.sseClientsDropped.get()).values[0]?.value ?? 0;
    }
    assert.equal(dropped, 1);
    socket.resume();
    await closed;
    await app.close();
  });
});
