/**
 * Rng: determinism, range and rough uniformity, fork independence, shuffle.
 *
 * Statistical checks use fixed seeds, so they are deterministic; the thresholds are the
 * chi-square critical values at p = 0.001, so a correct generator would fail them for one
 * seed in a thousand and a broken one (off-by-one, modulo bias, stuck bits) fails at once.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';

const take = (rng: Rng, n: number): number[] => Array.from({ length: n }, () => rng.u32());

/** Pearson chi-square statistic of observed counts against a uniform expectation. */
function chiSquare(counts: readonly number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const expected = total / counts.length;
  return counts.reduce((acc, c) => acc + (c - expected) ** 2 / expected, 0);
}
/** Chi-square critical values at p = 0.001 by degrees of freedom. */
const CHI2_P001: Record<number, number> = { 5: 20.52, 6: 22.46, 9: 27.88, 15: 37.7 };

test('same seed, same stream', () => {
  assert.deepEqual(take(new Rng(42), 100), take(new Rng(42), 100));
  assert.equal(new Rng(42).seed, 42);
});

test('different seeds, different streams (nearby seeds and seeds differing above bit 32)', () => {
  const seeds = [0, 1, 2, 3, 2 ** 32, 2 ** 33 + 1, -1, Number.MAX_SAFE_INTEGER];
  const firsts = seeds.map((s) => take(new Rng(s), 4).join(','));
  assert.equal(new Set(firsts).size, seeds.length);
});

test('non-integer seeds are refused', () => {
  assert.throws(() => new Rng(1.5), RangeError);
  assert.throws(() => new Rng(Number.NaN), RangeError);
});

test('u32 and float stay in range', () => {
  const rng = new Rng(7);
  for (let i = 0; i < 10_000; i++) {
    const u = rng.u32();
    assert.ok(Number.isInteger(u) && u >= 0 && u < 2 ** 32);
    const f = rng.float();
    assert.ok(f >= 0 && f < 1);
  }
});

test('int(n) stays in [0, n) for small, odd and large n', () => {
  const rng = new Rng(11);
  for (const n of [1, 2, 3, 7, 10, 1000, 2 ** 31 + 1, 2 ** 32 - 1]) {
    for (let i = 0; i < 2000; i++) {
      const x = rng.int(n);
      assert.ok(Number.isInteger(x) && x >= 0 && x < n, `int(${n}) gave ${x}`);
    }
  }
  assert.equal(new Rng(1).int(1), 0);
});

test('int(n) is roughly uniform (chi-square, 10 and 16 bins, p = 0.001)', () => {
  for (const [n, seed] of [
    [10, 1],
    [16, 2],
  ] as const) {
    const rng = new Rng(seed);
    const counts = new Array<number>(n).fill(0);
    for (let i = 0; i < 100_000; i++) counts[rng.int(n)]!++;
    const chi2 = chiSquare(counts);
    assert.ok(chi2 < CHI2_P001[n - 1]!, `n=${n}: chi2 ${chi2.toFixed(2)} (counts ${counts})`);
    // And not suspiciously perfect either (a counter would give 0).
    assert.ok(chi2 > 0.5, `n=${n}: chi2 ${chi2.toFixed(2)} too small`);
  }
});

test('chance(p) hits about p of the time', () => {
  const rng = new Rng(5);
  let hits = 0;
  const trials = 100_000;
  for (let i = 0; i < trials; i++) if (rng.chance(0.3)) hits++;
  // 5 standard deviations of a binomial(100000, 0.3): sqrt(21000) ≈ 145.
  assert.ok(Math.abs(hits - 30_000) < 5 * 145, `hits ${hits}`);
});

test('fork is deterministic and independent of its parent and siblings', () => {
  const a = new Rng(99);
  const b = new Rng(99);
  const childA = a.fork();
  const childB = b.fork();
  assert.deepEqual(take(childA, 50), take(childB, 50), 'forks of equal parents are equal');

  const parent = new Rng(99);
  const c1 = parent.fork();
  const c2 = parent.fork();
  const s1 = take(c1, 1000);
  const s2 = take(c2, 1000);
  const sp = take(parent, 1000);
  for (const [x, y, what] of [
    [s1, s2, 'sibling forks'],
    [s1, sp, 'fork and parent'],
  ] as const) {
    // Streams share no aligned value, and their low bits are uncorrelated.
    const same = x.filter((v, i) => v === y[i]).length;
    assert.equal(same, 0, `${what}: ${same} equal values`);
    let agree = 0;
    for (let i = 0; i < x.length; i++) if ((x[i]! & 1) === (y[i]! & 1)) agree++;
    // 1000 fair coin pairs: agreement 500 ± 5σ (σ ≈ 15.8).
    assert.ok(Math.abs(agree - 500) < 80, `${what}: low bits agree ${agree}/1000`);
  }
});

test('fork advances the parent (two forks differ)', () => {
  const parent = new Rng(3);
  assert.notDeepEqual(take(parent.fork(), 5), take(parent.fork(), 5));
});

test('shuffle returns the same array, permuted, deterministically', () => {
  const xs = Array.from({ length: 50 }, (_, i) => i);
  const a = new Rng(8).shuffle([...xs]);
  const b = new Rng(8).shuffle([...xs]);
  assert.deepEqual(a, b);
  assert.deepEqual(
    [...a].sort((p, q) => p - q),
    xs,
  );
  assert.notDeepEqual(a, xs);
  const same = [1, 2, 3];
  assert.equal(new Rng(1).shuffle(same), same);
  assert.deepEqual(new Rng(1).shuffle([]), []);
  assert.deepEqual(new Rng(1).shuffle([7]), [7]);
});

test('shuffle of 3 elements gives all 6 permutations about equally (chi-square, p = 0.001)', () => {
  const rng = new Rng(12);
  const counts = new Map<string, number>();
  for (let i = 0; i < 60_000; i++) {
    const key = rng.shuffle(['a', 'b', 'c']).join('');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  assert.equal(counts.size, 6);
  const chi2 = chiSquare([...counts.values()]);
  assert.ok(chi2 < CHI2_P001[5]!, `chi2 ${chi2.toFixed(2)}: ${[...counts]}`);
});

test('normal() has mean about 0 and variance about 1', () => {
  const rng = new Rng(21);
  const n = 50_000;
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const x = rng.normal();
    sum += x;
    sumSq += x * x;
  }
  const mean = sum / n;
  const variance = sumSq / n - mean * mean;
  assert.ok(Math.abs(mean) < 0.03, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 0.05, `variance ${variance}`);
});
