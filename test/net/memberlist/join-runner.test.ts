/**
 * JoinRunner without sockets: the protocol's answers and the host's stream failures are fed
 * by hand, the watchdog runs on node:test's mock clock.
 */

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { TIMER_DELAY_MS_MAX } from '../../../src/net/host-timers.ts';
import type { StreamFailure } from '../../../src/net/memberlist/host.ts';
import { JoinError } from '../../../src/net/memberlist/join-error.ts';
import {
  JoinRunner,
  type JoinTarget,
  joinWatchdogMs,
  WATCHDOG_SLACK_MS,
} from '../../../src/net/memberlist/join-runner.ts';

const TIMING = { joinRetries: 1, joinBackoffMs: 100, tcpTimeoutMs: 500 };

function target(port: number): JoinTarget {
  return {
    seed: `127.0.0.1:${port}`,
    address: { ip: new Uint8Array([127, 0, 0, 1]), port },
    endpoint: `127.0.0.1:${port}`,
  };
}

function failure(port: number, sent: string): StreamFailure {
  return {
    to: port,
    endpoint: `127.0.0.1:${port}`,
    sent,
    reason: 'refused',
    detail: 'connection refused',
  };
}

const closedError = () => new Error('closed');

/** A join of one seed whose start does nothing: only `settle`, `close` or the watchdog end it. */
const waitForAnswer = (runner: JoinRunner) =>
  runner.run([target(1)], { start: () => {}, timing: TIMING, seedsGiven: 1, closedError });

/** Lets the runner's promise chain reach the wait (a few microtask turns). */
const turns = async (n = 5) => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};

describe('JoinRunner', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());

  it('bounds a join by its retries, timeouts and backoff', () => {
    assert.equal(joinWatchdogMs(TIMING), 2 * (500 + WATCHDOG_SLACK_MS) + 100 * 2);
    const huge = { joinRetries: 1_000, joinBackoffMs: 1e9, tcpTimeoutMs: 1 };
    assert.equal(joinWatchdogMs(huge), TIMER_DELAY_MS_MAX, 'capped where timers still work');
  });

  it('resolves with the seeds contacted', async () => {
    const runner = new JoinRunner();
    let started = 0;
    const run = runner.run([target(1)], {
      start: () => started++,
      timing: TIMING,
      seedsGiven: 1,
      closedError,
    });
    assert.equal(started, 1);
    runner.settle({ type: 'join-succeeded', contacted: 1 });
    assert.equal(await run, 1);
  });

  it('names per seed what the wire saw, the protocol reason where it saw nothing', async () => {
    const runner = new JoinRunner();
    const run = runner.run([target(1), target(2)], {
      start: () => {},
      timing: TIMING,
      earlier: [{ seed: 'nowhere', endpoint: '', reason: 'resolve', detail: 'no address' }],
      seedsGiven: 3,
      closedError,
    });
    runner.streamFailed(failure(1, 'pushPull'));
    runner.streamFailed(failure(2, 'ping'));
    runner.settle({ type: 'join-failed', reason: 'no seed answered' });
    const err = await run.then(
      () => assert.fail('resolved'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof JoinError);
    assert.deepEqual(
      err.failures.map((f) => [f.seed, f.reason, f.detail]),
      [
        ['nowhere', 'resolve', 'no address'],
        ['127.0.0.1:1', 'refused', 'connection refused'],
        ['127.0.0.1:2', 'protocol', 'no seed answered'],
      ],
    );
    assert.match(err.message, /none of the 3 seed\(s\) answered/);
  });

  it('gives up when the protocol never answers', async () => {
    const runner = new JoinRunner();
    const run = waitForAnswer(runner);
    const state = run.then(
      () => 'resolved',
      () => 'rejected',
    );
    mock.timers.tick(joinWatchdogMs(TIMING) - 1);
    const pending = turns(10).then(() => 'pending');
    assert.equal(await Promise.race([state, pending]), 'pending', 'not before the watchdog');
    mock.timers.tick(1);
    await assert.rejects(run, (e: unknown) => {
      assert.ok(e instanceof JoinError);
      assert.match(e.failures[0]!.detail, /no join result .* within 3200 ms/);
      return true;
    });
    runner.settle({ type: 'join-succeeded', contacted: 1 }); // late: nothing waits
  });

  it('rejects with the closed error when its owner shuts down, and when start throws', async () => {
    const runner = new JoinRunner();
    const run = waitForAnswer(runner);
    runner.close();
    await assert.rejects(run, /^Error: closed$/);
    const refused = runner.run([target(1)], {
      start: () => {
        throw new Error('not running');
      },
      timing: TIMING,
      seedsGiven: 1,
      closedError,
    });
    await assert.rejects(refused, /not running/);
  });

  it('runs queued joins one after another, each answered by its own event', async () => {
    const runner = new JoinRunner();
    const order: string[] = [];
    const join = (name: string) =>
      runner.serialize(() =>
        runner.run([target(1)], {
          start: () => order.push(`start ${name}`),
          timing: TIMING,
          seedsGiven: 1,
          closedError,
        }),
      );
    const first = join('a');
    const second = join('b');
    await turns();
    assert.deepEqual(order, ['start a'], 'b waits for a');
    runner.settle({ type: 'join-failed', reason: 'refused' });
    await assert.rejects(first, JoinError);
    await turns(10);
    assert.deepEqual(order, ['start a', 'start b'], 'a failed join does not block the queue');
    runner.settle({ type: 'join-succeeded', contacted: 1 });
    assert.equal(await second, 1);
  });
});
