import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Awareness } from '../../../src/membership/swim/awareness.ts';
import {
  failedProbeAwarenessDelta,
  goLog10,
  pushPullIntervalMs,
  retransmitLimit,
  suspicionBounds,
  suspicionInitialTimeoutMs,
  suspicionTimeoutMs,
} from '../../../src/membership/swim/formulas.ts';
import { Suspicion } from '../../../src/membership/swim/suspicion.ts';

test('suspicion timeout table (memberlist-wire.md §8.3, LAN: mult 4, max mult 6, 1 s)', () => {
  const rows: [n: number, minMs: number, maxMs: number, k: number][] = [
    [1, 4000, 24_000, 0],
    [2, 4000, 24_000, 0],
    [3, 4000, 24_000, 0],
    [4, 4000, 24_000, 2],
    [10, 4000, 24_000, 2],
    [20, 5204, 31_224, 2],
    [100, 8000, 48_000, 2],
    [1000, 12_000, 72_000, 2],
  ];
  for (const [n, minMs, maxMs, k] of rows) {
    const b = suspicionBounds(4, 6, n, 1000);
    assert.deepEqual(b, { minMs, maxMs, k }, `n=${n}`);
    assert.equal(suspicionInitialTimeoutMs(b), k < 1 ? minMs : maxMs, `initial n=${n}`);
  }
});

test('confirmations shrink the timeout along max − ln(c+1)/ln(k+1)·(max − min), floored, ≥ min', () => {
  const b = suspicionBounds(4, 6, 100, 1000); // min 8 s, max 48 s, k 2
  assert.equal(suspicionTimeoutMs(0, b), 48_000);
  // 48 − log(2)/log(3)·40 = 22.762… s
  assert.equal(suspicionTimeoutMs(1, b), Math.floor(48_000 - (Math.log(2) / Math.log(3)) * 40_000));
  assert.equal(suspicionTimeoutMs(1, b), 22_762);
  assert.equal(suspicionTimeoutMs(2, b), 8000);
  assert.equal(suspicionTimeoutMs(5, b), 8000);
  // WAN: mult 6 → k = 4; 5 s interval.
  const wan = suspicionBounds(6, 6, 50, 5000);
  assert.equal(wan.k, 4);
  assert.equal(wan.minMs, (6 * 1698 * 5000) / 1000);
});

test('Suspicion counts each accuser once, excludes the first, stops at k', () => {
  const s = new Suspicion('a', suspicionBounds(4, 6, 100, 1000), 1000);
  assert.equal(s.expiresAtMs, 1000 + 48_000);
  assert.equal(s.confirm('a'), false, 'the original accuser does not confirm');
  assert.equal(s.confirm('b'), true);
  assert.equal(s.confirm('b'), false, 'one count per node');
  assert.equal(s.expiresAtMs, 1000 + 22_762);
  assert.equal(s.confirm('c'), true);
  assert.equal(s.expiresAtMs, 1000 + 8000);
  assert.equal(s.confirm('d'), false, 'no counting beyond k');
  assert.equal(s.confirmations, 2);
  const none = new Suspicion('a', suspicionBounds(4, 6, 3, 1000), 0);
  assert.equal(none.expiresAtMs, 4000, 'k = 0: the timer starts at min');
  assert.equal(none.confirm('b'), false);
});

test('Suspicion reports its timeout exactly when the host clock has fractions of a ms', () => {
  // A real host's clock: (start + 3000) − start is 2999.999999999999 at this start.
  const start = 5192.569999998771;
  assert.notEqual(start + 3000 - start, 3000);
  const s = new Suspicion('a', suspicionBounds(3, 6, 3, 1000), start);
  assert.equal(s.timeoutMs, 18_000);
  assert.equal(s.confirm('b'), true);
  assert.equal(s.timeoutMs, 3000, 'the local profile minimum, not a hair under it');
  assert.equal(s.expiresAtMs, start + 3000);
});

test('retransmit limit: mult × ceil(log10(n + 1))', () => {
  const rows: [n: number, limit: number][] = [
    [1, 4],
    [3, 4],
    [9, 4],
    [10, 8],
    [99, 8],
    [100, 12],
    [999, 12],
    [1000, 16],
  ];
  for (const [n, limit] of rows) assert.equal(retransmitLimit(4, n), limit, `n=${n}`);
  assert.equal(goLog10(1000), 3);
  assert.equal(goLog10(100), 2);
});

test('push/pull interval scales above 32 nodes', () => {
  const rows: [n: number, ms: number][] = [
    [1, 30_000],
    [32, 30_000],
    [33, 60_000],
    [64, 60_000],
    [65, 90_000],
    [128, 90_000],
    [129, 120_000],
    [1000, 180_000],
  ];
  for (const [n, ms] of rows) assert.equal(pushPullIntervalMs(30_000, n), ms, `n=${n}`);
});

test('awareness deltas (§8.2) and interval scaling, clamped to [0, max − 1]', () => {
  // A failed probe: one per missing nack, or +1 when no helper could nack.
  assert.equal(failedProbeAwarenessDelta(0, 0), 1);
  assert.equal(failedProbeAwarenessDelta(3, 0), 3);
  assert.equal(failedProbeAwarenessDelta(3, 2), 1);
  assert.equal(failedProbeAwarenessDelta(3, 3), 0);
  const a = new Awareness(8);
  assert.equal(a.scaleMs(1000), 1000);
  assert.equal(a.apply(-1), 0, 'never below 0');
  assert.equal(a.apply(3), 3);
  assert.equal(a.scaleMs(1000), 4000);
  assert.equal(a.apply(10), 4, 'clamped at 7');
  assert.equal(a.score, 7);
  assert.equal(a.scaleMs(1000), 8000, 'at most 8× the interval');
  assert.equal(a.apply(-1), -1);
  assert.equal(new Awareness(1).apply(5), 0, 'a max multiplier of 1 disables awareness');
});
