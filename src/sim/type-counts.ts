/**
 * Per-message-type send counters that cost an array slot, not a hash lookup, per message,
 * yet read as the `Map<string, number>` that `SimStats.messagesByType` has always been.
 *
 * The simulator counts every message it sends by `codec.typeOf(msg)`. A `Map.set(type,
 * get(type) + 1)` per message is two hash probes on the hottest path of the simulator;
 * here `bump` scans a handful of type names (protocols have few; their names are literals,
 * so `===` is mostly a pointer compare) and increments a number. The Map view stays exact
 * and live: every read goes through an override that first copies the counters into the
 * Map, so a caller holding the Map sees current counts, in first-seen order, as before.
 * Writes through the Map (`set`, `delete`, `clear`) update the counters too.
 */

export class TypeCounts extends Map<string, number> {
  /** Type names in first-seen order; `#counts[i]` belongs to `#names[i]`. */
  readonly #names: string[] = [];
  readonly #counts: number[] = [];
  /** True when a counter moved since the Map view was last brought up to date. */
  #dirty = false;

  /** Count one message of `type`. */
  bump(type: string): void {
    const names = this.#names;
    const n = names.length;
    for (let i = 0; i < n; i++) {
      if (names[i] === type) {
        this.#counts[i]!++;
        this.#dirty = true;
        return;
      }
    }
    names.push(type);
    this.#counts.push(1);
    this.#dirty = true;
  }

  #sync(): void {
    if (!this.#dirty) return;
    this.#dirty = false;
    const names = this.#names;
    for (let i = 0; i < names.length; i++) super.set(names[i]!, this.#counts[i]!);
  }

  override get(key: string): number | undefined {
    this.#sync();
    return super.get(key);
  }

  override has(key: string): boolean {
    this.#sync();
    return super.has(key);
  }

  override get size(): number {
    this.#sync();
    return super.size;
  }

  override set(key: string, value: number): this {
    // The Map constructor calls `set` before the fields exist; it gets no entries here.
    this.#sync();
    const i = this.#names.indexOf(key);
    if (i >= 0) this.#counts[i] = value;
    else {
      this.#names.push(key);
      this.#counts.push(value);
    }
    return super.set(key, value);
  }

  override delete(key: string): boolean {
    this.#sync();
    const i = this.#names.indexOf(key);
    if (i >= 0) {
      this.#names.splice(i, 1);
      this.#counts.splice(i, 1);
    }
    return super.delete(key);
  }

  override clear(): void {
    this.#names.length = 0;
    this.#counts.length = 0;
    this.#dirty = false;
    super.clear();
  }

  override forEach(
    fn: (value: number, key: string, map: Map<string, number>) => void,
    thisArg?: unknown,
  ): void {
    this.#sync();
    super.forEach(fn, thisArg);
  }

  override entries(): MapIterator<[string, number]> {
    this.#sync();
    return super.entries();
  }

  override keys(): MapIterator<string> {
    this.#sync();
    return super.keys();
  }

  override values(): MapIterator<number> {
    this.#sync();
    return super.values();
  }

  override [Symbol.iterator](): MapIterator<[string, number]> {
    this.#sync();
    return super[Symbol.iterator]();
  }
}
