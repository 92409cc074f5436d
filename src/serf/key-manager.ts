/**
 * The asking side of Serf's key management (serf-layer.md §8.3; Serf's `KeyManager`): send
 * `_serf_install-key`, `_serf_use-key`, `_serf_remove-key` or `_serf_list-keys` to every
 * member, ourselves included, and add up the `keyResponse`s into one result — NumNodes,
 * NumResp, NumErr, Messages (node → its error, or a warning such as a truncated key list)
 * and, for list, Keys and PrimaryKeys (base64 key → how many nodes have it).
 *
 * The answering side is key-queries.ts; the query itself (gossip, answers, the deadline) is
 * query-engine.ts's, untouched: `SerfNode.keyOperation` asks an internal query with Serf's
 * parameters (the default query timeout, no acks, relay factor 0 unless given — what the
 * Serf agent's `serf keys` sends) and registers it here first. `KeyOperations` then sees the
 * engine's events before the application does: the acks, responses and `query-done` of a
 * key operation are consumed here, and one `key-query-done` event carries the result — as
 * soon as every node counted in NumNodes has answered (Serf returns early then too), else at
 * the query's deadline, with the silent nodes missing from NumResp.
 *
 * Counting, as Serf's `streamKeyResp`: every response counts in NumResp; one that does not
 * decode, is not a keyResponse, or (stricter than Serf) lists something that is not a base64
 * AES key is an error for that node, its message saying why — a hostile answer never throws
 * out of the node, and the caller also reports it as bad input; `Result: false` is an error
 * with the node's own message; `Result: true` with a message is a warning kept in Messages
 * but not counted. NumNodes is memberlist's count of live members (alive or suspect) when
 * the query is sent, Serf's `memberlist.NumMembers()`. Where we differ on purpose: Serf
 * counts every answer's primary in PrimaryKeys, the empty string included (a node that
 * failed, or an install's answer); we count only non-empty primaries of list answers.
 *
 * Limits: one open operation per open query (the engine's `openQueriesMax`), each answer
 * counted once per node by the engine (`membersMax` at most), keys per answer bounded by the
 * decoder (`keysMax`), so a result holds at most membersMax × keysMax distinct keys.
 */

import { assert, isRemoteError, RemoteError } from '../core/errors.ts';
import { decodeSerfMessage, encodeSerfMessage } from '../membership/wire/serf/codec.ts';
import type { SerfLimits } from '../membership/wire/serf/limits.ts';
import type { SerfQueryAnswer, SerfQueryDone } from './events.ts';
import type { KEY_QUERY } from './key-queries.ts';

/** What `serf keys` does: its `-install`, `-use`, `-remove` and `-list`. */
export type KeyOperation = keyof typeof KEY_QUERY;

export const KEY_OPERATIONS: readonly KeyOperation[] = ['install', 'use', 'remove', 'list'];

/** Serf's `KeyResponse`. */
export interface KeyOperationResult {
  readonly operation: KeyOperation;
  /** Live members when the query was sent (we count ourselves: we answer too). */
  readonly numNodes: number;
  /** Answers received, failures included. */
  readonly numResp: number;
  /** Answers that report a failure or could not be read. */
  readonly numErr: number;
  /** Node name → its error message, or a warning it sent with a success. */
  readonly messages: ReadonlyMap<string, string>;
  /** list: base64 key → number of nodes that have it installed. */
  readonly keys: ReadonlyMap<string, number>;
  /** list: base64 key → number of nodes that encrypt with it. */
  readonly primaryKeys: ReadonlyMap<string, number>;
}

/** A key operation finished: every node answered, or the query's deadline passed. */
export interface SerfKeyQueryDone {
  readonly type: 'key-query-done';
  /** The query's Lamport time and id, as `SerfNode.keyOperation` returned them. */
  readonly ltime: bigint;
  readonly id: number;
  readonly result: KeyOperationResult;
}

/** Whether a key operation succeeded everywhere, as Serf's `handleKeyRequest` judges it. */
export function keyOperationFailure(
  r: Pick<KeyOperationResult, 'numNodes' | 'numResp' | 'numErr'>,
): string | null {
  if (r.numErr !== 0) return `${r.numErr}/${r.numNodes} nodes reported failure`;
  if (r.numResp !== r.numNodes) return `${r.numResp}/${r.numNodes} nodes reported success`;
  return null;
}

/** The query payload: `07 | keyRequest{Key}`, an empty key for list (as Serf sends it). */
export function keyRequestPayload(key: Uint8Array | null): Uint8Array {
  return encodeSerfMessage({ type: 'keyRequest', key: key ?? new Uint8Array(0) });
}

/** Padded base64 of a 16-, 24- or 32-byte key: 24, 32 or 44 characters. */
const BASE64_AES_KEY = /^(?:[A-Za-z0-9+/]{22}==|[A-Za-z0-9+/]{32}|[A-Za-z0-9+/]{43}=)$/;

/** Serf's `streamKeyResp` for one operation: answers in, one result out. */
export class KeyResponseTally {
  readonly operation: KeyOperation;
  readonly numNodes: number;
  readonly #limits: SerfLimits;
  #numResp = 0;
  #numErr = 0;
  readonly #messages = new Map<string, string>();
  readonly #keys = new Map<string, number>();
  readonly #primaryKeys = new Map<string, number>();

  constructor(operation: KeyOperation, numNodes: number, limits: SerfLimits) {
    assert(Number.isInteger(numNodes) && numNodes >= 0, `numNodes ${numNodes}`);
    this.operation = operation;
    this.numNodes = numNodes;
    this.#limits = limits;
  }

  /** Every node counted in NumNodes has answered (Serf stops waiting then). */
  get complete(): boolean {
    return this.#numResp >= this.numNodes;
  }

  /**
   * Counts `from`'s answer. Returns the reason when the answer could not be read (the node
   * is counted as failed; the caller reports the bad input), else null.
   */
  add(from: string, payload: Uint8Array | null): RemoteError | null {
    this.#numResp++;
    let bad: RemoteError;
    try {
      const msg = decodeSerfMessage(payload ?? new Uint8Array(0), this.#limits);
      if (msg.type !== 'keyResponse') {
        bad = new RemoteError(
          'HEARSAY_ERR_DECODE_UNKNOWN_TYPE',
          `a ${msg.type} message, not a keyResponse`,
        );
      } else {
        const keys = msg.keys ?? [];
        const odd = [...keys, msg.primaryKey].find(
          (k, i) => !BASE64_AES_KEY.test(k) && !(i === keys.length && k === ''),
        );
        if (odd === undefined) {
          this.#count(from, msg.result, msg.message, keys, msg.primaryKey);
          return null;
        }
        bad = new RemoteError(
          'HEARSAY_ERR_DECODE_MALFORMED',
          `lists ${JSON.stringify(odd.slice(0, 64))}, not a base64 AES key`,
        );
      }
    } catch (e) {
      if (!isRemoteError(e)) throw e;
      bad = e;
    }
    this.#numErr++;
    this.#messages.set(from, `invalid key query response: ${bad.message}`);
    return bad;
  }

  result(): KeyOperationResult {
    return {
      operation: this.operation,
      numNodes: this.numNodes,
      numResp: this.#numResp,
      numErr: this.#numErr,
      messages: new Map(this.#messages),
      keys: new Map(this.#keys),
      primaryKeys: new Map(this.#primaryKeys),
    };
  }

  #count(
    from: string,
    ok: boolean,
    message: string,
    keys: readonly string[],
    primaryKey: string,
  ): void {
    if (!ok) {
      this.#numErr++;
      this.#messages.set(from, message);
    } else if (message.length > 0) {
      this.#messages.set(from, message);
    }
    // A node lists each key once; a repeat in one answer must not count it twice.
    for (const k of new Set(keys)) this.#keys.set(k, (this.#keys.get(k) ?? 0) + 1);
    if (this.operation === 'list' && primaryKey !== '') {
      this.#primaryKeys.set(primaryKey, (this.#primaryKeys.get(primaryKey) ?? 0) + 1);
    }
  }
}

/** What `KeyOperations.observe` made of an event from the query engine. */
export interface KeyObservation {
  /** The event belongs to a key operation: do not pass it on to the application. */
  readonly consumed: boolean;
  /** The operation finished with this event: emit it. */
  readonly done: SerfKeyQueryDone | null;
  /** The answer could not be read: report it as bad input. */
  readonly bad: RemoteError | null;
}

const NOT_OURS: KeyObservation = { consumed: false, done: null, bad: null };
const CONSUMED: KeyObservation = { consumed: true, done: null, bad: null };

interface OpenOperation {
  readonly tally: KeyResponseTally;
  id: number;
  /** The result was emitted early (every node answered); later answers are ignored. */
  reported: boolean;
}

/** The key operations this node has asked and not yet closed, by the query's Lamport time. */
export class KeyOperations {
  readonly #limits: SerfLimits;
  readonly #open = new Map<bigint, OpenOperation>();

  constructor(limits: SerfLimits) {
    this.#limits = limits;
  }

  get size(): number {
    return this.#open.size;
  }

  /**
   * Registers an operation about to be asked at query time `ltime`, before the query is
   * sent: we answer our own query during the send, and that answer must be counted.
   */
  begin(ltime: bigint, operation: KeyOperation, numNodes: number): void {
    assert(!this.#open.has(ltime), `a key operation is already open at query time ${ltime}`);
    this.#open.set(ltime, {
      tally: new KeyResponseTally(operation, numNodes, this.#limits),
      id: -1,
      reported: false,
    });
  }

  /** The query was refused before it was sent: forget the operation. */
  abandon(ltime: bigint): void {
    this.#open.delete(ltime);
  }

  /** Sees each query answer and closing before the application does. */
  observe(event: SerfQueryAnswer | SerfQueryDone): KeyObservation {
    const op = this.#open.get(event.ltime);
    // The engine matched (ltime, id) to its open query before emitting; one query per ltime.
    if (op === undefined) return NOT_OURS;
    op.id = event.id;
    if (event.type === 'query-done') {
      this.#open.delete(event.ltime);
      return op.reported
        ? CONSUMED
        : { consumed: true, done: this.#done(event.ltime, op), bad: null };
    }
    if (event.type === 'query-ack' || op.reported) return CONSUMED;
    const bad = op.tally.add(event.from, event.payload);
    if (!op.tally.complete) return { consumed: true, done: null, bad };
    op.reported = true;
    return { consumed: true, done: this.#done(event.ltime, op), bad };
  }

  #done(ltime: bigint, op: OpenOperation): SerfKeyQueryDone {
    return { type: 'key-query-done', ltime, id: op.id, result: op.tally.result() };
  }
}
