/**
 * The event schedule (bench/agent/schedule.ts): gaps of spacing plus a jitter within
 * [0, jitter), the same for the same seed, and phases spread over a gossip interval.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventOffsetsMs } from '../../../bench/agent/schedule.ts';

describe('eventOffsetsMs', () => {
  it('keeps every gap within [spacing, spacing + jitter)', () => {
    const offsets = eventOffsetsMs(50, 1000, 500, 7);
    assert.equal(offsets.length, 50);
    assert.ok(offsets[0]! >= 0 && offsets[0]! < 500);
    for (let k = 1; k < offsets.length; k++) {
      const gap = offsets[k]! - offsets[k - 1]!;
      assert.ok(gap >= 1000 && gap < 1500, `gap ${k}: ${gap}`);
    }
  });

  it('is the same for the same seed and differs for another', () => {
    assert.deepEqual(eventOffsetsMs(10, 1000, 500, 3), eventOffsetsMs(10, 1000, 500, 3));
    assert.notDeepEqual(eventOffsetsMs(10, 1000, 500, 3), eventOffsetsMs(10, 1000, 500, 4));
  });

  it('spreads the phase against a 200 ms gossip tick', () => {
    const phases = eventOffsetsMs(200, 1000, 500, 1).map((t) => Math.floor((t % 200) / 50));
    for (let quarter = 0; quarter < 4; quarter++) {
      assert.ok(phases.filter((p) => p === quarter).length > 20, `quarter ${quarter}`);
    }
  });

  it('without jitter, exactly spacing apart', () => {
    assert.deepEqual(eventOffsetsMs(3, 1000, 0, 1), [0, 1000, 2000]);
  });
});
