/**
 * The simulator's agenda: pending events ordered by (time, sequence number).
 *
 * Ties at equal times resolve by insertion order, which is what makes a run replayable
 * and what makes synchronous rounds fall out of the event loop for free: every timer of a
 * round fires at the same instant, and the zero-latency messages they send are queued
 * behind all of them, then the replies behind those, breadth-first.
 *
 * Events live in a struct-of-arrays slot pool (no object per event; a million-node run
 * pushes tens of millions of events through here), addressed by slot index. Two
 * structures hold slot indices:
 *  - a binary min-heap for events in the future;
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

  #nextSeq = 0;
  /** The time of the event most recently popped: the simulator's clock. */
  now = 0;

  get size(): number {
    return this.#heapSize + this.#fifoCount;
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
    if (at <= this.now) this.#fifoPush(slot);
    else this.#heapPush(slot);
  }

  /**
   * Remove the next event and return its slot (valid until the next `push`), or -1 when
   * empty. Advances `now`.
   */
  pop(): number {
    const heapSize = this.#heapSize;
    let slot: number;
    if (heapSize > 0 && this.#heapTime[0]! <= this.now) slot = this.#heapPop();
    else if (this.#fifoCount > 0) slot = this.#fifoPop();
    else if (heapSize > 0) slot = this.#heapPop();
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
    this.#fifoTail = (this.#fifoTail + 1) % this.#fifo.length;
    this.#fifoCount++;
  }

  #fifoPop(): number {
    const slot = this.#fifo[this.#fifoHead]!;
    this.#fifoHead = (this.#fifoHead + 1) % this.#fifo.length;
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
