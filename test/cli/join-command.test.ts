/**
 * `hearsay join ADDR…` against a real HTTP server on 127.0.0.1 over a fake cluster: the
 * addresses reach the cluster as given, Serf's success line and `--json`, no seed answering
 * as the agent's reasons on one line (exit 1), the token, and bad addresses or flags as usage
 * errors naming them (exit 2) before anything is sent.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { memoryIo } from '../../src/cli/io.ts';
import { run } from '../../src/cli/main.ts';
import { listeningSetup, refusedJoin } from '../agent/fake-cluster.ts';

async function cli(args: string[]) {
  const io = memoryIo();
  const code = await run(args, io);
  return { code, out: io.out.join(''), err: io.err.join('') };
}

const TOKEN = 'join-cli-test-token-0123456789';
let setup: Awaited<ReturnType<typeof listeningSetup>>;

before(async () => {
  setup = await listeningSetup([], { token: TOKEN });
});

after(async () => {
  await setup.app.close();
});

describe('hearsay join', () => {
  it("sends every ADDR; prints Serf's line with how many answered", async () => {
    setup.cluster.joinImpl = async (seeds) => seeds.length;
    const r = await cli([
      'join',
      '127.0.0.1:7947',
      '10.1.2.3:8301',
      '--http',
      setup.address,
      '--token',
      TOKEN,
    ]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, 'Successfully joined cluster by contacting 2 nodes.\n');
    assert.equal(setup.cluster.calls.at(-1), 'join 127.0.0.1:7947,10.1.2.3:8301');
  });

  it('--json prints the answer; without the token, the 401 and its hint', async () => {
    setup.cluster.joinImpl = async () => 1;
    const r = await cli(['join', '127.0.0.1:7947', '--json', '--http', setup.address]);
    assert.equal(r.code, 1);
    assert.match(r.err, /answered 401: .*\(give the agent's --http-token with --token/);
    const ok = await cli([
      'join',
      '127.0.0.1:7947',
      '--json',
      '--http',
      setup.address,
      '--token',
      TOKEN,
    ]);
    assert.equal(ok.code, 0, ok.err);
    assert.deepEqual(JSON.parse(ok.out), { joined: 1 });
  });

  it("no seed answered: the agent's reasons on one line, exit 1", async () => {
    setup.cluster.joinImpl = async (seeds) => {
      throw refusedJoin(seeds);
    };
    const r = await cli(['join', '127.0.0.1:1', '--http', setup.address, '--token', TOKEN]);
    assert.equal(r.code, 1);
    assert.equal(r.out, '');
    assert.equal(
      r.err,
      `hearsay: http://${setup.address}/v1/join answered 502: join failed: none of the 1 seed(s) answered 127.0.0.1:1: connect ECONNREFUSED — nothing listens there: is the seed running, and is the port right?\n`,
    );
  });

  it('bad addresses and flags: one line naming them, exit 2, nothing sent', async () => {
    const before = setup.cluster.calls.length;
    const many = Array.from({ length: 65 }, (_, i) => `127.0.0.1:${7000 + i}`);
    const cases: [string[], RegExp][] = [
      [['join'], /^hearsay: join needs the argument ADDR\n$/],
      [['join', 'localhost:7946'], /^hearsay: ADDR must be IPV4:PORT .*got "localhost:7946"\n$/],
      [['join', '127.0.0.1:7946', '127.0.0.1'], /^hearsay: ADDR must be IPV4:PORT/],
      [['join', '127.0.0.1:0'], /^hearsay: ADDR must be IPV4:PORT with PORT in \[1, 65535\]/],
      [['join', ...many], /^hearsay: ADDR may be given at most 64 times\n$/],
      [
        ['join', '127.0.0.1:7946', '--replay'],
        /^hearsay: --replay is not a flag of "hearsay join"/,
      ],
      [['join', '127.0.0.1:7946', '--http', 'nowhere'], /^hearsay: --http must be IPV4:PORT/],
    ];
    for (const [args, message] of cases) {
      const r = await cli([...args, ...(args.includes('--http') ? [] : ['--http', setup.address])]);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.err, message, args.join(' '));
    }
    assert.equal(setup.cluster.calls.length, before);
  });
});
