/**
 * Serf's user-event receive path (serf-layer.md §6.1): witness, minimum time, too old for
 * the ring, duplicate detection per (LTime, name, payload), bounded slots; and the sending
 * size checks.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/core/errors.ts';
import { decodeSerfMessage } from '../../src/membership/wire/serf/codec.ts';
import { DEFAULT_SERF_LIMITS } from '../../src/membership/wire/serf/limits.ts';
import { LamportClock } from '../../src/serf/lamport.ts';
import {
  buildUserEvent,
  USER_EVENT_BYTES_CEILING,
  UserEventLog,
} from '../../src/serf/user-events.ts';

const p = (...bytes: number[]) => new Uint8Array(bytes);

test('a new event is delivered once; the same (LTime, name, payload) again is a duplicate', () => {
  const clock = new LamportClock();
  const log = new UserEventLog(clock, 512, 8);
  assert.equal(log.receive(5n, 'deploy', p(1)), 'new');
  assert.equal(clock.time(), 6n, 'witnessed');
  assert.equal(log.receive(5n, 'deploy', p(1)), 'duplicate');
  assert.equal(log.receive(5n, 'deploy', p(2)), 'new', 'other payload, same time: new');
  assert.equal(log.receive(5n, 'other', p(1)), 'new', 'other name: new');
  assert.equal(log.receive(6n, 'deploy', p(1)), 'new', 'other time: new');
});

test('nil and empty payloads are the same payload (Go bytes.Equal)', () => {
  const log = new UserEventLog(new LamportClock(), 512, 8);
  assert.equal(log.receive(3n, 'x', null), 'new');
  assert.equal(log.receive(3n, 'x', p()), 'duplicate');
});

test('events more than a ring behind the clock are too old; below minTime are dropped', () => {
  const clock = new LamportClock();
  const log = new UserEventLog(clock, 16, 8);
  clock.witness(100n); // now 101
  assert.equal(log.receive(84n, 'a', null), 'too-old', '101 − 16 = 85 is the oldest accepted');
  assert.equal(log.receive(85n, 'a', null), 'new');
  log.minTime = 90n;
  assert.equal(log.receive(89n, 'b', null), 'before-min-time');
  assert.equal(log.receive(90n, 'b', null), 'new');
});

test('a reused ring slot forgets the older time; a full slot drops and says so', () => {
  const log = new UserEventLog(new LamportClock(), 4, 2);
  assert.equal(log.receive(1n, 'a', null), 'new');
  assert.equal(log.receive(5n, 'a', null), 'new', 'slot 1 now holds LTime 5');
  assert.deepEqual(
    log.pushPullSlots().map((s) => s.ltime),
    [5n],
  );
  assert.equal(log.receive(5n, 'b', null), 'new');
  assert.equal(log.receive(5n, 'c', null), 'slot-full');
});

test('push/pull slots carry what was recorded', () => {
  const log = new UserEventLog(new LamportClock(), 512, 8);
  log.receive(2n, 'x', p(9));
  log.receive(2n, 'y', null);
  assert.deepEqual(log.pushPullSlots(), [
    {
      ltime: 2n,
      events: [
        { name: 'x', payload: p(9) },
        { name: 'y', payload: null },
      ],
    },
  ]);
});

test('sending: stamped with the clock, encoded, size-checked before and after encoding', () => {
  const clock = new LamportClock(7n);
  const { msg, bytes } = buildUserEvent(clock, 'deploy', p(1, 2), true, 512);
  assert.equal(msg.ltime, 7n);
  assert.deepEqual(decodeSerfMessage(bytes, DEFAULT_SERF_LIMITS), msg);
  const tooBig = (limit: number, payloadBytes: number) =>
    assert.throws(
      () => buildUserEvent(clock, 'n', new Uint8Array(payloadBytes), false, limit),
      (e: unknown) => e instanceof ConfigError && e.field === 'userEvent',
    );
  tooBig(512, 512); // 1 + 512 > 512 before encoding
  tooBig(512, 490); // 491 fits raw, but the encoded message does not
  tooBig(USER_EVENT_BYTES_CEILING * 2, USER_EVENT_BYTES_CEILING); // the hard ceiling holds
});
