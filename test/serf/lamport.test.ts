/**
 * Serf's Lamport clock rules (serf-layer.md §4): start at 1, witness moves past what was
 * seen and never back, stamp-then-increment for senders, witness-own-join for join intents.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LAMPORT_TIME_MAX, LamportClock } from '../../src/serf/lamport.ts';

test('a clock starts at 1, like Serf after its creation increment', () => {
  assert.equal(new LamportClock().time(), 1n);
});

test('increment advances by one and returns the new time', () => {
  const c = new LamportClock();
  assert.equal(c.increment(), 2n);
  assert.equal(c.time(), 2n);
});

test('witness: table of (current, seen) → next', () => {
  const cases: [bigint, bigint, bigint][] = [
    [1n, 0n, 1n], // older: unchanged
    [5n, 3n, 5n], // older: unchanged
    [5n, 5n, 6n], // equal: one past it
    [5n, 9n, 10n], // newer: one past it
    [1n, 2n ** 40n, 2n ** 40n + 1n], // beyond 2^53: no precision lost
  ];
  for (const [start, seen, next] of cases) {
    const c = new LamportClock(start);
    c.witness(seen);
    assert.equal(c.time(), next, `witness(${seen}) from ${start}`);
  }
});

test('stamp-then-increment makes consecutive sends strictly increasing', () => {
  const c = new LamportClock();
  const first = c.time();
  c.increment();
  const second = c.time();
  c.increment();
  assert.ok(second > first);
});

test('a join stamped with time() and witnessed leaves a later leave strictly newer', () => {
  const c = new LamportClock();
  const joinLTime = c.time();
  c.witness(joinLTime);
  const leaveLTime = c.time();
  assert.ok(leaveLTime > joinLTime, 'leave must not look stale against our own join');
});

test('the clock saturates at 2^64 − 1 instead of wrapping', () => {
  const c = new LamportClock();
  c.witness(LAMPORT_TIME_MAX);
  assert.equal(c.time(), LAMPORT_TIME_MAX);
  assert.equal(c.increment(), LAMPORT_TIME_MAX);
  c.witness(LAMPORT_TIME_MAX - 1n);
  assert.equal(c.time(), LAMPORT_TIME_MAX);
});
