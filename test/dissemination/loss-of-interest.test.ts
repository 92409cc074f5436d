import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adaptiveFanout, MessageBudget } from '../../src/dissemination/fanout.ts';
import {
  contactCounts,
  losesInterest,
  needsFeedback,
} from '../../src/dissemination/loss-of-interest.ts';

test('which contacts count (Demers 1.4: blind vs feedback)', () => {
  const table = [
    ['feedback-counter', false, false],
    ['feedback-counter', true, true],
    ['feedback-coin', false, false],
    ['feedback-coin', true, true],
    ['blind-counter', false, true],
    ['blind-counter', true, true],
    ['blind-coin', false, true],
    ['blind-coin', true, true],
  ] as const;
  for (const [variant, knew, counts] of table)
    assert.equal(contactCounts(variant, knew), counts, `${variant} knew=${knew}`);
  assert.equal(needsFeedback('feedback-coin'), true);
  assert.equal(needsFeedback('blind-counter'), false);
});

test('counter loses interest at the k-th counted contact; coin with probability 1/k', () => {
  const table = [
    // variant, k, counter, coin, loses
    ['feedback-counter', 3, 2, 0.0, false],
    ['feedback-counter', 3, 3, 0.99, true],
    ['blind-counter', 1, 1, 0.99, true],
    ['feedback-coin', 4, 1, 0.24, true],
    ['feedback-coin', 4, 1, 0.25, false],
    ['blind-coin', 1, 1, 0.999, true],
    ['blind-coin', 2, 9, 0.5, false],
  ] as const;
  for (const [variant, k, counter, coin, loses] of table) {
    assert.equal(
      losesInterest(variant, k, counter, coin),
      loses,
      `${variant} k=${k} counter=${counter} coin=${coin}`,
    );
  }
});

test('adaptive fanout is ceil(c ln n), at least 1', () => {
  const table = [
    [1, 2, 1],
    [1, 3, 2],
    [1, 1000, 7],
    [1, 1_000_000, 14],
    [2, 1000, 14],
    [0.1, 100, 1],
  ] as const;
  for (const [c, n, f] of table) assert.equal(adaptiveFanout(c, n), f, `c=${c} n=${n}`);
});

test('message budget refuses over the limit and reports once per period', () => {
  const b = new MessageBudget(2);
  assert.deepEqual(
    [b.take(), b.take(), b.take(), b.take()],
    ['ok', 'ok', 'refused-first', 'refused'],
  );
  b.reset();
  assert.equal(b.take(), 'ok');
});
