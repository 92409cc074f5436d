/**
 * `hearsay monitor`: stream a running agent's events (`GET /v1/events`) until Ctrl-C — user
 * events, member joins, leaves, failures, updates and reaps, and queries this node receives —
 * one line each: the time the agent saw it, the type, then what it is about. With `--json`,
 * each event's data object on its own line (JSON lines, for `jq`).
 *
 * Ctrl-C (SIGINT) or SIGTERM ends it with exit 0. The agent closing the stream (it stopped,
 * or dropped this client for reading too slowly) ends it with one line and exit 1, as does
 * an agent that stays silent past the heartbeat.
 */

import type { Command } from 'commander';
import { type AgentTarget, requestStream, type StreamMessage } from '../agent/client.ts';
import { formatHostPort } from '../agent/config.ts';
import { type AgentFlags, agentOptions, agentTarget, callAgent, type Env } from './http-target.ts';
import type { CliIo } from './io.ts';
import { printable, tagsText } from './table.ts';
import { CommandFailure } from './usage-error.ts';

function field(data: Record<string, unknown>, key: string): string {
  const v = data[key];
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'
    ? printable(String(v))
    : '';
}

function payloadPart(data: Record<string, unknown>): string {
  if (typeof data.payloadBase64 === 'string') return ` payloadBase64=${data.payloadBase64}`;
  if (typeof data.payload === 'string' && data.payload !== '') {
    return ` payload=${printable(JSON.stringify(data.payload))}`;
  }
  return '';
}

/** One readable line for an event of the stream. */
export function eventLine(m: StreamMessage): string {
  const data = (typeof m.data === 'object' && m.data !== null ? m.data : {}) as Record<
    string,
    unknown
  >;
  const time = field(data, 'time');
  const type = printable(m.event);
  if (m.event === 'user') {
    return `${time} user ${field(data, 'name')} ltime=${field(data, 'ltime')} coalesce=${field(data, 'coalesce')}${payloadPart(data)}\n`;
  }
  if (m.event === 'query') {
    return `${time} query ${field(data, 'name')} from=${field(data, 'from')} ltime=${field(data, 'ltime')}${payloadPart(data)}\n`;
  }
  const member = data.member as Record<string, unknown> | undefined;
  if (typeof member === 'object' && member !== null) {
    const addr = field(member, 'addr');
    const host = addr.includes(':') ? `[${addr}]` : addr;
    const tags =
      typeof member.tags === 'object' && member.tags !== null
        ? tagsText(member.tags as Record<string, string>)
        : '';
    return `${`${time} ${type} ${field(member, 'name')} ${host}:${field(member, 'port')} ${field(member, 'state')} ${printable(tags)}`.trimEnd()}\n`;
  }
  return `${time} ${type} ${printable(JSON.stringify(m.data))}\n`;
}

/**
 * Print the agent's events until `signal` aborts (resolves) or the agent ends the stream
 * (throws a `CommandFailure`).
 */
export async function monitorEvents(
  target: AgentTarget,
  io: CliIo,
  json: boolean,
  signal: AbortSignal,
): Promise<void> {
  await callAgent(() =>
    requestStream(
      target,
      'GET',
      '/v1/events',
      undefined,
      (m) => io.stdout(json ? `${JSON.stringify(m.data)}\n` : eventLine(m)),
      signal,
    ),
  );
  if (!signal.aborted) {
    throw new CommandFailure(
      `the agent at ${formatHostPort(target.address)} closed the event stream`,
    );
  }
}

export function registerMonitorCommand(
  program: Command,
  io: CliIo,
  env: Env = process.env,
): Command {
  const cmd = program
    .command('monitor')
    .description("stream a running agent's events until Ctrl-C (GET /v1/events)");
  return agentOptions(cmd, 'print each event as a JSON object, one per line').action(
    async (raw: AgentFlags) => {
      const target = agentTarget(raw, env);
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        await monitorEvents(target, io, raw.json === true, stop.signal);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    },
  );
}
