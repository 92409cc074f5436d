/**
 * The agent's logger: pino, writing either its JSON lines (`--log-json`, for log shippers)
 * or a human-readable line per record (the default, for a person at a terminal).
 *
 * Both forms come from the same pino records: the human form is a pino destination that
 * parses each JSON line and rewrites it as `TIME [LEVEL] message key=value …`. This keeps
 * one logging call site per event (structured fields always), costs a parse per line (the
 * agent logs membership changes, not packets), and needs no extra dependency (pino-pretty
 * pulls in a dozen packages for this).
 *
 * Logs go to stderr by default: the agent's stdout carries only machine-readable lines
 * (the `listening` line), so a harness can read it without filtering logs out.
 */

import { pino } from 'pino';
import type { LogLevel } from './config.ts';

export type AgentLogger = pino.Logger;

export interface LoggerOptions {
  readonly level: LogLevel;
  readonly json: boolean;
  /** Node name, carried on every JSON record (logs of many agents are often merged). */
  readonly nodeName: string;
  /** Where each finished line goes (with its newline). Default: stderr. */
  readonly write?: (line: string) => void;
}

const LEVEL_NAMES: Readonly<Record<number, string>> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/** Fields every record has, printed in the line's fixed part (or not at all). */
const FIXED_FIELDS = new Set(['level', 'time', 'msg', 'node', 'pid', 'hostname']);

/** A value as it reads in `key=value`: bare when that is unambiguous, JSON otherwise. */
function valueText(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return JSON.stringify(v);
}

/** One pino record as a human-readable line (ending in a newline). */
export function humanLine(record: Readonly<Record<string, unknown>>): string {
  const time = typeof record.time === 'number' ? new Date(record.time).toISOString() : '-';
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

export function createAgentLogger(options: LoggerOptions): AgentLogger {
  const write =
    options.write ??
    ((line: string) => {
      process.stderr.write(line);
    });
  const destination = {
    write: options.json
      ? write
      : (json: string) => {
          write(humanLine(JSON.parse(json) as Record<string, unknown>));
        },
  };
  return pino(
    {
      level: options.level,
      base: { node: options.nodeName },
      // Error objects keep their code (RemoteError's HEARSAY_ERR_*) in the record.
      serializers: { err: pino.stdSerializers.err },
    },
    destination,
  );
}
