/**
 * `hearsay event NAME [PAYLOAD]`: send a user event through a running agent (`POST
 * /v1/events`), as `serf event` does. The payload is the argument's text (UTF-8); Serf limits
 * name and payload together to 512 bytes, and the agent's refusal says so (exit 1).
 * `--no-coalesce` asks that handlers see every event of this name, not only the latest in a
 * burst.
 */

import type { Command } from 'commander';
import { sendEvent } from '../agent/client.ts';
import { type AgentFlags, agentOptions, agentTarget, callAgent, type Env } from './http-target.ts';
import type { CliIo } from './io.ts';
import { printable } from './table.ts';

interface EventFlags extends AgentFlags {
  readonly coalesce: boolean;
}

export function registerEventCommand(program: Command, io: CliIo, env: Env = process.env): Command {
  const cmd = program
    .command('event')
    .description('send a user event to the cluster through a running agent (POST /v1/events)')
    .argument('<NAME>', 'event name')
    .argument('[PAYLOAD]', 'event payload, as text')
    .option('--no-coalesce', 'deliver every event of this name to handlers, not just the latest');
  return agentOptions(cmd, 'print the answer as JSON ({"ltime": "…"})').action(
    async (name: string, payload: string | undefined, raw: EventFlags) => {
      const target = agentTarget(raw, env);
      const ltime = await callAgent(() =>
        sendEvent(target, {
          name,
          ...(payload === undefined ? {} : { payload }),
          coalesce: raw.coalesce,
        }),
      );
      io.stdout(
        raw.json === true
          ? `${JSON.stringify({ ltime: ltime.toString() })}\n`
          : `Event "${printable(name)}" sent (ltime ${ltime}, coalescing ${raw.coalesce ? 'on' : 'off'})\n`,
      );
    },
  );
}
