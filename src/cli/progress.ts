/**
 * A one-line progress display on stderr, redrawn in place with `\r`.
 *
 * Drawn only when stderr is a terminal and the user did not ask for --quiet or --json: in a
 * pipe or a CI log, carriage returns become thousands of lines. Redraws are throttled to
 * one per PROGRESS_REDRAW_MS: the engine reports progress every period, which at a million
 * nodes is still fast enough that unthrottled writes would cost more than the simulation.
 *
 * The simulation runs synchronously on the main thread, so there is no timer-driven
 * redraw: the line changes only when the engine reports. Writes to a TTY are synchronous
 * in Node, so what is drawn shows up immediately.
 */

import type { CliIo } from './io.ts';

/** At most ten redraws per second. */
export const PROGRESS_REDRAW_MS = 100;
const BAR_CHARS_MAX = 30;
const CLEAR_LINE = '\r\x1b[K';

export interface Progress {
  /**
   * Report progress: `fraction` in [0, 1], or null when only a status message is known.
   * `detail` is shown after the bar.
   */
  update(fraction: number | null, detail: string): void;
  /** Erase the line (the next output starts on a clean line). */
  done(): void;
}

const NO_PROGRESS: Progress = { update: () => {}, done: () => {} };

/** `label [#####-----]  50%  detail` (or `label  detail`), cut to `columns` characters. Pure. */
export function progressLine(
  label: string,
  fraction: number | null,
  detail: string,
  columns: number,
): string {
  if (fraction === null) return `${label}  ${detail}`.slice(0, Math.max(1, columns - 1));
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const barChars = Math.max(
    10,
    Math.min(BAR_CHARS_MAX, columns - label.length - detail.length - 12),
  );
  const filled = Math.round(f * barChars);
  const pct = `${Math.floor(f * 100)}%`.padStart(4);
  const line = `${label} [${'#'.repeat(filled)}${'-'.repeat(barChars - filled)}] ${pct}  ${detail}`;
  // One column spare: writing into the last column makes some terminals wrap.
  return line.slice(0, Math.max(1, columns - 1));
}

export function createProgress(io: CliIo, label: string, enabled: boolean): Progress {
  if (!enabled || !io.stderrIsTTY) return NO_PROGRESS;
  let lastDrawMs = Number.NEGATIVE_INFINITY;
  let drawn = false;
  return {
    update(fraction, detail) {
      const now = io.nowMs();
      if (now - lastDrawMs < PROGRESS_REDRAW_MS) return;
      lastDrawMs = now;
      drawn = true;
      io.stderr(`${CLEAR_LINE}${progressLine(label, fraction, detail, io.stderrColumns)}`);
    },
    done() {
      if (drawn) io.stderr(CLEAR_LINE);
      drawn = false;
    },
  };
}
