/**
 * Command-line usage errors and their one-line form.
 *
 * Every mistake on the command line (unknown flag, bad or missing value, unknown command)
 * ends the same way: exactly one line on stderr that names the flag and what it accepts,
 * and exit code 2 (the BSD/GNU convention for "usage error", distinct from 1 = "the run
 * failed"). One line, because scripts grep it and humans read only the first line anyway.
 *
 * Commander raises its own errors (`CommanderError`, multi-line, "error: unknown option
 * '--x'\n(Did you mean --y?)"); `usageErrorFromCommander` folds them into a `UsageError`
 * so the caller prints every usage error through one path.
 *
 * `CommandFailure` is the other outside-caused ending: the command line was fine but the
 * work could not be done (an unwritable report directory). Also one line, exit code 1.
 */

import { ConfigError } from '../core/errors.ts';

/** Exit code for a usage error (bad flag, value, command). */
export const EXIT_USAGE = 2;
/** Exit code when the command was well-formed but the work failed (I/O, engine). */
export const EXIT_FAILURE = 1;

export class UsageError extends ConfigError {
  /** The part after the flag: "must be a number in [0, 1), got \"2\"". */
  readonly detail: string;
  constructor(flag: string, detail: string) {
    super(flag, detail, 'HEARSAY_ERR_CLI_USAGE');
    this.name = 'UsageError';
    this.detail = detail;
  }

  /** The single stderr line, without the trailing newline. */
  line(): string {
    return oneLine(`hearsay: ${this.field} ${this.detail}`);
  }
}

/**
 * The command was well-formed but its work failed for an outside reason the user can fix
 * (a report directory that cannot be written). One line, exit 1, no stack: the stack is
 * for bugs, and this is not one.
 */
export class CommandFailure extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CommandFailure';
  }

  line(): string {
    return oneLine(`hearsay: ${this.message}`);
  }
}

/** `flag must be ACCEPTS, got "RAW"`: the shape of every bad-value message. */
export function badValue(flag: string, accepts: string, raw: string): UsageError {
  return new UsageError(flag, `must be ${accepts}, got ${JSON.stringify(raw)}`);
}

/** Collapse whitespace runs (including newlines) so a message can never span two lines. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** "hearsay sim reproduce" → "sim reproduce": the line already starts with "hearsay:". */
function subcommand(commandPath: string): string {
  return commandPath.replace(/^hearsay\s*/, '') || 'hearsay';
}

/** The subset of commander's `CommanderError` this module reads. */
export interface CommanderErrorLike {
  readonly code: string;
  readonly message: string;
}

/**
 * Translate a commander parse error into a `UsageError`. `acceptsOf(flag)` looks up what a
 * flag accepts so that "missing value" can say what value was expected.
 */
export function usageErrorFromCommander(
  err: CommanderErrorLike,
  commandPath: string,
  acceptsOf: (flag: string) => string | undefined,
): UsageError {
  const message = err.message.replace(/^error:\s*/, '');
  const quoted = /'([^']*)'/.exec(message)?.[1] ?? '';
  const suggestion = /\(Did you mean ([^?]+)\?\)/.exec(message)?.[1];
  const hint = suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`;
  switch (err.code) {
    case 'commander.unknownOption':
      return new UsageError(
        quoted,
        `is not a flag of "${commandPath}"${hint}; see ${commandPath} --help`,
      );
    case 'commander.optionMissingArgument': {
      const flag = quoted.split(/[\s,]+/).find((part) => part.startsWith('--')) ?? quoted;
      const accepts = acceptsOf(flag);
      return new UsageError(flag, `needs a value${accepts === undefined ? '' : `: ${accepts}`}`);
    }
    case 'commander.unknownCommand':
      return new UsageError(
        quoted,
        `is not a command of "${commandPath}"${hint}; see ${commandPath} --help`,
      );
    case 'commander.missingArgument':
      return new UsageError(subcommand(commandPath), `needs the argument ${quoted}`);
    case 'commander.excessArguments': {
      const extra = /: (.*)\.$/.exec(message)?.[1];
      return new UsageError(
        subcommand(commandPath),
        `takes no further arguments${extra === undefined ? '' : `, got ${JSON.stringify(extra)}`}; see ${commandPath} --help`,
      );
    }
    default:
      return new UsageError(subcommand(commandPath), oneLine(message));
  }
}
