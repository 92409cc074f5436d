/**
 * `hearsay members`: ask a running agent for its member list (`GET /v1/members`) and print
 * it as a table, or as the JSON array itself with `--json`.
 *
 * The agent's address comes from `--http`, else the environment variable
 * `HEARSAY_HTTP_ADDR`, else the agent's default; a bad value is a usage error naming
 * whichever gave it (exit 2). An agent that is not there, or that answers something other
 * than a member list, is one line naming the address (exit 1).
 */

import type { Command } from 'commander';
import { memberAddress } from '../agent/agent.ts';
import { AgentClientError, fetchMembers } from '../agent/client.ts';
import type { AgentMember } from '../agent/cluster.ts';
import { AGENT_HTTP_DEFAULT, AgentConfigError, parseHostPort } from '../agent/config.ts';
import type { CliIo } from './io.ts';
import { CommandFailure, UsageError } from './usage-error.ts';

export const HTTP_ADDR_ENV = 'HEARSAY_HTTP_ADDR';

/** Tags as `k=v,k=v`, keys sorted, so equal tag sets print equally. */
export function tagsText(tags: Readonly<Record<string, string>>): string {
  return Object.keys(tags)
    .sort()
    .map((k) => `${k}=${tags[k]}`)
    .join(',');
}

/** Members as aligned columns with a header, like `serf members` (which has none). */
export function membersTable(members: readonly AgentMember[]): string {
  const rows = [
    ['NAME', 'ADDRESS', 'STATE', 'TAGS'],
    ...members.map((m) => [m.name, memberAddress(m), m.state, tagsText(m.tags)]),
  ];
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => (c < 3 ? cell.padEnd(widths[c]!) : cell))
        .join('  ')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}

export function registerMembersCommand(
  program: Command,
  io: CliIo,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Command {
  return program
    .command('members')
    .description('list the members a running agent knows (GET /v1/members)')
    .option(
      '--http <HOST:PORT>',
      `address of the agent's HTTP API [default: $${HTTP_ADDR_ENV}, else ${AGENT_HTTP_DEFAULT}]`,
    )
    .option('--json', 'print the member list as JSON')
    .action(async (raw: { http?: string; json?: boolean }) => {
      const fromEnv = env[HTTP_ADDR_ENV];
      const [field, text] =
        raw.http !== undefined
          ? ['--http', raw.http]
          : fromEnv !== undefined && fromEnv !== ''
            ? [HTTP_ADDR_ENV, fromEnv]
            : ['--http', AGENT_HTTP_DEFAULT];
      let address: ReturnType<typeof parseHostPort>;
      try {
        address = parseHostPort(field, text, false);
      } catch (err) {
        if (err instanceof AgentConfigError) throw new UsageError(err.field, err.detail);
        throw err;
      }
      let members: AgentMember[];
      try {
        members = await fetchMembers(address);
      } catch (err) {
        if (err instanceof AgentClientError) throw new CommandFailure(err.message, { cause: err });
        throw err;
      }
      io.stdout(
        raw.json === true ? `${JSON.stringify(members, null, 2)}\n` : membersTable(members),
      );
    });
}
