/**
 * Reads whole stream messages off one TCP socket, for either side of an exchange.
 *
 * Wraps a `StreamAssembler` around a socket's 'data' events: bytes are appended, and the
 * buffer is walked for a complete message when enough has arrived (`walkDue`) or, for a
 * trickle, once `walkDeferMs` after the last unwalked bytes (one deferred walk at a time).
 * Each complete message goes to `onMessage`, which returns whether to keep reading; a
 * `RemoteError` from the framing goes to `onFault` and stops the reader. The end of the
 * stream is reported with the count of bytes left over (a cut-off message when non-zero).
 *
 * Deadlines and closing are the caller's: this only reads.
 */

import type { Socket } from 'node:net';
import { isRemoteError, type RemoteError } from '../../core/errors.ts';
import type { MemberlistLimits } from '../../membership/wire/limits.ts';
import { StreamAssembler } from './stream-assembler.ts';

export interface StreamReaderHandlers {
  /** One complete message (exact bytes). Return false to stop reading. */
  message(bytes: Uint8Array): boolean;
  /** The bytes can never form a valid message; reading stopped. */
  fault(err: RemoteError): void;
  /** The peer ended its side; `leftoverBytes` > 0 means a message was cut off. */
  end(leftoverBytes: number): void;
}

export class StreamReader {
  readonly #socket: Socket;
  readonly #assembler: StreamAssembler;
  readonly #handlers: StreamReaderHandlers;
  readonly #walkDeferMs: number;
  #deferred: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  readonly #onData = (chunk: Buffer): void => this.#data(chunk);
  readonly #onEnd = (): void => this.#end();

  constructor(
    socket: Socket,
    limits: MemberlistLimits,
    walkDeferMs: number,
    handlers: StreamReaderHandlers,
  ) {
    this.#socket = socket;
    this.#assembler = new StreamAssembler(limits);
    this.#handlers = handlers;
    this.#walkDeferMs = walkDeferMs;
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
  }

  /** Stop reading (idempotent); no handler is called afterwards. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#deferred !== undefined) clearTimeout(this.#deferred);
    this.#socket.off('data', this.#onData);
    this.#socket.off('end', this.#onEnd);
  }

  #data(chunk: Buffer): void {
    if (this.#stopped) return;
    this.#assembler.append(chunk);
    if (this.#assembler.walkDue()) {
      this.#walk();
    } else if (this.#deferred === undefined) {
      this.#deferred = setTimeout(() => {
        this.#deferred = undefined;
        this.#walk();
      }, this.#walkDeferMs);
    }
  }

  #walk(): void {
    while (!this.#stopped) {
      let bytes: Uint8Array | undefined;
      try {
        bytes = this.#assembler.take();
      } catch (err) {
        if (!isRemoteError(err)) throw err;
        this.stop();
        this.#handlers.fault(err);
        return;
      }
      if (bytes === undefined) return;
      if (!this.#handlers.message(bytes)) this.stop();
      if (this.#assembler.bufferedBytes === 0) return;
    }
  }

  #end(): void {
    if (this.#stopped) return;
    // Whatever arrived last may not have been walked yet.
    if (this.#assembler.unwalkedBytes > 0) this.#walk();
    if (this.#stopped) return;
    this.stop();
    this.#handlers.end(this.#assembler.bufferedBytes);
  }
}
