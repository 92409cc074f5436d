/**
 * The agent's one collection at the end of start-up (src/agent/start-up-gc.ts): it really
 * collects, and it leaves the process's global as it found it.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { collectStartUpGarbage } from '../../src/agent/start-up-gc.ts';

describe('start-up garbage collection', () => {
  it('collects what nothing holds, and does not expose gc on the global', async () => {
    const hadGc = typeof (globalThis as { gc?: unknown }).gc === 'function';
    let ref: WeakRef<object> | undefined = (() => new WeakRef({ big: new Array(1000).fill(1) }))();
    // A WeakRef's target is held until the job that made it ends.
    await nextTurn();
    const ms = collectStartUpGarbage();
    assert.ok(Number.isFinite(ms) && ms >= 0, `took ${ms} ms`);
    assert.equal(ref.deref(), undefined, 'the unreachable object was collected');
    ref = undefined;
    assert.equal(typeof (globalThis as { gc?: unknown }).gc === 'function', hadGc);
    // A second call reuses the collector it found.
    assert.ok(collectStartUpGarbage() >= 0);
  });
});
