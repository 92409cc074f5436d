/**
 * The simulator's agenda: pending events ordered by (time, sequence number).
 *
 * Ties at equal times resolve by insertion order, which is what makes a run replayable
 * and what makes synchronous rounds fall out of the event loop for free: every timer of a
 * round fires at the same instant, and the zero-latency messages they send are queued
 * behind all of them, then the replies behind those, breadth-first.
 *
 * No object per event (a million-node run pushes tens of millions of events through
 * here). Two structures hold the events, and `pop` copies the next one's fields into
 * `event*` fields for the caller to read:
 *  - a FIFO ring for events due *now* (zero delay), holding the events themselves. A
 *    synchronous round is all zero-delay messages, consumed in the order they were
 *    pushed, so they are read and written sequentially — no slot to allocate, no record
 *    scattered across memory. Every future event due now was pushed before the clock
 *    reached now, so it precedes every FIFO event in sequence; serving those first, then
 *    the FIFO, equals pure (time, seq) order;
 *  - for events in the future, a slot pool whose records keep an event's numbers
 *    together (32 bytes: time, seq, node, aux, gen, next), so reading one pushed long ago
 *    costs one cache miss, not one per field, and a binary min-heap whose entries are
 *    *runs*: lists of events already in (time, seq) order, linked through `next`, each
 *    represented in the heap by its head. A push appends to the run whose last time is
 *    the latest not after its own (its seq is larger than any before it, so the run stays
 *    sorted), and only enters the heap when none fits. Periodic timers re-armed one period
 *    ahead are such a sorted stream, so the 100,000 timers of a round cost O(1) each
 *    instead of a sift through a 100,000-entry heap; when a run's head is taken, its next
 *    event re-enters the heap in its place. This is a k-way merge of sorted runs, so the
 *    order is exactly the heap order of the events themselves. A popped slot is reused
 *    first (LIFO), so in rounds mode (whose messages go to the FIFO) a timer re-armed
 *    from its own handler keeps its slot, and a round's timers read their records in the
 *    same order every round.
 */

export const EV_DELIVER = 0;
export const EV_TIMER = 1;
export const EV_CONTROL = 2;

const INITIAL_SLOTS = 1024;
/**
 * Runs open for appending at once. Each periodic timer a protocol re-arms at a fixed
 * delay is one sorted stream (a synchronous round's timers, or one kind of timer across
 * an asynchronous run), and control events scheduled ahead take another; messages with
 * random latencies mostly do not fit and go to the heap. Each push scans them all, so a
 * handful.
 */
const RUNS_OPEN_MAX = 4;
/** FIFO record layout: int32 node, aux, gen, kind. */
const FIFO_I32 = 4;
/** Slot record layout: 4 doubles (32 bytes) = time, seq, then int32 node, aux, gen, next. */
const SLOT_F64 = 4;
const SLOT_I32 = 8;
const F64_TIME = 0;
const F64_SEQ = 1;
const I32_NODE = 4;
const I32_AUX = 5;
const I32_GEN = 6;
const I32_NEXT = 7;

export class EventQueue {
  // --- the event just popped -------------------------------------------------------------
  eventKind = 0;
  eventNode = 0;
  /** DELIVER: sender; TIMER: timer kind index. */
  eventAux = 0;
  /** TIMER: generation; DELIVER: 1 if reliable. */
  eventGen = 0;
  /** DELIVER: the message; CONTROL: the callback. */
  eventPayload: unknown = null;
  /** The time of the event most recently popped: the simulator's clock. */
  now = 0;

  // --- future events: the slot pool --------------------------------------------------------
  /** Records of `SLOT_F64` doubles, viewed as doubles and as int32s. */
  #f64: Float64Array;
  #i32: Int32Array;
  #kind: Uint8Array;
  // Filled, never holey: a large holey array can fall into V8's slow dictionary mode.
  #payload: unknown[];
  #capacity: number;
  #free: Int32Array;
  #freeCount = 0;
  #slotsUsed = 0;

  // The heap keeps each entry's key (time, seq) beside its slot index, so sifting reads
  // contiguous memory instead of chasing slots scattered across the pool.
  #heap = new Int32Array(INITIAL_SLOTS);
  #heapTime = new Float64Array(INITIAL_SLOTS);
  #heapSeq = new Float64Array(INITIAL_SLOTS);
  #heapSize = 0;
  /**
   * Open runs: the last slot of each and its time. A run whose last time is ≤ now may
   * already be drained, so it takes no more events (its index is free for a new run).
   */
  #runTail = new Int32Array(RUNS_OPEN_MAX).fill(-1);
  #runTime = new Float64Array(RUNS_OPEN_MAX).fill(Number.NEGATIVE_INFINITY);
  /** Events in the heap's runs (the heap itself holds one entry per run). */
  #futureCount = 0;
  #nextSeq = 0;

  // --- events due now: the FIFO ring (capacity a power of two) ------------------------------
  #fifoI32: Int32Array;
  #fifoPayload: unknown[];
  #fifoHead = 0;
  #fifoCount = 0;

  /**
   * `slotsHint`: how many events are expected to be pending at once (both structures
   * still grow past it); sizing up front saves the copies of growing by doubling.
   */
  constructor(slotsHint = INITIAL_SLOTS) {
    const slots = Math.max(INITIAL_SLOTS, Math.ceil(slotsHint));
    this.#f64 = new Float64Array(slots * SLOT_F64);
    this.#i32 = new Int32Array(this.#f64.buffer);
    this.#kind = new Uint8Array(slots);
    this.#payload = filledArray(slots);
    this.#capacity = slots;
    this.#free = new Int32Array(slots);
    let ring = INITIAL_SLOTS;
    while (ring < slots) ring *= 2;
    this.#fifoI32 = new Int32Array(ring * FIFO_I32);
    this.#fifoPayload = filledArray(ring);
  }

  get size(): number {
    return this.#futureCount + this.#fifoCount;
  }

  /** Add an event at `at` (≥ now). `payload`: the message, the callback; timers have none. */
  push(at: number, kind: number, node: number, aux: number, gen: number, payload: unknown): void {
    if (at <= this.now) {
      this.#fifoPush(kind, node, aux, gen, payload);
      return;
    }
    const slot = this.#alloc();
    const f = slot * SLOT_F64;
    const i = slot * SLOT_I32;
    const f64 = this.#f64;
    const i32 = this.#i32;
    const seq = this.#nextSeq++;
    f64[f + F64_TIME] = at;
    f64[f + F64_SEQ] = seq;
    i32[i + I32_NODE] = node;
    i32[i + I32_AUX] = aux;
    i32[i + I32_GEN] = gen;
    i32[i + I32_NEXT] = -1;
    this.#kind[slot] = kind;
    if (kind !== EV_TIMER) this.#payload[slot] = payload;
    this.#futureCount++;
    // Append to the open run whose last time is the latest not after `at` (best fit keeps
    // runs tight); a run is open while its last time is in the future, i.e. not drained.
    const now = this.now;
    const runTime = this.#runTime;
    let best = -1;
    let bestTime = Number.NEGATIVE_INFINITY;
    let free = -1;
    for (let r = 0; r < RUNS_OPEN_MAX; r++) {
      const t = runTime[r]!;
      if (t <= now) free = r;
      else if (t <= at && t > bestTime) {
        best = r;
        bestTime = t;
      }
    }
    if (best >= 0) {
      i32[this.#runTail[best]! * SLOT_I32 + I32_NEXT] = slot;
    } else {
      this.#heapPush(slot, at, seq);
      if (free < 0) return;
      best = free;
    }
    this.#runTail[best] = slot;
    runTime[best] = at;
  }

  /**
   * Remove the next event into the `event*` fields and advance `now`; false when empty.
   */
  pop(): boolean {
    return this.popUntil(Number.POSITIVE_INFINITY);
  }

  /**
   * Like `pop`, but only an event due at or before `untilMs`; false when there is none
   * (the clock then stays where it is).
   */
  popUntil(untilMs: number): boolean {
    const now = this.now;
    const heapEmpty = this.#heapSize === 0;
    const heapTop = heapEmpty ? Number.POSITIVE_INFINITY : this.#heapTime[0]!;
    // A future event is never earlier than `now`, so `heapTop <= now` means due now.
    if (heapTop <= now) {
      if (now > untilMs) return false;
      this.#takeFuture();
    } else if (this.#fifoCount > 0) {
      if (now > untilMs) return false;
      this.#fifoPop();
    } else if (!heapEmpty && heapTop <= untilMs) {
      this.#takeFuture();
      this.now = heapTop;
    } else return false;
    return true;
  }

  /** Take the head of the first run into `event*`; the rest of the run stays in its place. */
  #takeFuture(): void {
    const slot = this.#heap[0]!;
    const i = slot * SLOT_I32;
    const i32 = this.#i32;
    const kind = this.#kind[slot]!;
    this.eventKind = kind;
    this.eventNode = i32[i + I32_NODE]!;
    this.eventAux = i32[i + I32_AUX]!;
    this.eventGen = i32[i + I32_GEN]!;
    // Timers carry no payload: skip what would be one more cache miss per timer when
    // timers fire in random node order (events mode).
    if (kind === EV_TIMER) this.eventPayload = null;
    else {
      this.eventPayload = this.#payload[slot];
      this.#payload[slot] = null;
    }
    const rest = i32[i + I32_NEXT]!;
    this.#futureCount--;
    if (rest >= 0) {
      const f = rest * SLOT_F64;
      this.#siftDown(rest, this.#f64[f + F64_TIME]!, this.#f64[f + F64_SEQ]!, this.#heapSize);
    } else {
      const size = --this.#heapSize;
      if (size > 0) this.#refill(size);
    }
    this.#release(slot);
  }

  #alloc(): number {
    if (this.#freeCount > 0) return this.#free[--this.#freeCount]!;
    if (this.#slotsUsed === this.#capacity) this.#growSlots();
    return this.#slotsUsed++;
  }

  #release(slot: number): void {
    if (this.#freeCount === this.#free.length) {
      const f = new Int32Array(this.#free.length * 2);
      f.set(this.#free);
      this.#free = f;
    }
    this.#free[this.#freeCount++] = slot;
  }

  #growSlots(): void {
    const n = this.#capacity * 2;
    const f64 = new Float64Array(n * SLOT_F64);
    f64.set(this.#f64);
    this.#f64 = f64;
    this.#i32 = new Int32Array(f64.buffer);
    const kind = new Uint8Array(n);
    kind.set(this.#kind);
    this.#kind = kind;
    for (let i = this.#payload.length; i < n; i++) this.#payload.push(null);
    this.#capacity = n;
  }

  #fifoPush(kind: number, node: number, aux: number, gen: number, payload: unknown): void {
    const cap = this.#fifoPayload.length;
    if (this.#fifoCount === cap) this.#growFifo();
    const mask = this.#fifoPayload.length - 1;
    const at = (this.#fifoHead + this.#fifoCount) & mask;
    const i = at * FIFO_I32;
    const r = this.#fifoI32;
    r[i] = node;
    r[i + 1] = aux;
    r[i + 2] = gen;
    r[i + 3] = kind;
    this.#fifoPayload[at] = payload;
    this.#fifoCount++;
  }

  /**
   * The node of the FIFO event `ahead` places behind the head, or -1 past the end: lets
   * the simulator touch the protocols of upcoming deliveries early (`Simulator.run`).
   */
  fifoNodeAhead(ahead: number): number {
    if (ahead >= this.#fifoCount) return -1;
    const at = (this.#fifoHead + ahead) & (this.#fifoPayload.length - 1);
    return this.#fifoI32[at * FIFO_I32]!;
  }

  #fifoPop(): void {
    const at = this.#fifoHead;
    const i = at * FIFO_I32;
    const r = this.#fifoI32;
    this.eventNode = r[i]!;
    this.eventAux = r[i + 1]!;
    this.eventGen = r[i + 2]!;
    this.eventKind = r[i + 3]!;
    this.eventPayload = this.#fifoPayload[at];
    this.#fifoPayload[at] = null;
    this.#fifoHead = (at + 1) & (this.#fifoPayload.length - 1);
    this.#fifoCount--;
  }

  #growFifo(): void {
    const cap = this.#fifoPayload.length;
    const r = new Int32Array(cap * 2 * FIFO_I32);
    const p = filledArray(cap * 2);
    for (let k = 0; k < this.#fifoCount; k++) {
      const from = (this.#fifoHead + k) & (cap - 1);
      r.set(this.#fifoI32.subarray(from * FIFO_I32, (from + 1) * FIFO_I32), k * FIFO_I32);
      p[k] = this.#fifoPayload[from];
    }
    this.#fifoI32 = r;
    this.#fifoPayload = p;
    this.#fifoHead = 0;
  }

  #heapPush(slot: number, t: number, q: number): void {
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
  /**
   * After the top is taken: move the last of `size + 1` entries into the hole, bottom-up
   * (Floyd): walk the hole down along the smaller children to a leaf, one comparison per
   * level, then sift the last entry up from there. The last entry came from the bottom
   * and usually belongs near it, so this does about half the comparisons of sifting it
   * down from the root. Keys are unique (seq), so the order popped does not depend on
   * the heap's shape.
   */
  #refill(size: number): void {
    const heap = this.#heap;
    const ht = this.#heapTime;
    const hs = this.#heapSeq;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= size) break;
      const r = l + 1;
      let c = l;
      if (r < size) {
        const rt = ht[r]!;
        const lt = ht[l]!;
        if (rt < lt || (rt === lt && hs[r]! < hs[l]!)) c = r;
      }
      heap[i] = heap[c]!;
      ht[i] = ht[c]!;
      hs[i] = hs[c]!;
      i = c;
    }
    const slot = heap[size]!;
    const t = ht[size]!;
    const q = hs[size]!;
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
  /** Put entry (slot, t, q) at the root of a heap of `size` entries and sift it down. */
  #siftDown(slot: number, t: number, q: number, size: number): void {
    const heap = this.#heap;
    const ht = this.#heapTime;
    const hs = this.#heapSeq;
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
      if (t < ct || (t === ct && q < cq)) break;
      heap[i] = heap[c]!;
      ht[i] = ct;
      hs[i] = cq;
      i = c;
    }
    heap[i] = slot;
    ht[i] = t;
    hs[i] = q;
  }
}

/** An array of `n` nulls built by push: packed, never in slow dictionary mode. */
function filledArray(n: number): unknown[] {
  const a: unknown[] = [];
  for (let i = 0; i < n; i++) a.push(null);
  return a;
}
