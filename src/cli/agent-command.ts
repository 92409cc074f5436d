/**
 * `hearsay agent`: run one cluster member as a daemon (src/agent).
 *
 * The flags are the rows of `AGENT_SETTINGS` (src/agent/config.ts), registered with
 * commander here so that `--help`, unknown-flag detection and validation share one table.
 * Commander only collects strings; `agentConfigFrom` validates them, and a bad value ends
 * as the CLI's one-line usage error naming the flag (exit 2). A member that cannot start or
 * join ends as one line and exit 1; a stop by SIGINT/SIGTERM, after a graceful leave, is
 * exit 0.
 */

import { type Command, Option } from 'commander';
import { AgentFailure, type ClusterFactory } from '../agent/agent.ts';
import {
  AGENT_SETTINGS,
  type AgentConfig,
  AgentConfigError,
  agentConfigFrom,
  type RawAgentSettings,
} from '../agent/config.ts';
import { createMemberlistCluster } from '../agent/memberlist-cluster.ts';
import { runAgent } from '../agent/run.ts';
import { CommandFailure, UsageError } from './usage-error.ts';

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Validate commander's raw values (keyed by attribute name) into the agent's config. */
export function agentConfigFromCommander(
  raw: Readonly<Record<string, unknown>>,
  attributeOf: ReadonlyMap<string, string>,
): AgentConfig {
  const settings: Record<string, RawAgentSettings[string]> = {};
  for (const [name, attribute] of attributeOf) {
    settings[name] = raw[attribute] as RawAgentSettings[string];
  }
  try {
    return agentConfigFrom(settings);
  } catch (err) {
    if (err instanceof AgentConfigError) throw new UsageError(err.field, err.detail);
    throw err;
  }
}

export function registerAgentCommand(
  program: Command,
  createCluster: ClusterFactory = createMemberlistCluster,
): Command {
  const cmd = program
    .command('agent')
    .description(
      'run a cluster member (Serf-compatible gossip) with an HTTP API; SIGINT/SIGTERM leave gracefully',
    );
  const attributeOf = new Map<string, string>();
  for (const s of AGENT_SETTINGS) {
    const usage = s.value === null ? `--${s.name}` : `--${s.name} <${s.value}>`;
    const option = new Option(usage, `${s.help} [default: ${s.defaultText}]`);
    if (s.repeatable) option.argParser(collect);
    cmd.addOption(option);
    attributeOf.set(s.name, option.attributeName());
  }
  cmd.action(async (raw: Record<string, unknown>) => {
    const config = agentConfigFromCommander(raw, attributeOf);
    try {
      await runAgent(config, { createCluster });
    } catch (err) {
      if (err instanceof AgentFailure) throw new CommandFailure(err.message, { cause: err });
      throw err;
    }
  });
  return cmd;
}
