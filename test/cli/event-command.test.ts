/**
 * `hearsay event` against a real HTTP server on 127.0.0.1 over a fake cluster: the event
 * sent as given (payload text, coalescing on by default, off with --no-coalesce), the text
 * and --json answers, the agent's refusal as one line and exit 1, the token, bad flags as
 * usage errors (exit 2).
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { memoryIo } from '../../src/cli/io.ts';
import { run } from '../../src/cli/main.ts';
import { listeningSetup } from '../agent/fake-cluster.ts';

async function cli(args: string[]) {
  const io = memoryIo();
  const code = await run(args, io);
  return { code, out: io.out.join(''), err: io.err.join('') };
}

const TOKEN = 'event-test-token-0123456789';
let setup: Awaited<ReturnType<typeof listeningSetup>>;

before(async () => {
  setup = await listeningSetup([], { token: TOKEN });
});

after(async () => {
  await setup.app.close();
});

describe('hearsay event', () => {
  it('sends NAME and PAYLOAD, coalescing by default; prints the Lamport time', async () => {
    const r = await cli(['event', 'deploy', 'v1.2', '--http', setup.address, '--token', TOKEN]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, 'Event "deploy" sent (ltime 1, coalescing on)\n');
    const e = setup.cluster.sentEvents.at(-1)!;
    assert.equal(e.name, 'deploy');
    assert.equal(new TextDecoder().decode(e.payload), 'v1.2');
    assert.equal(e.coalesce, true);
  });

  it('--no-coalesce and --json; no payload is an empty one', async () => {
    const r = await cli([
      'event',
      'restart',
      '--no-coalesce',
      '--json',
      '--http',
      setup.address,
      '--token',
      TOKEN,
    ]);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(JSON.parse(r.out), { ltime: '2' });
    const e = setup.cluster.sentEvents.at(-1)!;
    assert.equal(e.coalesce, false);
    assert.equal(e.payload.length, 0);
  });

  it('over the size limit: the agent says why, one line, exit 1', async () => {
    const r = await cli([
      'event',
      'big',
      'x'.repeat(600),
      '--http',
      setup.address,
      '--token',
      TOKEN,
    ]);
    assert.equal(r.code, 1);
    assert.equal(r.out, '');
    assert.equal(
      r.err,
      `hearsay: http://${setup.address}/v1/events answered 400: body/payload name and payload exceed 512 bytes\n`,
    );
  });

  it('without the token: 401 as one line with a hint, exit 1', async () => {
    const r = await cli(['event', 'x', '--http', setup.address]);
    assert.equal(r.code, 1);
    assert.match(
      r.err,
      /^hearsay: http:\/\/127\.0\.0\.1:\d+\/v1\/events answered 401: this agent requires a token: Authorization: Bearer TOKEN \(give the agent's --http-token with --token or \$HEARSAY_HTTP_TOKEN\)\n$/,
    );
    const wrong = await cli(['event', 'x', '--http', setup.address, '--token', `${TOKEN}x`]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.err, /answered 401: wrong token/);
  });

  it('bad flags and arguments: one line naming them, exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['event'], /^hearsay: event needs the argument NAME\n$/],
      [['event', 'a', 'b', 'c'], /^hearsay: event takes no further arguments/],
      [['event', 'a', '--http', 'nowhere'], /^hearsay: --http must be IPV4:PORT/],
      [['event', 'a', '--coalesce', 'x'], /^hearsay: --coalesce is not a flag of "hearsay event"/],
      [['event', 'a', '--token', 'has space'], /^hearsay: --token must be visible ASCII/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.err, message, args.join(' '));
    }
  });
});
