/**
 * bench/agent/serf-event-count.ts against a fake Serf RPC endpoint on 127.0.0.1 (port 0):
 * the handshake and `stream` requests it writes, the headers it skips, the user-event records
 * it counts, and a refused stream. The endpoint is a plain TCP server speaking msgpack as
 * shared/reference/serf-layer.md §10 describes; no Serf needed.
 */

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { Packr, UnpackrStream } from 'msgpackr';
import { SerfEventCounter } from '../../../bench/agent/serf-event-count.ts';
import { waitFor } from '../../support/serf/wait-for.ts';

const packr = new Packr({ useRecords: false });
const DEADLINE_MS = 5_000;

/** A server that reads 4 objects (two requests with bodies), then runs `answer`. */
async function fakeAgent(
  answer: (socket: Socket, requests: unknown[]) => void,
): Promise<{ server: Server; addr: string }> {
  const server = createServer((socket) => {
    const requests: unknown[] = [];
    const decoder = new UnpackrStream({ useRecords: false, mapsAsObjects: true });
    socket.pipe(decoder);
    socket.on('error', () => {});
    decoder.on('data', (obj: unknown) => {
      requests.push(obj);
      if (requests.length === 4) answer(socket, requests);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  assert.ok(typeof address === 'object' && address !== null);
  return { server, addr: `127.0.0.1:${address.port}` };
}

describe('SerfEventCounter', () => {
  const servers: Server[] = [];
  after(() => {
    for (const s of servers) s.close();
  });

  it('asks for a user:NAME stream and counts its user records only', async () => {
    let seen: unknown[] = [];
    const { server, addr } = await fakeAgent((socket, requests) => {
      seen = requests;
      socket.write(packr.pack({ Error: '', Seq: 1 }));
      socket.write(packr.pack({ Error: '', Seq: 2 }));
      for (let i = 0; i < 5; i++) {
        socket.write(packr.pack({ Error: '', Seq: 2 }));
        socket.write(
          packr.pack({ Coalesce: false, Event: 'user', LTime: i, Name: 'load', Payload: 'x' }),
        );
      }
    });
    servers.push(server);
    const counter = await SerfEventCounter.open(addr, 'load');
    try {
      await waitFor(() => counter.count === 5, { deadlineMs: DEADLINE_MS, what: '5 records' });
      assert.deepEqual(seen, [
        { Command: 'handshake', Seq: 1 },
        { Version: 1 },
        { Command: 'stream', Seq: 2 },
        { Type: 'user:load' },
      ]);
      assert.equal(counter.error, undefined);
    } finally {
      counter.close();
    }
  });

  it('rejects when the agent refuses the stream', async () => {
    const { server, addr } = await fakeAgent((socket) => {
      socket.write(packr.pack({ Error: '', Seq: 1 }));
      socket.write(packr.pack({ Error: 'Stream with given sequence exists', Seq: 2 }));
    });
    servers.push(server);
    await assert.rejects(SerfEventCounter.open(addr, 'load'), /Stream with given sequence exists/);
  });
});
