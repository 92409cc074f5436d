/**
 * Event handlers, piece by piece: Serf's `[FILTER=]SCRIPT` syntax and matching; the
 * environment and stdin Serf gives a script (member lines, payload with a newline added);
 * the script runner with real `/bin/sh` processes — stdout handed on only on exit 0, a
 * failing or missing script logged and counted without throwing, the timeout killing the
 * process group, one at a time in order by default, the queue bound.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AgentEvent } from '../../src/agent/agent-events.ts';
import { handlerMatches, parseEventHandler } from '../../src/agent/handlers/filter.ts';
import { ScriptRunner } from '../../src/agent/handlers/script-runner.ts';
import { handlerEnv, handlerStdin } from '../../src/agent/handlers/serf-env.ts';
import { member, sinkLogger } from './fake-cluster.ts';

const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

describe('event handler specs (Serf filter syntax)', () => {
  it('parses filters and matches like Serf', () => {
    const all = parseEventHandler('./all.sh');
    assert.deepEqual(all.filters, [{ event: '*', name: '' }]);
    assert.equal(all.script, './all.sh');
    const some = parseEventHandler('member-join,user:deploy,query:uptime=/opt/h.sh --flag=1');
    assert.equal(some.script, '/opt/h.sh --flag=1');
    assert.ok(handlerMatches(some, { type: 'member-join' }));
    assert.ok(!handlerMatches(some, { type: 'member-leave' }));
    assert.ok(handlerMatches(some, { type: 'user', name: 'deploy' }));
    assert.ok(!handlerMatches(some, { type: 'user', name: 'other' }));
    assert.ok(handlerMatches(some, { type: 'query', name: 'uptime' }));
    const anyUser = parseEventHandler('user=./u.sh');
    assert.ok(handlerMatches(anyUser, { type: 'user', name: 'whatever' }));
    assert.ok(!handlerMatches(anyUser, { type: 'query', name: 'whatever' }));
    assert.ok(handlerMatches(parseEventHandler('*=FOO=1 ./x.sh'), { type: 'member-reap' }));
  });

  it('refuses unknown event types (with the *= hint), empty scripts', () => {
    assert.throws(() => parseEventHandler('FOO=1 ./x.sh'), /"FOO".*not an event type.*\*=/);
    assert.throws(() => parseEventHandler('member-joined=./x.sh'), /member-joined/);
    assert.throws(() => parseEventHandler('user:deploy='), /no script/);
  });
});

describe("the handler's environment and stdin (Serf's)", () => {
  const self = member('web-1', 7946, 'alive', { role: 'web', 'dc.name': 'eu-1' });

  it('member events: SERF_EVENT, self, tags; one tab-separated line per member', () => {
    const e: AgentEvent = {
      type: 'member-join',
      members: [
        member('a', 1, 'alive', { role: 'db', z: '1', b: '2' }),
        member('b\tx', 2, 'alive', {}),
      ],
    };
    const env = handlerEnv(self, e);
    assert.equal(env.SERF_EVENT, 'member-join');
    assert.equal(env.SERF_SELF_NAME, 'web-1');
    assert.equal(env.SERF_SELF_ROLE, 'web');
    assert.equal(env.SERF_TAG_ROLE, 'web');
    assert.equal(env.SERF_TAG_DC_NAME, 'eu-1');
    assert.equal(env.HEARSAY_EVENT, 'member-join');
    assert.equal(env.SERF_USER_EVENT, undefined);
    assert.equal(str(handlerStdin(e)), 'a\t127.0.0.1\tdb\tb=2,role=db,z=1\nb\\tx\t127.0.0.1\t\t\n');
  });

  it('user events and queries: name and ltime; the payload with a newline added once', () => {
    const u: AgentEvent = {
      type: 'user',
      name: 'deploy',
      payload: text('v1'),
      ltime: 42n,
      coalesce: true,
    };
    assert.equal(handlerEnv(self, u).SERF_USER_EVENT, 'deploy');
    assert.equal(handlerEnv(self, u).SERF_USER_LTIME, '42');
    assert.equal(str(handlerStdin(u)), 'v1\n');
    assert.equal(str(handlerStdin({ ...u, payload: text('v1\n') })), 'v1\n');
    assert.equal(handlerStdin({ ...u, payload: text('') }).length, 0);
    const q: AgentEvent = {
      type: 'query',
      name: 'uptime',
      payload: text('x'),
      ltime: 7n,
      from: 'asker',
      respond: () => true,
    };
    const env = handlerEnv(self, q);
    assert.equal(env.SERF_EVENT, 'query');
    assert.equal(env.SERF_QUERY_NAME, 'uptime');
    assert.equal(env.SERF_QUERY_LTIME, '7');
    assert.equal(env.HEARSAY_QUERY_FROM, 'asker');
  });
});

function runner(options: { concurrency?: number; timeoutMs?: number; queueMax?: number } = {}) {
  const { sink, logger } = sinkLogger('t');
  const r = new ScriptRunner({
    concurrency: options.concurrency ?? 1,
    timeoutMs: options.timeoutMs ?? 10_000,
    queueMax: options.queueMax,
    killGraceMs: 200,
    logger,
  });
  const records = () => sink.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { r, records };
}

describe('script runner', () => {
  it('runs /bin/sh -c with the env and stdin; stdout to onSuccess on exit 0', async () => {
    const { r, records } = runner();
    const outs: string[] = [];
    r.enqueue({
      handler: 'h',
      event: 'user:x',
      script: 'read line; echo "$SERF_EVENT:$line"; echo warn >&2',
      env: { SERF_EVENT: 'user' },
      stdin: text('payload\n'),
      onSuccess: (out) => outs.push(str(out)),
    });
    await r.idle();
    assert.deepEqual(outs, ['user:payload\n']);
    assert.deepEqual(r.stats, { started: 1, succeeded: 1, failed: 0, timedOut: 0, dropped: 0 });
    const done = records().find((l) => l.msg === 'event handler finished')!;
    assert.equal(done.stdout, 'user:payload');
    assert.equal(done.stderr, 'warn');
  });

  it('a failing script and a missing one are logged and counted, never thrown', async () => {
    const { r, records } = runner();
    let called = false;
    r.enqueue({
      handler: 'bad',
      event: 'user:x',
      script: 'echo oops >&2; exit 3',
      env: {},
      stdin: text(''),
      onSuccess: () => {
        called = true;
      },
    });
    r.enqueue({
      handler: 'gone',
      event: 'user:x',
      script: '/nonexistent/handler',
      env: {},
      stdin: text(''),
    });
    await r.idle();
    assert.equal(called, false, 'no answer from a failed script');
    assert.equal(r.stats.failed, 2);
    const failed = records().filter((l) => l.msg === 'event handler failed');
    assert.deepEqual(
      failed.map((l) => [l.handler, l.exitCode]),
      [
        ['bad', 3],
        ['gone', 127],
      ],
    );
    assert.equal(failed[0]!.stderr, 'oops');
  });

  it('a name from the network with a NUL byte cannot be put in the environment: logged, not thrown', async () => {
    const { r, records } = runner();
    r.enqueue({
      handler: 'h',
      event: 'user:x',
      script: 'true',
      env: { SERF_USER_EVENT: 'a\u0000b' },
      stdin: text(''),
    });
    await r.idle();
    assert.equal(r.stats.failed, 1);
    assert.ok(records().some((l) => l.msg === 'event handler could not be started'));
    r.enqueue({ handler: 'h', event: 'user:y', script: 'true', env: {}, stdin: text('') });
    await r.idle();
    assert.equal(r.stats.succeeded, 1, 'the runner goes on');
  });

  it('the timeout kills the script and what it started', async () => {
    const { r, records } = runner({ timeoutMs: 300 });
    const startMs = performance.now();
    r.enqueue({
      handler: 'slow',
      event: 'user:x',
      script: 'sleep 30 & sleep 30; wait',
      env: {},
      stdin: text(''),
    });
    await r.idle();
    assert.ok(performance.now() - startMs < 10_000, 'killed, not waited for');
    assert.equal(r.stats.timedOut, 1);
    assert.ok(records().some((l) => String(l.msg).includes('timed out after 300 ms')));
  });

  it('one at a time, in order, by default; the queue is bounded', async () => {
    const { r } = runner({ queueMax: 3 });
    const order: string[] = [];
    for (let i = 0; i < 5; i++) {
      r.enqueue({
        handler: 'h',
        event: `user:${i}`,
        script: `echo ${i}`,
        env: {},
        stdin: text(''),
        onSuccess: (out) => order.push(str(out).trim()),
      });
    }
    // The first starts at once; three wait; the fifth is dropped.
    await r.idle();
    assert.deepEqual(order, ['0', '1', '2', '3']);
    assert.equal(r.stats.dropped, 1);
    await r.close(100);
    assert.equal(
      r.enqueue({ handler: 'h', event: 'x', script: 'true', env: {}, stdin: text('') }),
      false,
    );
  });
});
