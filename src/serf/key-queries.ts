/**
 * Serf's key-management internal queries (serf-layer.md §8.3): `_serf_install-key`,
 * `_serf_use-key`, `_serf_remove-key` and `_serf_list-keys`, which `serf keys` asks of the
 * whole cluster. Each member applies the request to its own gossip keyring and answers
 * `08 | keyResponse{Result, Message, Keys, PrimaryKey}`; the asker counts the answers.
 *
 * The keyring is the host's (the memberlist host seals and opens packets with it), so the
 * node reaches it through `SerfKeyring`, a small synchronous interface the host hands in;
 * no I/O happens here. Without one (the simulator, or a host that does not offer it) the
 * node answers as a Serf agent without encryption does: Result false, "encryption not
 * enabled".
 *
 * Serf's behaviour, kept: a request that does not decode is answered with Result false (and
 * counted as bad input by the caller); a keyring refusal (a key of the wrong size, using a
 * key not installed, removing the primary) is Result false with the keyring's message;
 * list-keys answers base64 keys and the primary, cut to fewer keys with a message when the
 * response would pass the response size limit.
 */

import { type ErrorCode, isRemoteError } from '../core/errors.ts';
import { decodeSerfMessage, encodeSerfMessage } from '../membership/wire/serf/codec.ts';
import type { SerfLimits } from '../membership/wire/serf/limits.ts';
import type { SerfKeyResponse } from '../membership/wire/serf/messages.ts';

export const KEY_QUERY = {
  install: '_serf_install-key',
  use: '_serf_use-key',
  remove: '_serf_remove-key',
  list: '_serf_list-keys',
} as const;

const KEY_QUERY_NAMES: ReadonlySet<string> = new Set(Object.values(KEY_QUERY));

export function isKeyQuery(name: string): boolean {
  return KEY_QUERY_NAMES.has(name);
}

/** The gossip keyring as the host lends it; the mutators throw with a message on refusal. */
export interface SerfKeyring {
  /** False when the member does not encrypt (no keyring to change or list). */
  enabled(): boolean;
  /** Installed keys, primary first. */
  keys(): readonly Uint8Array[];
  install(key: Uint8Array): void;
  use(key: Uint8Array): void;
  remove(key: Uint8Array): void;
}

export interface KeyQueryOutcome {
  readonly response: SerfKeyResponse;
  /** The request could not be decoded: the caller counts it as bad input. */
  readonly badRequest: { readonly code: ErrorCode; readonly message: string } | null;
}

function base64(key: Uint8Array): string {
  return btoa(String.fromCharCode(...key));
}

function refused(message: string): SerfKeyResponse {
  return { type: 'keyResponse', result: false, message, keys: null, primaryKey: '' };
}

/** Apply one key query to `keyring` and build the answer (Serf's `handle*Key`). */
export function keyQueryResponse(
  name: string,
  payload: Uint8Array | null,
  keyring: SerfKeyring | undefined,
  limits: SerfLimits,
): KeyQueryOutcome {
  if (name === KEY_QUERY.list) {
    if (keyring === undefined || !keyring.enabled()) {
      return { response: refused('Keyring is empty (encryption not enabled)'), badRequest: null };
    }
    const keys = keyring.keys().map(base64);
    return {
      response: { type: 'keyResponse', result: true, message: '', keys, primaryKey: keys[0] ?? '' },
      badRequest: null,
    };
  }
  let key: Uint8Array;
  try {
    const msg = decodeSerfMessage(payload ?? new Uint8Array(0), limits);
    if (msg.type !== 'keyRequest') {
      return {
        response: refused('Failed to decode key request'),
        badRequest: {
          code: 'HEARSAY_ERR_DECODE_UNKNOWN_TYPE',
          message: `serf: ${name} carries a ${msg.type}, not a keyRequest`,
        },
      };
    }
    key = msg.key ?? new Uint8Array(0);
  } catch (e) {
    if (!isRemoteError(e)) throw e;
    return {
      response: refused('Failed to decode key request'),
      badRequest: { code: e.code, message: `serf: ${name}: ${e.message}` },
    };
  }
  if (keyring === undefined || !keyring.enabled()) {
    return { response: refused('No keyring to modify (encryption not enabled)'), badRequest: null };
  }
  try {
    if (name === KEY_QUERY.install) keyring.install(key);
    else if (name === KEY_QUERY.use) keyring.use(key);
    else keyring.remove(key);
  } catch (e) {
    if (!isRemoteError(e)) throw e;
    return { response: refused(e.message), badRequest: null };
  }
  return {
    response: { type: 'keyResponse', result: true, message: '', keys: null, primaryKey: '' },
    badRequest: null,
  };
}

/**
 * The encoded answer, list-keys cut to as many keys as fit `fits` (Serf's
 * `keyListResponseWithCorrectSize`); null if even none fit.
 */
export function encodeKeyResponse(
  response: SerfKeyResponse,
  fits: (payload: Uint8Array) => boolean,
): Uint8Array | null {
  const all = response.keys ?? [];
  for (let n = all.length; n >= 0; n--) {
    const cut: SerfKeyResponse =
      n === all.length
        ? response
        : {
            ...response,
            keys: all.slice(0, n),
            message: `truncated key list response, showing first ${n} of ${all.length} keys`,
          };
    const bytes = encodeSerfMessage(cut);
    if (fits(bytes)) return bytes;
    if (response.keys === null) return null;
  }
  return null;
}
