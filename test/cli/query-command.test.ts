/**
 * `hearsay query` against a real HTTP server on 127.0.0.1 over a fake cluster: flags
 * translated into the query (nodes, tags, timeout, acks), acks and responses printed as they
 * arrive (the first before the query is over), binary responses in base64, --json, the
 * duration parser, bad flags (exit 2) and refusals (exit 1).
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { QueryReply } from '../../src/agent/cluster.ts';
import { memoryIo } from '../../src/cli/io.ts';
import { run } from '../../src/cli/main.ts';
import { parseDurationMs } from '../../src/cli/query-command.ts';
import { listeningSetup } from '../agent/fake-cluster.ts';

let setup: Awaited<ReturnType<typeof listeningSetup>>;

before(async () => {
  setup = await listeningSetup();
});

after(async () => {
  await setup.app.close();
});

const REPLIES: QueryReply[] = [
  { type: 'ack', from: 'a' },
  { type: 'ack', from: 'b' },
  { type: 'response', from: 'a', payload: new TextEncoder().encode('up 3 days') },
  { type: 'response', from: 'b', payload: new Uint8Array([0xff, 0x00]) },
];

describe('hearsay query', () => {
  it('prints each ack and response as it arrives, then the totals', async () => {
    const io = memoryIo();
    const gate = Promise.withResolvers<void>();
    const sawFirst = Promise.withResolvers<void>();
    setup.cluster.queryImpl = async (_p, onReply) => {
      onReply?.(REPLIES[0]!);
      // Hold the query open until the CLI has printed the first ack.
      await gate.promise;
      for (const r of REPLIES.slice(1)) onReply?.(r);
      return {
        ltime: 5n,
        acks: ['a', 'b'],
        responses: [
          { from: 'a', payload: new TextEncoder().encode('up 3 days') },
          { from: 'b', payload: new Uint8Array([0xff, 0x00]) },
        ],
      };
    };
    const stdout = io.stdout;
    io.stdout = (text) => {
      stdout(text);
      if (text.startsWith('Ack from "a"')) sawFirst.resolve();
    };
    const done = run(
      [
        'query',
        'uptime',
        'please',
        '--node',
        'a',
        '--node',
        'b',
        '--tag',
        'role=web|db',
        '--tag',
        'dc=eu.*',
        '--timeout',
        '2s',
        '--http',
        setup.address,
      ],
      io,
    );
    await sawFirst.promise;
    assert.equal(io.out.join(''), 'Ack from "a"\n');
    gate.resolve();
    assert.equal(await done, 0, io.err.join(''));
    assert.equal(
      io.out.join(''),
      [
        'Ack from "a"',
        'Ack from "b"',
        'Response from "a": up 3 days',
        'Response from "b": (base64) /wA=',
        'Total acks: 2, responses: 2',
        '',
      ].join('\n'),
    );
    const params = setup.cluster.askedQueries.at(-1)!;
    assert.equal(params.name, 'uptime');
    assert.equal(new TextDecoder().decode(params.payload), 'please');
    assert.deepEqual(params.filterNodes, ['a', 'b']);
    assert.deepEqual(params.filterTags, { role: 'web|db', dc: 'eu.*' });
    assert.equal(params.timeoutMs, 2000);
    assert.equal(params.requestAck, true);
  });

  it('--json: the whole result after the deadline; --no-ack asks for none', async () => {
    setup.cluster.queryImpl = null;
    setup.cluster.answers = REPLIES.filter((r) => r.type === 'response');
    const io = memoryIo();
    const code = await run(['query', 'uptime', '--no-ack', '--json', '--http', setup.address], io);
    assert.equal(code, 0, io.err.join(''));
    const result = JSON.parse(io.out.join('')) as { ltime: string };
    assert.match(result.ltime, /^\d+$/);
    assert.deepEqual(result, {
      ltime: result.ltime,
      acks: [],
      responses: [
        { from: 'a', payload: 'up 3 days' },
        { from: 'b', payloadBase64: '/wA=' },
      ],
    });
    assert.equal(setup.cluster.askedQueries.at(-1)!.requestAck, false);
    assert.equal('timeoutMs' in setup.cluster.askedQueries.at(-1)!, false);

    const text = memoryIo();
    assert.equal(await run(['query', 'uptime', '--no-ack', '--http', setup.address], text), 0);
    assert.match(text.out.join(''), /Total acks: 0, responses: 2 \(acks not requested\)\n$/);
  });

  it('a refusal by the agent: one line, exit 1', async () => {
    const io = memoryIo();
    const code = await run(['query', 'q', '--tag', 'role=(', '--http', setup.address], io);
    assert.equal(code, 1);
    assert.match(
      io.err.join(''),
      /^hearsay: http:\/\/127\.0\.0\.1:\d+\/v1\/queries answered 400: body\/filterTags\/role must be a regular expression/,
    );
  });

  it('bad flags: one line naming the flag, exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['--timeout', 'soon'], /^hearsay: --timeout must be a duration such as 500ms, 5s or 1m/],
      [['--timeout', '10m'], /^hearsay: --timeout must be a duration .*got "10m"/],
      [['--timeout', '0'], /^hearsay: --timeout must be/],
      [['--tag', 'role'], /^hearsay: --tag must be KEY=REGEX with a non-empty KEY, got "role"/],
      [['--tag', 'a=1', '--tag', 'a=2'], /^hearsay: --tag gives the tag "a" twice/],
      [['--node'], /^hearsay: --node needs a value/],
    ];
    for (const [flags, message] of cases) {
      const io = memoryIo();
      const code = await run(['query', 'q', '--http', setup.address, ...flags], io);
      assert.equal(code, 2, flags.join(' '));
      assert.match(io.err.join(''), message, flags.join(' '));
    }
  });

  it('durations: ms, s, m, bare milliseconds; nothing else', () => {
    assert.equal(parseDurationMs('500ms'), 500);
    assert.equal(parseDurationMs('2.5s'), 2500);
    assert.equal(parseDurationMs('1m'), 60_000);
    assert.equal(parseDurationMs('750'), 750);
    for (const bad of ['', 's', '-1s', '1h', '1e3', '0ms', '6m', ' 5 s']) {
      assert.equal(parseDurationMs(bad), undefined, bad);
    }
  });
});
