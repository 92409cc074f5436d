/**
 * Counts packets a host dropped, by error code.
 *
 * A node facing a misbehaving peer may drop thousands of packets a second; logging each
 * would turn an attack into a disk-filling one. The host records every drop here, logs
 * only when `record` says a code is new ("once per kind"), and exports `counts()` as
 * metrics. Memory is bounded by the number of error codes.
 */

import type { ErrorCode, RemoteError } from '../core/errors.ts';

export class DropCounter {
  readonly #byCode = new Map<ErrorCode, number>();
  #total = 0;

  /** Counts one drop. Returns true the first time this code is seen. */
  record(err: RemoteError): boolean {
    const seen = this.#byCode.get(err.code);
    this.#byCode.set(err.code, (seen ?? 0) + 1);
    this.#total++;
    return seen === undefined;
  }

  /** Drops per code so far, only codes that occurred. */
  counts(): Record<string, number> {
    return Object.fromEntries(this.#byCode);
  }

  get total(): number {
    return this.#total;
  }
}
