/**
 * `hearsay members`: ask a running agent for its member list (`GET /v1/members`) and print
 * it as a table, or as the JSON array itself with `--json`. `--status`, `--name` and `--tag`
 * filter as `serf members` does (the agent applies them; see docs/agent.md).
 *
 * The agent's address and token come from http-target.ts (`--http`, `$HEARSAY_HTTP_ADDR`,
 * the default; `--token`, `$HEARSAY_HTTP_TOKEN`); a bad value is a usage error naming
 * whichever gave it (exit 2). An agent that is not there, or that answers something other
 * than a member list, is one line naming the address (exit 1).
 */

import type { Command } from 'commander';
import { memberAddress } from '../agent/agent.ts';
import { fetchMembers } from '../agent/client.ts';
import { type AgentMember, type AgentMemberState, MEMBER_STATES } from '../agent/cluster.ts';
import { type AgentFlags, agentOptions, agentTarget, callAgent, type Env } from './http-target.ts';
import type { CliIo } from './io.ts';
import { table, tagsText } from './table.ts';
import { badValue } from './usage-error.ts';

export { HTTP_ADDR_ENV } from './http-target.ts';
export { tagsText } from './table.ts';

/** Members as aligned columns with a header, like `serf members` (which has none). */
export function membersTable(members: readonly AgentMember[]): string {
  return table([
    ['NAME', 'ADDRESS', 'STATE', 'TAGS'],
    ...members.map((m) => [m.name, memberAddress(m), m.state, tagsText(m.tags)]),
  ]);
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

const ACCEPTS_STATUS = `one or more of ${MEMBER_STATES.join(', ')}, comma-separated`;

function parseStatus(raw: string): AgentMemberState[] {
  return raw.split(',').map((s) => {
    const state = MEMBER_STATES.find((x) => x === s.trim());
    if (state === undefined) throw badValue('--status', ACCEPTS_STATUS, raw);
    return state;
  });
}

interface MembersFlags extends AgentFlags {
  readonly status?: string;
  readonly name?: string;
  readonly tag?: string[];
}

export function registerMembersCommand(
  program: Command,
  io: CliIo,
  env: Env = process.env,
): Command {
  const cmd = program
    .command('members')
    .description('list the members a running agent knows (GET /v1/members)')
    .option('--status <STATES>', `only members in these states: ${ACCEPTS_STATUS}`)
    .option('--name <REGEX>', 'only members whose whole name matches (RE2 syntax, as Serf)')
    .option('--tag <KEY=REGEX>', 'only members whose tag KEY matches (repeatable)', collect);
  return agentOptions(cmd, 'print the member list as JSON').action(async (raw: MembersFlags) => {
    const target = agentTarget(raw, env);
    const status = raw.status === undefined ? undefined : parseStatus(raw.status);
    for (const t of raw.tag ?? []) {
      if (t.indexOf('=') <= 0) throw badValue('--tag', 'KEY=REGEX with a non-empty KEY', t);
    }
    const members = await callAgent(() =>
      fetchMembers(target, undefined, { status, name: raw.name, tags: raw.tag }),
    );
    io.stdout(raw.json === true ? `${JSON.stringify(members, null, 2)}\n` : membersTable(members));
  });
}
