/**
 * `hearsay node`: run one dissemination node as a process (see src/net/node-main.ts).
 *
 * The flags come from `NODE_FLAGS`, the same table the directly-runnable node-main.ts
 * parses, so the command and the test/benchmark entry point cannot drift. Validation lives
 * in `nodeOptionsFromFlags`; commander only collects the strings. Bad flags end as the CLI's
 * one-line usage error (exit 2) through src/cli/main.ts, like every other command.
 */

import type { Command } from 'commander';
import { isRemoteError } from '../core/errors.ts';
import { NODE_FLAGS, nodeOptionsFromFlags, runNodeProcess } from '../net/node-main.ts';
import { UsageError } from './usage-error.ts';

/**
 * node-main.ts names the flag at the start of its messages ("--bind: expected …"); turn that
 * into the CLI's one-line `UsageError` (exit 2) like every other command's flag errors.
 */
function asUsageError(err: unknown): unknown {
  if (!isRemoteError(err) || err.code !== 'HEARSAY_ERR_CLI_USAGE') return err;
  const m = /^(--[a-z-]+): (.*)$/s.exec(err.message);
  return m === null ? new UsageError('hearsay node', err.message) : new UsageError(m[1]!, m[2]!);
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function registerNodeCommand(program: Command): Command {
  const cmd = program
    .command('node')
    .description(
      'run a dissemination node over UDP/TCP; with --control, a JSON-lines control channel on stdin/stdout',
    );
  for (const f of NODE_FLAGS) {
    if (f.value === undefined) cmd.option(`--${f.name}`, f.help);
    else if (f.multiple) cmd.option(`--${f.name} <${f.value}>`, f.help, collect);
    else cmd.option(`--${f.name} <${f.value}>`, f.help);
  }
  cmd.action(async (raw: Record<string, string | string[] | boolean | undefined>) => {
    let options: ReturnType<typeof nodeOptionsFromFlags>;
    try {
      options = nodeOptionsFromFlags(raw);
    } catch (err) {
      throw asUsageError(err);
    }
    process.exitCode = await runNodeProcess(options);
  });
  return cmd;
}
