/**
 * The agent's logger: structured records, written either as JSON lines (`--log-json`, for log
 * shippers) or as a human-readable line per record (the default, for a person at a terminal).
 *
 * The JSON lines are pino's: `{"level":30,"time":<epoch ms>,"node":…,…fields,"msg":…}`, with
 * pino's level numbers and its `err` serialization, so tools that read pino's records read
 * these. The logger itself is ours, not pino: the agent logs membership changes, not packets,
 * and needs levels, child bindings and one JSON line per record, while pino loads its worker
 * transport (worker_threads), sonic-boom and their dependencies into every agent whether used
 * or not. Without it an agent holds about 0.9 MiB less (bench/RESULTS.md, "2026-11-22 (stop
 * 14)"), against the memory target.
 *
 * Both forms come from the same record: the human form rewrites it as `TIME [LEVEL] message
 * key=value …`. One logging call site per event, structured fields always.
 *
 * Logs go to stderr by default: the agent's stdout carries only machine-readable lines
 * (the `listening` line), so a harness can read it without filtering logs out. A record
 * that cannot be serialized as JSON (a cycle, a bigint) is written with those values
 * replaced: logging never throws into the code that logs.
 */

import type { LogLevel } from './config.ts';
import { isoTimestamp } from './utc-time.ts';

type Fields = Readonly<Record<string, unknown>>;

export interface LogFn {
  (fields: Fields | Error, msg?: string): void;
  (msg: string): void;
}

export interface AgentLogger {
  readonly level: LogLevel;
  readonly trace: LogFn;
  readonly debug: LogFn;
  readonly info: LogFn;
  readonly warn: LogFn;
  readonly error: LogFn;
  readonly fatal: LogFn;
  /** A logger whose records all carry `bindings` (after the parent's). */
  child(bindings: Fields): AgentLogger;
  isLevelEnabled(level: LogLevel | 'fatal'): boolean;
  /** Records are written as they are logged; kept so callers need not know that. */
  flush(): void;
}

export interface LoggerOptions {
  readonly level: LogLevel;
  readonly json: boolean;
  /** Node name, carried on every JSON record (logs of many agents are often merged). */
  readonly nodeName: string;
  /** Where each finished line goes (with its newline). Default: stderr. */
  readonly write?: (line: string) => void;
}

/** pino's level numbers. */
const LEVEL_VALUES = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;

/** Level number → the name the human-readable line shows (`INFO`). */
const LEVEL_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(LEVEL_VALUES).map(([name, value]) => [value, name.toUpperCase()]),
);

/** Fields every record has, printed in the line's fixed part (or not at all). */
const FIXED_FIELDS = new Set(['level', 'time', 'msg', 'node', 'pid', 'hostname']);

/** A value as it reads in `key=value`: bare when that is unambiguous, JSON otherwise. */
function valueText(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return JSON.stringify(v);
}

/** One record as a human-readable line (ending in a newline). */
export function humanLine(record: Readonly<Record<string, unknown>>): string {
  const time = typeof record.time === 'number' ? isoTimestamp(record.time) : '-';
  const level = LEVEL_NAMES[record.level as number] ?? String(record.level);
  const msg = typeof record.msg === 'string' ? record.msg : '';
  let line = `${time} [${level}] ${msg}`;
  let stack = '';
  for (const [key, value] of Object.entries(record)) {
    if (FIXED_FIELDS.has(key)) continue;
    if (key === 'err' && typeof value === 'object' && value !== null) {
      const err = value as { message?: unknown; stack?: unknown; code?: unknown };
      line += ` err=${valueText(err.message)}`;
      if (typeof err.code === 'string') line += ` code=${err.code}`;
      // Outside faults carry a HEARSAY_ERR_* code and are expected; only a bug's stack
      // is worth the lines.
      const expected = typeof err.code === 'string' && err.code.startsWith('HEARSAY_ERR_');
      if (!expected && typeof err.stack === 'string') {
        stack = `\n    ${err.stack.split('\n').join('\n    ')}`;
      }
      continue;
    }
    line += ` ${key}=${valueText(value)}`;
  }
  return `${line}${stack}\n`;
}

/** Nesting kept when serializing an error's `cause` chain. */
const CAUSE_DEPTH_MAX = 4;

/**
 * An error as pino's standard serializer writes it: its class as `type`, message, stack,
 * its own enumerable properties (a `code` above all) and its cause.
 */
export function serializeError(err: Error, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: err.constructor?.name ?? err.name,
    message: err.message,
    stack: err.stack,
  };
  for (const [key, value] of Object.entries(err)) {
    if (key in out || key === 'cause') continue;
    out[key] = value;
  }
  if (err.cause !== undefined) {
    out.cause =
      err.cause instanceof Error && depth < CAUSE_DEPTH_MAX
        ? serializeError(err.cause, depth + 1)
        : String(err.cause);
  }
  return out;
}

/** JSON for a record; cycles and bigints, which JSON.stringify refuses, become text. */
function recordJson(record: Fields): string {
  try {
    return JSON.stringify(record);
  } catch {
    const seen = new WeakSet<object>();
    return JSON.stringify(record, (_key, value: unknown) => {
      if (typeof value === 'bigint') return value.toString();
      if (typeof value === 'object' && value !== null) {
        if (seen.has(value)) return '[Circular]';
        seen.add(value);
      }
      return value;
    });
  }
}

export function createAgentLogger(options: LoggerOptions): AgentLogger {
  const write =
    options.write ??
    ((line: string) => {
      process.stderr.write(line);
    });
  const emit = options.json
    ? (record: Fields) => write(`${recordJson(record)}\n`)
    : (record: Fields) => write(humanLine(JSON.parse(recordJson(record)) as Fields));
  return makeLogger(options.level, { node: options.nodeName }, emit);
}

function makeLogger(
  level: LogLevel,
  bindings: Fields,
  emit: (record: Fields) => void,
): AgentLogger {
  const threshold = LEVEL_VALUES[level];
  const method = (value: number): LogFn => {
    if (value < threshold) return () => {};
    return (first: Fields | Error | string, msg?: string) => {
      let fields: Fields;
      if (typeof first === 'string') {
        fields = {};
        msg = first;
      } else if (first instanceof Error) {
        fields = { err: first };
        msg ??= first.message;
      } else {
        fields = first;
      }
      const record: Record<string, unknown> = { level: value, time: Date.now(), ...bindings };
      for (const [key, v] of Object.entries(fields)) {
        record[key] = key === 'err' && v instanceof Error ? serializeError(v) : v;
      }
      if (msg !== undefined) record.msg = msg;
      emit(record);
    };
  };
  return {
    level,
    trace: method(LEVEL_VALUES.trace),
    debug: method(LEVEL_VALUES.debug),
    info: method(LEVEL_VALUES.info),
    warn: method(LEVEL_VALUES.warn),
    error: method(LEVEL_VALUES.error),
    fatal: method(LEVEL_VALUES.fatal),
    child: (more) => makeLogger(level, { ...bindings, ...more }, emit),
    isLevelEnabled: (name) => LEVEL_VALUES[name] >= threshold,
    flush: () => {},
  };
}
