/**
 * `hearsay query NAME [PAYLOAD]`: ask the cluster a question through a running agent
 * (`POST /v1/queries`), as `serf query` does, and print each ack and response as it arrives
 * (the answer is streamed), then the totals. With `--json`, one JSON object after the
 * deadline: `{ltime, acks, responses: [{from, payload | payloadBase64}]}`.
 *
 * Flags as Serf's: `--node NAME` (repeatable: only these nodes answer), `--tag KEY=REGEX`
 * (repeatable: only nodes whose tag matches), `--timeout` (a duration: `500ms`, `5s`, `1m`,
 * or milliseconds; default the agent's, Serf's gossip interval × multiplier × log n), and
 * `--no-ack` (acks are asked for unless this is given). A response that is not UTF-8 text is
 * printed in base64, marked so.
 */

import type { Command } from 'commander';
import { type QueryRequest, type QueryStreamEvent, runQuery } from '../agent/client.ts';
import { type AgentFlags, agentOptions, agentTarget, callAgent, type Env } from './http-target.ts';
import type { CliIo } from './io.ts';
import { printable } from './table.ts';
import { badValue, UsageError } from './usage-error.ts';

/** The agent's own ceiling on a query's timeout (HTTP_LIMITS_DEFAULT.queryTimeoutMsMax). */
export const QUERY_TIMEOUT_MS_MAX = 5 * 60_000;
const ACCEPTS_TIMEOUT = `a duration such as 500ms, 5s or 1m (or milliseconds), from 1ms to ${QUERY_TIMEOUT_MS_MAX / 60_000}m`;
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000 };

/** `500ms`, `2.5s`, `1m`, or a bare number of milliseconds; undefined when not one. */
export function parseDurationMs(raw: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(raw.trim());
  if (m === null) return undefined;
  const ms = Math.round(Number(m[1]) * UNIT_MS[m[2] ?? 'ms']!);
  return ms >= 1 && ms <= QUERY_TIMEOUT_MS_MAX ? ms : undefined;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

interface QueryFlags extends AgentFlags {
  readonly node?: string[];
  readonly tag?: string[];
  readonly timeout?: string;
  readonly ack: boolean;
}

function request(name: string, payload: string | undefined, raw: QueryFlags): QueryRequest {
  const filterTags: Record<string, string> = {};
  for (const t of raw.tag ?? []) {
    const eq = t.indexOf('=');
    if (eq <= 0) throw badValue('--tag', 'KEY=REGEX with a non-empty KEY', t);
    const key = t.slice(0, eq);
    if (Object.hasOwn(filterTags, key)) {
      throw new UsageError('--tag', `gives the tag ${JSON.stringify(key)} twice`);
    }
    filterTags[key] = t.slice(eq + 1);
  }
  let timeoutMs: number | undefined;
  if (raw.timeout !== undefined) {
    timeoutMs = parseDurationMs(raw.timeout);
    if (timeoutMs === undefined) throw badValue('--timeout', ACCEPTS_TIMEOUT, raw.timeout);
  }
  return {
    name,
    ...(payload === undefined ? {} : { payload }),
    ...(raw.node === undefined ? {} : { filterNodes: raw.node }),
    ...(raw.tag === undefined ? {} : { filterTags }),
    requestAck: raw.ack,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  };
}

function payloadText(r: { payload?: string; payloadBase64?: string }): string {
  return r.payloadBase64 !== undefined ? `(base64) ${r.payloadBase64}` : printable(r.payload ?? '');
}

/** One line per ack or response, as `serf query` prints them. */
export function replyLine(e: QueryStreamEvent): string {
  return e.type === 'ack'
    ? `Ack from "${printable(e.from)}"\n`
    : `Response from "${printable(e.from)}": ${payloadText(e)}\n`;
}

export function registerQueryCommand(program: Command, io: CliIo, env: Env = process.env): Command {
  const cmd = program
    .command('query')
    .description(
      'ask the cluster through a running agent and print acks and responses as they arrive (POST /v1/queries)',
    )
    .argument('<NAME>', 'query name')
    .argument('[PAYLOAD]', 'query payload, as text')
    .option('--node <NAME>', 'only this node answers (repeatable)', collect)
    .option('--tag <KEY=REGEX>', 'only nodes whose tag KEY matches answer (repeatable)', collect)
    .option('--timeout <DURATION>', `how long to collect answers: ${ACCEPTS_TIMEOUT}`)
    .option('--no-ack', 'do not ask nodes to acknowledge receipt');
  return agentOptions(cmd, 'print the whole result as JSON after the deadline').action(
    async (name: string, payload: string | undefined, raw: QueryFlags) => {
      const query = request(name, payload, raw);
      const target = agentTarget(raw, env);
      if (raw.json === true) {
        const result = await callAgent(() => runQuery(target, query));
        io.stdout(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      const result = await callAgent(() => runQuery(target, query, (e) => io.stdout(replyLine(e))));
      io.stdout(
        `Total acks: ${result.acks.length}, responses: ${result.responses.length}${raw.ack ? '' : ' (acks not requested)'}\n`,
      );
    },
  );
}
