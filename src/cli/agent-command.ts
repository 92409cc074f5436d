/**
 * `hearsay agent`: run one cluster member as a daemon (src/agent).
 *
 * The flags are the rows of `AGENT_SETTINGS` (src/agent/config.ts), registered with
 * commander here so that `--help`, unknown-flag detection and validation share one table;
 * `--config-file` (repeatable) adds JSON files and `HEARSAY_*` environment variables fill
 * what flags leave out (config-sources.ts: flags > env > files > --dev > defaults).
 * Commander only collects strings; `loadAgentConfig` validates them, and a bad value ends
 * as the CLI's one-line usage error naming the field as its source spells it (exit 2). A
 * member that cannot start or join ends as one line and exit 1; a stop by SIGINT/SIGTERM,
 * after a graceful leave, is exit 0.
 */

import { readFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { AgentFailure, type ClusterFactory } from '../agent/agent.ts';
import { AGENT_SETTINGS, AgentConfigError, type RawAgentSettings } from '../agent/config.ts';
import { type LoadedConfig, loadAgentConfig } from '../agent/config-sources.ts';
import { createMemberlistCluster } from '../agent/memberlist-cluster.ts';
import { withRehearsal } from '../agent/rehearsal.ts';
import { runAgent } from '../agent/run.ts';
import { CommandFailure, UsageError } from './usage-error.ts';

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Where the settings beyond the flags come from; the real process by default. */
export interface AgentConfigEnvironment {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly readFile: (path: string) => string;
}

const processEnvironment: AgentConfigEnvironment = {
  env: process.env,
  readFile: (path) => readFileSync(path, 'utf8'),
};

/**
 * Validate commander's raw values (keyed by attribute name), the environment and the
 * config files into the agent's config; a bad value is a `UsageError` naming its field.
 */
export function agentConfigFromCommander(
  raw: Readonly<Record<string, unknown>>,
  attributeOf: ReadonlyMap<string, string>,
  environment: AgentConfigEnvironment = processEnvironment,
): LoadedConfig {
  const flags: Record<string, RawAgentSettings[string]> = {};
  for (const [name, attribute] of attributeOf) {
    flags[name] = raw[attribute] as RawAgentSettings[string];
  }
  try {
    return loadAgentConfig({
      flags,
      configFiles: (raw.configFile as string[] | undefined) ?? [],
      env: environment.env,
      readFile: environment.readFile,
    });
  } catch (err) {
    if (err instanceof AgentConfigError) throw new UsageError(err.field, err.detail);
    throw err;
  }
}

export function registerAgentCommand(
  program: Command,
  createCluster: ClusterFactory = withRehearsal(createMemberlistCluster),
  environment: AgentConfigEnvironment = processEnvironment,
): Command {
  const cmd = program
    .command('agent')
    .description(
      'run a cluster member (Serf-compatible gossip) with an HTTP API; SIGINT/SIGTERM leave gracefully',
    );
  cmd.addOption(
    new Option(
      '--config-file <PATH>',
      'a JSON file of settings keyed by flag name (repeatable; later files win; flags and HEARSAY_* variables win over files) [default: $HEARSAY_CONFIG_FILE, else none]',
    ).argParser(collect),
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
    const { config, warnings } = agentConfigFromCommander(raw, attributeOf, environment);
    try {
      await runAgent(config, { createCluster, warnings });
    } catch (err) {
      if (err instanceof AgentFailure) throw new CommandFailure(err.message, { cause: err });
      throw err;
    }
  });
  return cmd;
}
