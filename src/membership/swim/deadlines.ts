/**
 * The node's one-off deadlines, multiplexed behind the single `deadline` timer kind.
 *
 * The protocol contract allows one pending timer per kind per node, but a SWIM node has
 * many short-lived deadlines at once: the probe timeout and probe end, a nack timer per
 * helper probe, one suspicion timer per suspect member, TCP exchange deadlines, join
 * retries, the leave timeout. They live here, in a binary min-heap ordered by (time,
 * insertion), and the node keeps the host timer armed at the earliest one.
 *
 * Cancelling marks an entry dead; it is discarded when it reaches the top. Every producer
 * of deadlines is itself bounded (pending probes, members, exchanges), so the heap is too;
 * `size` includes cancelled entries not yet discarded.
 */

export interface Deadline<C> {
  readonly atMs: number;
  readonly seq: number;
  readonly fire: (ctx: C) => void;
  cancelled: boolean;
}

export class DeadlineHeap<C> {
  readonly #heap: Deadline<C>[] = [];
  #seq = 0;

  get size(): number {
    return this.#heap.length;
  }

  /** Schedules `fire` at `atMs`; returns a handle for `cancel`. */
  add(atMs: number, fire: (ctx: C) => void): Deadline<C> {
    const d: Deadline<C> = { atMs, seq: this.#seq++, fire, cancelled: false };
    const h = this.#heap;
    h.push(d);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(d, h[p]!)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = d;
    return d;
  }

  cancel(d: Deadline<C> | null): void {
    if (d !== null) d.cancelled = true;
  }

  /** Time of the earliest live deadline, or Infinity. Discards cancelled ones on top. */
  nextAtMs(): number {
    const h = this.#heap;
    while (h.length > 0 && h[0]!.cancelled) this.#pop();
    return h.length > 0 ? h[0]!.atMs : Number.POSITIVE_INFINITY;
  }

  /** Removes and returns the earliest live deadline due at or before `nowMs`, or null. */
  popDue(nowMs: number): Deadline<C> | null {
    if (this.nextAtMs() > nowMs) return null;
    return this.#pop();
  }

  clear(): void {
    this.#heap.length = 0;
  }

  #pop(): Deadline<C> {
    const h = this.#heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      const n = h.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && before(h[r]!, h[l]!) ? r : l;
        if (!before(h[c]!, last)) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}

function before<C>(a: Deadline<C>, b: Deadline<C>): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}
