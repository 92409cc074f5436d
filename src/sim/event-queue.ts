/**
 * The simulator's agenda: pending events ordered by (time, sequence number).
 *
 * Ties at equal times resolve by insertion order, which is what makes a run replayable
 * and what makes synchronous rounds fall out of the event loop for free: every timer of a
 * round fires at the same instant, and the zero-latency messages they send are queued
 * behind all of them, then the replies behind those, breadth-first.
 *
 * Events live in a struct-of-arrays slot pool (no object per event; a million-node run
 * pushes tens of millions of events through here), addressed by slot index. Three
 * structures hold slot indices:
 *  - a binary min-heap for events in the future, whose entries are *chains*: runs of
 *    events at one instant, linked through `next`. A push at the same future time as the
 *    previous future push appends to that push's chain instead of entering the heap, so
 *    the 100,000 timers a synchronous round re-arms for the next round cost O(1) each, not
 *    a log n sift. Order is unchanged: a chain's events were pushed consecutively among
 *    the events at its time (any push at another time closes it), so no other event at
 *    that time falls between them, and the heap orders chains by their head's (time, seq);
 *  - a FIFO for events due *now* (zero delay). Every heap event due now was inserted
 *    before the clock reached now, so it precedes every FIFO event by sequence number;
 *    serving the heap's due events first, then the FIFO, equals pure heap order while
 *    skipping the heap's log-n cost for the common zero-latency case.
 */

export const EV_DELIVER = 0;
export const EV_TIMER = 1;
export const EV_CONTROL = 2;

const INITIAL_SLOTS = 1024;

export class EventQueue {
  // Slot pool.
  time = new Float64Array(INITIAL_SLOTS);
  seq = new Float64Array(INITIAL_SLOTS);
  kind = new Uint8Array(INITIAL_SLOTS);
  node = new Int32Array(INITIAL_SLOTS);
  /** DELIVER: sender; TIMER: timer kind index. */
  aux = new Int32Array(INITIAL_SLOTS);
  /** TIMER: generation; DELIVER: 1 if reliable. */
  gen = new Int32Array(INITIAL_SLOTS);
  /** DELIVER: the message; CONTROL: the callback. */
  // Filled, never holey: a large holey array can fall into V8's slow dictionary mode.
  payload: unknown[] = new Array<unknown>(INITIAL_SLOTS).fill(null);
  /** The next event of the same chain (same time, next in sequence), or -1. */
  #next = new Int32Array(INITIAL_SLOTS);
  #free = new Int32Array(INITIAL_SLOTS);
  #freeCount = 0;
  #slotsUsed = 0;

  // The heap keeps each entry's key (time, seq) beside its slot index, so sifting reads
  // contiguous memory instead of chasing slots scattered across the pool.
  #heap = new Int32Array(INITIAL_SLOTS);
  #heapTime = new Float64Array(INITIAL_SLOTS);
  #heapSeq = new Float64Array(INITIAL_SLOTS);
  #heapSize = 0;
  #fifo = new Int32Array(INITIAL_SLOTS);
  #fifoHead = 0;
  #fifoTail = 0;
  #fifoCount = 0;

  /** Time and last slot of the chain the most recent future push went to. */
  #chainTime = Number.NaN;
  /** Events in the heap's chains (the heap itself holds one entry per chain). */
  #futureCount = 0;
  #chainTail = -1;

  #nextSeq = 0;
  /** The time of the event most recently popped: the simulator's clock. */
  now = 0;

  get size(): number {
    return this.#futureCount + this.#fifoCount;
  }

  /** Allocate a slot for an event at `at` (≥ now). Returns the slot index. */
  push(at: number, kind: number, node: number, aux: number, gen: number, payload: unknown): void {
    const slot = this.#alloc();
    this.time[slot] = at;
    this.seq[slot] = this.#nextSeq++;
    this.kind[slot] = kind;
    this.node[slot] = node;
    this.aux[slot] = aux;
    this.gen[slot] = gen;
    this.payload[slot] = payload;
    if (at <= this.now) {
      this.#fifoPush(slot);
      return;
    }
    const next = this.#next;
    next[slot] = -1;
    this.#futureCount++;
    // `at > now` here, so a chain at `at` has not started to be served: still appendable.
    if (at === this.#chainTime) {
      next[this.#chainTail] = slot;
    } else {
      this.#heapPush(slot);
      this.#chainTime = at;
    }
    this.#chainTail = slot;
  }

  /**
   * Remove the next event and return its slot (valid until the next `push`), or -1 when
   * empty. Advances `now`.
   */
  pop(): number {
    return this.popUntil(Number.POSITIVE_INFINITY);
  }

  /**
   * Like `pop`, but only an event due at or before `untilMs`; -1 when there is none (the
   * clock then stays where it is).
   */
  popUntil(untilMs: number): number {
    const now = this.now;
    const heapEmpty = this.#heapSize === 0;
    const heapTop = heapEmpty ? Number.POSITIVE_INFINITY : this.#heapTime[0]!;
    let slot: number;
    // A heap event is never earlier than `now`, so `heapTop <= now` means due now.
    if (heapTop <= now || this.#fifoCount > 0) {
      if (now > untilMs) return -1;
      slot = heapTop <= now ? this.#chainPop() : this.#fifoPop();
    } else if (!heapEmpty && heapTop <= untilMs) slot = this.#chainPop();
    else return -1;
    this.now = this.time[slot]!;
    this.#release(slot);
    return slot;
  }

  /** Time of the next event, or Infinity when empty. */
  peekTime(): number {
    if (this.#fifoCount > 0) return this.now;
    return this.#heapSize > 0 ? this.#heapTime[0]! : Number.POSITIVE_INFINITY;
  }

  /** Take the head of the first chain; the rest of the chain keeps the heap's top. */
  #chainPop(): number {
    const slot = this.#heap[0]!;
    const rest = this.#next[slot]!;
    this.#futureCount--;
    if (rest < 0) return this.#heapPop();
    // Same time, and no other event at that time sorts between the chain's events, so
    // the top stays the minimum without sifting.
    this.#heap[0] = rest;
    this.#heapSeq[0] = this.seq[rest]!;
    return slot;
  }

  #alloc(): number {
    if (this.#freeCount > 0) return this.#free[--this.#freeCount]!;
    if (this.#slotsUsed === this.time.length) this.#growSlots();
    return this.#slotsUsed++;
  }

  // A popped slot is released immediately but its fields stay readable until the next
  // push reuses it: the caller reads them first. The payload reference is dropped on
  // reuse, not here, to keep pop branch-free.
  #release(slot: number): void {
    if (this.#freeCount === this.#free.length) {
      const f = new Int32Array(this.#free.length * 2);
      f.set(this.#free);
      this.#free = f;
    }
    this.#free[this.#freeCount++] = slot;
  }

  #growSlots(): void {
    const n = this.time.length * 2;
    const grow = <A extends Float64Array | Int32Array | Uint8Array>(
      a: A,
      make: (n: number) => A,
    ): A => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.time = grow(this.time, (k) => new Float64Array(k));
    this.seq = grow(this.seq, (k) => new Float64Array(k));
    this.kind = grow(this.kind, (k) => new Uint8Array(k));
    this.node = grow(this.node, (k) => new Int32Array(k));
    this.aux = grow(this.aux, (k) => new Int32Array(k));
    this.gen = grow(this.gen, (k) => new Int32Array(k));
    this.#next = grow(this.#next, (k) => new Int32Array(k));
    for (let i = this.payload.length; i < n; i++) this.payload.push(null);
  }

  #fifoPush(slot: number): void {
    if (this.#fifoCount === this.#fifo.length) {
      const cap = this.#fifo.length;
      const f = new Int32Array(cap * 2);
      for (let i = 0; i < cap; i++) f[i] = this.#fifo[(this.#fifoHead + i) % cap]!;
      this.#fifo = f;
      this.#fifoHead = 0;
      this.#fifoTail = cap;
    }
    this.#fifo[this.#fifoTail] = slot;
    // Capacity is a power of two (1024, doubled on growth).
    this.#fifoTail = (this.#fifoTail + 1) & (this.#fifo.length - 1);
    this.#fifoCount++;
  }

  #fifoPop(): number {
    const slot = this.#fifo[this.#fifoHead]!;
    this.#fifoHead = (this.#fifoHead + 1) & (this.#fifo.length - 1);
    this.#fifoCount--;
    return slot;
  }

  #heapPush(slot: number): void {
    if (this.#heapSize === this.#heap.length) {
      const cap = this.#heap.length * 2;
      const h = new Int32Array(cap);
      h.set(this.#heap);
      this.#heap = h;
      const ht = new Float64Array(cap);
      ht.set(this.#heapTime);
      this.#heapTime = ht;
      const hs = new Float64Array(cap);
      hs.set(this.#heapSeq);
      this.#heapSeq = hs;
    }
    const heap = this.#heap;
    const ht = this.#heapTime;
    const hs = this.#heapSeq;
    const t = this.time[slot]!;
    const q = this.seq[slot]!;
    let i = this.#heapSize++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = ht[parent]!;
      if (pt < t || (pt === t && hs[parent]! < q)) break;
      heap[i] = heap[parent]!;
      ht[i] = pt;
      hs[i] = hs[parent]!;
      i = parent;
    }
    heap[i] = slot;
    ht[i] = t;
    hs[i] = q;
  }

  #heapPop(): number {
    const heap = this.#heap;
    const ht = this.#heapTime;
    const hs = this.#heapSeq;
    const top = heap[0]!;
    const size = --this.#heapSize;
    if (size > 0) {
      const last = heap[size]!;
      const lt = ht[size]!;
      const lq = hs[size]!;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= size) break;
        const r = l + 1;
        let c = l;
        let ct = ht[l]!;
        let cq = hs[l]!;
        if (r < size) {
          const rt = ht[r]!;
          const rq = hs[r]!;
          if (rt < ct || (rt === ct && rq < cq)) {
            c = r;
            ct = rt;
            cq = rq;
          }
        }
        if (lt < ct || (lt === ct && lq < cq)) break;
        heap[i] = heap[c]!;
        ht[i] = ct;
        hs[i] = cq;
        i = c;
      }
      heap[i] = last;
      ht[i] = lt;
      hs[i] = lq;
    }
    return top;
  }
}
