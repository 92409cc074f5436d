/**
 * Stable error codes.
 *
 * Two families, kept apart on purpose (h11's Local/RemoteProtocolError split):
 *  - `RemoteError`: a peer, a file or a user handed us something invalid. It is expected,
 *    typed, counted, and the node stays up.
 *  - `assert` failures: our own invariant broke. That is a bug; it throws `AssertionError`.
 *
 * Every code is listed in `ERROR_CODES` with its meaning and the fix, and docs/errors.md
 * is generated from the same table; test/core/errors.test.ts fails when they drift.
 */

export const ERROR_CODES = {
  HEARSAY_ERR_DECODE_TRUNCATED: {
    meaning: 'A packet ended before the message it announces was complete.',
    fix: 'Peer sent a cut-off datagram (MTU, bug, or attack). Dropped and counted; nothing to do unless the counter grows.',
  },
  HEARSAY_ERR_DECODE_OVERSIZE: {
    meaning:
      'A packet, or a field inside it, exceeds a configured limit (bytes, item count, id length).',
    fix: 'Raise the named limit on every node if the traffic is legitimate; otherwise it is dropped and counted.',
  },
  HEARSAY_ERR_DECODE_MALFORMED: {
    meaning: 'A packet is not valid msgpack or a field has the wrong type or range.',
    fix: 'Check that every node runs a compatible hearsay version. Dropped and counted.',
  },
  HEARSAY_ERR_DECODE_UNKNOWN_TYPE: {
    meaning: 'A packet carries a message type this node does not know.',
    fix: 'A newer or foreign protocol is talking on this port. Dropped and counted.',
  },
  HEARSAY_ERR_DECODE_VERSION: {
    meaning: 'A packet carries a wire version outside the range this node speaks.',
    fix: 'Upgrade the older nodes; versions must overlap.',
  },
  HEARSAY_ERR_CONFIG_INVALID: {
    meaning: 'A configuration field is missing, of the wrong type, or out of range.',
    fix: 'The message names the field and the accepted range; correct it.',
  },
  HEARSAY_ERR_CLI_USAGE: {
    meaning: 'A command-line flag or argument is invalid.',
    fix: 'The message names the flag and what it accepts; `--help` lists them all.',
  },
  HEARSAY_ERR_QUEUE_FULL: {
    meaning: 'A bounded queue reached its limit and the newest entry was refused.',
    fix: 'The producer is faster than the consumer; raise the named limit or slow the producer.',
  },
  HEARSAY_ERR_BUDGET_EXHAUSTED: {
    meaning: 'A node has used its message budget for the current period.',
    fix: 'Expected under load: sends resume next period. Raise `messageBudgetPerPeriod` to allow more.',
  },
  HEARSAY_ERR_SOCKET: {
    meaning: 'A socket operation failed (bind, send).',
    fix: 'Check the address is free and reachable; the message carries the OS error.',
  },
  HEARSAY_ERR_DECRYPT_FAILED: {
    meaning:
      'An encrypted packet or stream did not authenticate with any key of the keyring (or its encryption header is invalid).',
    fix: 'Check that every node shares at least one key (memberlist/Serf keyring, primary first). Dropped and counted.',
  },
  HEARSAY_ERR_DECODE_CHECKSUM: {
    meaning: 'A packet carries a checksum (memberlist hasCrc) that does not match its contents.',
    fix: 'The packet was corrupted in transit or forged. Dropped and counted; a growing counter points at the network.',
  },
  HEARSAY_ERR_CONTROL_INVALID: {
    meaning:
      'A line on the JSON-lines control channel of a node process is not JSON, not a known command, or has an invalid field.',
    fix: 'The error line names the command and field; docs/real-host.md lists the commands. The node keeps running.',
  },
} as const satisfies Record<string, { meaning: string; fix: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Something from outside (a peer, a flag, a file) is invalid. Expected; counted; survivable. */
export class RemoteError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RemoteError';
    this.code = code;
  }
}

/** Configuration or command-line input is invalid; the message names the field. */
export class ConfigError extends RemoteError {
  readonly field: string;
  constructor(field: string, message: string, code: ErrorCode = 'HEARSAY_ERR_CONFIG_INVALID') {
    super(code, `${field}: ${message}`);
    this.name = 'ConfigError';
    this.field = field;
  }
}

export class AssertionError extends Error {
  constructor(message: string) {
    super(`hearsay invariant broken (this is a bug): ${message}`);
    this.name = 'AssertionError';
  }
}

/** Invariant check. Failing it means hearsay has a bug, never that input was bad. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

export function isRemoteError(e: unknown): e is RemoteError {
  return e instanceof RemoteError;
}
