/**
 * `hearsay info` and `hearsay leave` against a real HTTP server over a fake cluster: info as
 * aligned `NAME VALUE` lines plus the counters (count tables as `k=v`, sorted) and as --json;
 * leave accepted (202) and the owner told; an agent that cannot be stopped over HTTP (501),
 * or is not there, as one line with exit 1.
 */

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { memoryIo } from '../../src/cli/io.ts';
import { run } from '../../src/cli/main.ts';
import { emptyStats, listeningSetup, member } from '../agent/fake-cluster.ts';

async function cli(args: string[]) {
  const io = memoryIo();
  const code = await run(args, io);
  return { code, out: io.out.join(''), err: io.err.join('') };
}

let setup: Awaited<ReturnType<typeof listeningSetup>>;
let leaves = 0;

before(async () => {
  setup = await listeningSetup([member('b', 7002, 'failed'), member('c', 7003)], {
    version: '1.2.3',
    requestLeave: () => leaves++,
  });
  setup.cluster.statsValue = {
    ...emptyStats(),
    membersByState: { alive: 2, suspect: 0, leaving: 0, left: 0, failed: 1 },
    probes: { ok: 12, failed: 1 },
    messagesIn: { ping: 4, ack: 3 },
    broadcastQueueDepth: 2,
  };
});

after(async () => {
  await setup.app.close();
});

describe('hearsay info', () => {
  it('who the agent is, its members and counters', async () => {
    const r = await cli(['info', '--http', setup.address]);
    assert.equal(r.code, 0, r.err);
    assert.equal(
      r.out,
      [
        'name     m-self',
        'address  127.0.0.1:7946',
        'state    alive',
        'tags     role=web',
        'version  1.2.3',
        'members  alive=2 suspect=0 leaving=0 left=0 failed=1',
        '',
        'STAT                 VALUE',
        'membersByState       alive=2 failed=1 leaving=0 left=0 suspect=0',
        'probes               failed=1 ok=12',
        'suspicions           0',
        'messagesIn           ack=3 ping=4',
        'messagesOut          -',
        'bytesIn              -',
        'bytesOut             -',
        'dropped              -',
        'broadcastQueueDepth  2',
        'userEvents           received=0 sent=0',
        'queries              received=0 sent=0',
        'healthScore          0',
        '',
      ].join('\n'),
    );
  });

  it('--json: the info object as served', async () => {
    const r = await cli(['info', '--json', '--http', setup.address]);
    assert.equal(r.code, 0, r.err);
    const info = JSON.parse(r.out) as Record<string, unknown>;
    assert.equal(info.name, 'm-self');
    assert.equal(info.version, '1.2.3');
    assert.deepEqual(info.members, { alive: 2, suspect: 0, leaving: 0, left: 0, failed: 1 });
    assert.deepEqual((info.stats as { probes: unknown }).probes, { ok: 12, failed: 1 });
  });

  it('something that is not an agent: one line, exit 1', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"name":"x"}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const r = await cli(['info', '--http', `127.0.0.1:${port}`]);
      assert.equal(r.code, 1);
      assert.match(
        r.err,
        /^hearsay: http:\/\/127\.0\.0\.1:\d+\/v1\/info did not answer agent info/,
      );
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('hearsay leave', () => {
  it('the agent accepts and is told to leave', async () => {
    const r = await cli(['leave', '--http', setup.address]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, `The agent at ${setup.address} is leaving the cluster and will exit\n`);
    const deadline = Date.now() + 5_000;
    while (leaves === 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 5));
    assert.equal(leaves, 1);
    const json = await cli(['leave', '--json', '--http', setup.address]);
    assert.deepEqual(JSON.parse(json.out), { status: 'leaving' });
  });

  it('an agent that cannot be stopped over HTTP: 501 as one line, exit 1', async () => {
    const other = await listeningSetup();
    try {
      const r = await cli(['leave', '--http', other.address]);
      assert.equal(r.code, 1);
      assert.match(r.err, /answered 501: this agent cannot be stopped over HTTP\n$/);
    } finally {
      await other.app.close();
    }
  });
});
