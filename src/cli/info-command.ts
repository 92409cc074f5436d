/**
 * `hearsay info`: what a running agent says about itself (`GET /v1/info`) — its name,
 * address, state, tags, version, members by state, and the cluster's counters — as
 * `NAME  VALUE` lines, or the JSON object itself with `--json`.
 *
 * The counters are printed as the agent gives them, without this command knowing each: a
 * number as itself, a table of counts (messages by type, drops by reason) as `k=v k=v` with
 * keys sorted, anything else as JSON. A new counter in the agent shows up here unchanged.
 */

import type { Command } from 'commander';
import { memberAddress } from '../agent/agent.ts';
import { type AgentInfo, fetchInfo } from '../agent/client.ts';
import { MEMBER_STATES } from '../agent/cluster.ts';
import { type AgentFlags, agentOptions, agentTarget, callAgent, type Env } from './http-target.ts';
import type { CliIo } from './io.ts';
import { table, tagsText } from './table.ts';

function valueText(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'string') return String(v);
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const entries = Object.entries(v);
    if (entries.length === 0) return '-';
    if (entries.every(([, x]) => typeof x === 'number' || typeof x === 'string')) {
      return entries
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, x]) => `${k}=${x}`)
        .join(' ');
    }
  }
  return JSON.stringify(v);
}

export function infoText(info: AgentInfo): string {
  const head = table([
    ['name', info.name],
    ['address', memberAddress({ ...info })],
    ['state', info.state],
    ['tags', tagsText(info.tags)],
    ['version', info.version],
    ['members', MEMBER_STATES.map((s) => `${s}=${info.members[s]}`).join(' ')],
  ]);
  const stats = table([
    ['STAT', 'VALUE'],
    ...Object.entries(info.stats).map(([k, v]) => [k, valueText(v)]),
  ]);
  return `${head}\n${stats}`;
}

export function registerInfoCommand(program: Command, io: CliIo, env: Env = process.env): Command {
  const cmd = program
    .command('info')
    .description('show what a running agent says about itself and its counters (GET /v1/info)');
  return agentOptions(cmd, 'print the info object as JSON').action(async (raw: AgentFlags) => {
    const target = agentTarget(raw, env);
    const info = await callAgent(() => fetchInfo(target));
    io.stdout(raw.json === true ? `${JSON.stringify(info, null, 2)}\n` : infoText(info));
  });
}
