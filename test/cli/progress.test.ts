/** The stderr progress bar: drawn only on a TTY, throttled to ten redraws a second, erased at the end. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CliIo } from '../../src/cli/io.ts';
import { createProgress, PROGRESS_REDRAW_MS, progressLine } from '../../src/cli/progress.ts';

function fakeIo(isTTY: boolean): CliIo & { err: string[]; clockMs: number } {
  const io = {
    err: [] as string[],
    clockMs: 0,
    stdout: () => {},
    stderr: (text: string) => {
      io.err.push(text);
    },
    stderrIsTTY: isTTY,
    stderrColumns: 80,
    nowMs: () => io.clockMs,
  };
  return io;
}

describe('progress bar', () => {
  it('redraws at most once per PROGRESS_REDRAW_MS and clears the line when done', () => {
    const io = fakeIo(true);
    const bar = createProgress(io, 'push', true);
    bar.update(0, 'a');
    io.clockMs = PROGRESS_REDRAW_MS / 2;
    bar.update(0.3, 'b');
    io.clockMs = PROGRESS_REDRAW_MS;
    bar.update(0.6, 'c');
    bar.done();
    assert.equal(io.err.length, 3);
    const clear = '\r\x1b[K';
    assert.ok(io.err[0]!.startsWith(clear));
    assert.match(io.err[0]!.slice(clear.length), /^push \[-+\]\s+0% {2}a$/);
    assert.match(io.err[1]!, /60% {2}c$/);
    assert.equal(io.err[2], '\r\x1b[K');
  });

  it('draws nothing when stderr is not a terminal, or when disabled', () => {
    for (const [isTTY, enabled] of [
      [false, true],
      [true, false],
    ] as const) {
      const io = fakeIo(isTTY);
      const bar = createProgress(io, 'x', enabled);
      bar.update(0.5, 'half');
      bar.done();
      assert.deepEqual(io.err, []);
    }
  });

  it('progressLine fills the bar in proportion and fits the terminal', () => {
    const line = progressLine('rumor', 0.5, 't=100 ms', 80);
    const bar = /\[(#*)(-*)\]/.exec(line);
    assert.ok(bar);
    assert.equal(bar[1]!.length, bar[2]!.length);
    assert.match(line, / 50% {2}t=100 ms$/);
    assert.ok(progressLine('x'.repeat(100), 1, 'detail', 40).length < 40);
    assert.match(progressLine('p', 2, '', 80), /100%/);
    assert.equal(progressLine('demers', null, 'k=3 seed 4/10', 80), 'demers  k=3 seed 4/10');
  });
});
