/**
 * `hearsay join ADDR…`: tell a running agent to join a cluster through one or more of its
 * members (`POST /v1/join`), as `serf join` does, and print Serf's line, `Successfully joined
 * cluster by contacting N nodes.` (or `{"joined": N}` with `--json`).
 *
 * Each ADDR is a member's gossip address (its `--bind`, or `--advertise`), an IPv4 literal and
 * a port, checked here as the agent's `--join` checks it so a typo is a usage error (exit 2)
 * before anything is sent; the agent checks again. When no address answered, the agent says
 * why for each (502) and the command prints that as one line, exit 1. Serf's `-replay` is not
 * offered: the agent joins without replaying old user events, as Serf does by default.
 *
 * A join to a seed that drops packets waits out a TCP timeout, so the request is given the
 * agent's own join bound on top of the client's usual timeout.
 */

import type { Command } from 'commander';
import {
  AGENT_CLIENT_LIMITS_DEFAULT,
  AgentClientError,
  type AgentTarget,
  agentUrl,
  requestJson,
} from '../agent/client.ts';
import {
  AgentConfigError,
  type HostPort,
  JOIN_ADDRESSES_MAX,
  parseHostPort,
} from '../agent/config.ts';
import { JOIN_LIMITS_DEFAULT } from '../agent/http/join-route.ts';
import { type AgentFlags, agentOptions, agentTarget, callAgent, type Env } from './http-target.ts';
import type { CliIo } from './io.ts';
import { UsageError } from './usage-error.ts';

/** `ADDR…` as the agent takes them; usage errors name the argument. */
export function joinAddresses(raw: readonly string[]): HostPort[] {
  if (raw.length > JOIN_ADDRESSES_MAX) {
    throw new UsageError('ADDR', `may be given at most ${JOIN_ADDRESSES_MAX} times`);
  }
  return raw.map((text) => {
    try {
      return parseHostPort('ADDR', text, false);
    } catch (err) {
      if (err instanceof AgentConfigError) throw new UsageError(err.field, err.detail);
      throw err;
    }
  });
}

/** `POST /v1/join`; resolves with how many addresses answered. Throws `AgentClientError`. */
export async function requestJoin(
  target: AgentTarget,
  addrs: readonly HostPort[],
): Promise<number> {
  const limits = {
    ...AGENT_CLIENT_LIMITS_DEFAULT,
    timeoutMs: AGENT_CLIENT_LIMITS_DEFAULT.timeoutMs + JOIN_LIMITS_DEFAULT.timeoutMs,
  };
  const body = await requestJson(
    target,
    'POST',
    '/v1/join',
    { addrs: addrs.map((a) => `${a.host}:${a.port}`) },
    limits,
  );
  const joined = (body as { joined?: unknown } | null)?.joined;
  if (typeof joined !== 'number' || !Number.isInteger(joined) || joined < 0) {
    throw new AgentClientError(
      'invalid-response',
      `${agentUrl(target.address, '/v1/join')} did not answer {joined}`,
    );
  }
  return joined;
}

export function registerJoinCommand(program: Command, io: CliIo, env: Env = process.env): Command {
  const cmd = program
    .command('join')
    .description(
      'make a running agent join a cluster through one or more of its members (POST /v1/join)',
    )
    .argument(
      '<ADDR...>',
      `gossip address IPV4:PORT of a member to contact (at most ${JOIN_ADDRESSES_MAX})`,
    );
  return agentOptions(cmd, 'print the answer as JSON ({"joined": N})').action(
    async (raw: string[], flags: AgentFlags) => {
      const target = agentTarget(flags, env);
      const addrs = joinAddresses(raw);
      const joined = await callAgent(() => requestJoin(target, addrs));
      io.stdout(
        flags.json === true
          ? `${JSON.stringify({ joined })}\n`
          : `Successfully joined cluster by contacting ${joined} nodes.\n`,
      );
    },
  );
}
