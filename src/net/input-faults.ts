/**
 * How a real host reports input it drops, the same way for every host: a peer's fault
 * (`RemoteError`) is counted by code and logged the first time that code is seen; a drop
 * for a local reason (a limit, the OS refusing a send) likewise by reason; anything else
 * thrown while handling input is a hearsay bug — counted as `internal`, logged with its
 * stack up to `internalErrorLogsMax` times, and never allowed to take the node down.
 */

import type { RemoteError } from '../core/errors.ts';
import { isRemoteError } from '../core/errors.ts';

/** The counters behind the reports; each returns true the first time a code or reason is seen. */
export interface DropCounters<R extends string> {
  remoteDrop(err: RemoteError): boolean;
  localDrop(reason: R | 'internal'): boolean;
}

export interface FaultLogger {
  warn(message: string): void;
  error(message: string, err?: unknown): void;
}

export class InputFaults<R extends string> {
  readonly #counters: DropCounters<R>;
  readonly #logger: FaultLogger;
  readonly #internalErrorLogsMax: number;
  #internalErrorsLogged = 0;

  constructor(counters: DropCounters<R>, logger: FaultLogger, internalErrorLogsMax: number) {
    this.#counters = counters;
    this.#logger = logger;
    this.#internalErrorLogsMax = internalErrorLogsMax;
  }

  /** Input `what` could not be handled because of `err`; it is dropped. */
  inputFailed(err: unknown, what: string): void {
    if (isRemoteError(err)) {
      this.remoteDrop(err, what);
      return;
    }
    const max = this.#internalErrorLogsMax;
    const first = this.#counters.localDrop('internal');
    if (first || this.#internalErrorsLogged < max) {
      this.#internalErrorsLogged++;
      this.#logger.error(
        `internal error (a hearsay bug) in ${what}; input dropped, node stays up`,
        err,
      );
      if (this.#internalErrorsLogged === max) {
        this.#logger.error(
          `internalErrorLogsMax (${max}) reached: further internal errors are only counted`,
        );
      }
    }
  }

  remoteDrop(err: RemoteError, what: string): void {
    if (this.#counters.remoteDrop(err)) {
      this.#logger.warn(
        `dropped ${what}: ${err.code}: ${err.message} (further ${err.code} drops are counted, not logged)`,
      );
    }
  }

  localDrop(reason: R, detail: string): void {
    if (this.#counters.localDrop(reason)) {
      this.#logger.warn(`${reason}: ${detail} (further ${reason} drops are counted, not logged)`);
    }
  }
}
