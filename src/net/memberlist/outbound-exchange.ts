/**
 * One outbound TCP exchange, as memberlist's dialer runs it (memberlist-wire.md §6): open a
 * connection, write one stream message, read what comes back until the peer closes, and
 * give up at the deadline.
 *
 * Answers are opened and decoded here (with the security in force when the request was
 * sent) and handed to `answer`; memberlist sends at most one, we read up to
 * `responseMessagesMax`. Everything that ends the exchange badly goes to `failed` exactly
 * once, with a reason a user can act on: refused, timed out, accepted and closed without
 * the answer a push/pull or ping expects, or an answer that cannot be read — told apart by
 * what the bytes say about encryption (encrypted with a key we lack, plaintext while we
 * encrypt, encrypted while we do not), because an encryption mismatch is the usual cause of
 * a join that fails against a live node.
 */

import { connect, type Socket } from 'node:net';
import { isRemoteError, RemoteError } from '../../core/errors.ts';
import type { MemberlistLimits } from '../../membership/wire/limits.ts';
import { MESSAGE_TYPE, type Stream } from '../../membership/wire/messages.ts';
import { plaintextErrorText, type Security, streamFromWire } from './envelope.ts';
import type { StreamFailureReason } from './host-options.ts';
import type { MemberlistDropReason } from './stats.ts';
import { StreamReader } from './stream-reader.ts';

export interface OutboundRequest {
  /** Socket-ready host text and port. */
  readonly host: string;
  readonly port: number;
  /** "ip:port", for messages. */
  readonly endpoint: string;
  /** The request's bytes, already sealed when encrypting. */
  readonly bytes: Uint8Array;
  /** A push/pull or ping: closing without an answer is a failure. */
  readonly expectsAnswer: boolean;
  readonly security: Security;
  readonly wireLimits: MemberlistLimits;
  readonly tcpTimeoutMs: number;
  readonly responseMessagesMax: number;
  readonly streamWalkDeferMs: number;
}

export interface OutboundHandlers {
  /** One decoded answer and its size on the wire. */
  answer(msg: Stream, wireBytes: number): void;
  /** The exchange failed; `drop` is what to count (a local reason or the peer's error). */
  failed(
    reason: StreamFailureReason,
    drop: MemberlistDropReason | RemoteError,
    detail: string,
  ): void;
  /** The connection is gone (after success or failure). */
  closed(): void;
}

export class OutboundExchange {
  readonly #socket: Socket;
  readonly #deadline: ReturnType<typeof setTimeout>;
  readonly #reader: StreamReader;
  readonly #request: OutboundRequest;
  readonly #handlers: OutboundHandlers;
  #answers = 0;
  #failed = false;

  constructor(request: OutboundRequest, handlers: OutboundHandlers) {
    this.#request = request;
    this.#handlers = handlers;
    const socket = connect({ host: request.host, port: request.port, noDelay: true });
    this.#socket = socket;
    this.#deadline = setTimeout(() => {
      const awaited = this.#answers === 0 && request.expectsAnswer ? 'answer' : 'end';
      this.#fail(
        'timeout',
        'stream-timeout',
        `no ${awaited} within tcpTimeoutMs ${request.tcpTimeoutMs}`,
      );
    }, request.tcpTimeoutMs);
    socket.on('close', () => {
      clearTimeout(this.#deadline);
      this.#reader.stop();
      handlers.closed();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED')
        this.#fail('refused', 'stream-connect', 'connection refused');
      else this.#fail('connect-error', 'stream-connect', err.message);
    });
    socket.write(request.bytes);
    this.#reader = new StreamReader(socket, request.wireLimits, request.streamWalkDeferMs, {
      message: (bytes) => this.#onAnswer(bytes),
      fault: (err) => this.#fail('bad-answer', err, err.message),
      end: (leftover) => this.#onEnd(leftover),
    });
  }

  /** Abandons the exchange (shutdown); no failure is reported. */
  destroy(): void {
    this.#failed = true;
    clearTimeout(this.#deadline);
    this.#socket.destroy();
  }

  #onAnswer(bytes: Uint8Array): boolean {
    const r = this.#request;
    let msg: Stream;
    try {
      msg = streamFromWire(bytes, r.security, r.wireLimits);
    } catch (err) {
      if (!isRemoteError(err)) throw err;
      const [reason, detail] = explainBadAnswer(bytes, err, r);
      this.#fail(reason, err, detail);
      return false;
    }
    this.#answers++;
    this.#handlers.answer(msg, bytes.length);
    if (this.#answers >= r.responseMessagesMax) {
      this.#socket.destroy();
      return false;
    }
    return true;
  }

  #onEnd(leftoverBytes: number): void {
    const r = this.#request;
    if (leftoverBytes > 0) {
      const detail = `answer cut off after ${leftoverBytes} B`;
      this.#fail(
        'bad-answer',
        new RemoteError('HEARSAY_ERR_DECODE_TRUNCATED', `${detail} from ${r.endpoint}`),
        detail,
      );
    } else if (r.expectsAnswer && this.#answers === 0) {
      const hint = r.security.keyring !== undefined ? ' (is it using another encryption key?)' : '';
      this.#fail(
        'no-answer',
        'stream-no-answer',
        `the peer accepted the connection and closed it without answering${hint}`,
      );
    }
    this.#socket.end();
  }

  #fail(
    reason: StreamFailureReason,
    drop: MemberlistDropReason | RemoteError,
    detail: string,
  ): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#handlers.failed(reason, drop, detail);
    this.#socket.destroy();
  }
}

/** Why an answer could not be read, from what its first byte says about encryption. */
function explainBadAnswer(
  answer: Uint8Array,
  err: RemoteError,
  r: OutboundRequest,
): [StreamFailureReason, string] {
  if (err.code !== 'HEARSAY_ERR_DECRYPT_FAILED') return ['bad-answer', err.message];
  const encrypted = answer[0] === MESSAGE_TYPE.encrypt;
  if (encrypted && r.security.keyring === undefined) {
    return [
      'encrypted-answer',
      'the peer answered encrypted and this member has no encryption keys',
    ];
  }
  if (!encrypted) {
    const text = plaintextErrorText(answer, r.wireLimits);
    const quoted = text === undefined ? '' : `: "${text}"`;
    return [
      'plaintext-answer',
      `the peer answered in plaintext (it has no encryption keys?)${quoted}`,
    ];
  }
  return [
    'undecryptable-answer',
    'the answer did not decrypt with any of our keys: the peer uses another encryption key',
  ];
}
