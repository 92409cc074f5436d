/**
 * The load generator (bench/agent/load.ts) against fake senders: every due event is either
 * sent or skipped, never lost; the in-flight limit turns into skips; errors and unanswered
 * requests are counted apart. Counts only, no timing: the window is short and the counts do
 * not depend on how the ticks fall.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LoadSender } from '../../../bench/agent/event-cluster.ts';
import { runLoad } from '../../../bench/agent/load.ts';

const OPTIONS = {
  name: 'load',
  ratePerSec: 1000,
  durationMs: 50,
  tickMs: 5,
  answerDeadlineMs: 20,
};

describe('runLoad', () => {
  it('sends exactly rate × duration events when the sender keeps up', async () => {
    const payloads: string[] = [];
    const sender: LoadSender = {
      inFlightMax: 1_000,
      send: async (name, payload) => {
        assert.equal(name, 'load');
        payloads.push(payload);
      },
      close: () => {},
    };
    const r = await runLoad(sender, OPTIONS);
    assert.deepEqual(
      [r.due, r.sent, r.skipped, r.acked, r.errors, r.unanswered],
      [50, 50, 0, 50, 0, 0],
    );
    assert.equal(new Set(payloads).size, 50);
  });

  it('skips what is due beyond the in-flight limit and counts the unanswered', async () => {
    const sender: LoadSender = {
      inFlightMax: 3,
      send: () => new Promise<void>(() => {}),
      close: () => {},
    };
    const r = await runLoad(sender, OPTIONS);
    assert.deepEqual([r.due, r.sent, r.skipped, r.acked, r.unanswered], [50, 3, 47, 0, 3]);
  });

  it('counts errors and keeps distinct messages', async () => {
    let n = 0;
    const sender: LoadSender = {
      inFlightMax: 1_000,
      send: async () => {
        n++;
        if (n % 2 === 0) throw new Error('queue full');
      },
      close: () => {},
    };
    const r = await runLoad(sender, OPTIONS);
    assert.equal(r.acked + r.errors, 50);
    assert.equal(r.errors, 25);
    assert.deepEqual(r.errorSamples, ['queue full']);
  });

  it('refuses a zero rate', async () => {
    const sender: LoadSender = { inFlightMax: 1, send: async () => {}, close: () => {} };
    await assert.rejects(runLoad(sender, { ...OPTIONS, ratePerSec: 0 }));
  });
});
