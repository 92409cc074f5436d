/**
 * `hearsay leave`: tell a running agent to leave the cluster gracefully and exit (`POST
 * /v1/leave`), as `serf leave` does. The command returns once the agent has accepted; the
 * leave itself (a few seconds: the intent spreads, then the agent stops) goes on in the agent.
 */

import type { Command } from 'commander';
import { requestLeave } from '../agent/client.ts';
import { formatHostPort } from '../agent/config.ts';
import { type AgentFlags, agentOptions, agentTarget, callAgent, type Env } from './http-target.ts';
import type { CliIo } from './io.ts';

export function registerLeaveCommand(program: Command, io: CliIo, env: Env = process.env): Command {
  const cmd = program
    .command('leave')
    .description('make a running agent leave the cluster gracefully and exit (POST /v1/leave)');
  return agentOptions(cmd, 'print the answer as JSON').action(async (raw: AgentFlags) => {
    const target = agentTarget(raw, env);
    await callAgent(() => requestLeave(target));
    io.stdout(
      raw.json === true
        ? `${JSON.stringify({ status: 'leaving' })}\n`
        : `The agent at ${formatHostPort(target.address)} is leaving the cluster and will exit\n`,
    );
  });
}
