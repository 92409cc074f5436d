/**
 * The `hearsay` command: a commander program whose subcommands live one per module
 * (sim-command.ts, reproduce-command.ts, …).
 *
 * `run(argv, io)` is the whole CLI as a function: user arguments in (no node/script
 * prefix), text out through `io`, exit code back. Tests call it in-process; `main` binds it
 * to the real process. Exit codes: 0 success (and --help, --version), 1 the run failed,
 * 2 usage error. Every usage error, ours or commander's, is printed as exactly one line by
 * usage-error.ts; commander's own error output is silenced for that reason.
 */

import { Command, CommanderError } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { agentSettingAccepts } from '../agent/config.ts';
import { isRemoteError } from '../core/errors.ts';
import { registerAgentCommand } from './agent-command.ts';
import { registerEventCommand } from './event-command.ts';
import { registerInfoCommand } from './info-command.ts';
import { type CliIo, processIo } from './io.ts';
import { registerKeygenCommand } from './keygen-command.ts';
import { registerKeysCommand } from './keys-command.ts';
import { registerLeaveCommand } from './leave-command.ts';
import { registerMembersCommand } from './members-command.ts';
import { registerMonitorCommand } from './monitor-command.ts';
import { registerNodeCommand } from './node-command.ts';
import { registerQueryCommand } from './query-command.ts';
import { registerReproduceCommand } from './reproduce-command.ts';
import { registerSimCommand } from './sim-command.ts';
import { simFlagAccepts } from './sim-flags.ts';
import {
  CommandFailure,
  EXIT_FAILURE,
  EXIT_USAGE,
  oneLine,
  UsageError,
  usageErrorFromCommander,
} from './usage-error.ts';

export function buildProgram(io: CliIo): Command {
  // Settings made before `.command()` are inherited by every subcommand.
  const program = new Command('hearsay')
    .description('gossip-protocol toolkit: deterministic simulator, agent, library')
    .version(pkg.version, '-V, --version', 'print the version')
    .exitOverride()
    .configureOutput({
      writeOut: io.stdout,
      writeErr: io.stderr,
      outputError: () => {},
    })
    .showSuggestionAfterError(true)
    // A subcommand's flags belong to it even when a parent has a flag of the same name
    // (`sim --json` and `sim reproduce NAME --json`); commander needs this at every level.
    .enablePositionalOptions();
  const sim = registerSimCommand(program, io);
  registerReproduceCommand(sim, io);
  registerNodeCommand(program);
  registerAgentCommand(program);
  registerMembersCommand(program, io);
  registerEventCommand(program, io);
  registerQueryCommand(program, io);
  registerMonitorCommand(program, io);
  registerKeygenCommand(program, io);
  registerKeysCommand(program, io);
  registerLeaveCommand(program, io);
  registerInfoCommand(program, io);
  return program;
}

/** "hearsay sim reproduce" for the command that raised an error, for messages. */
function commandPath(program: Command, argv: readonly string[]): string {
  const path = ['hearsay'];
  let cmd: Command = program;
  for (const arg of argv) {
    const sub = cmd.commands.find((c) => c.name() === arg);
    if (sub === undefined) break;
    path.push(arg);
    cmd = sub;
  }
  return path.join(' ');
}

export async function run(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end in a CommanderError with exit code 0.
      if (e.exitCode === 0) return 0;
      // A bare `hearsay` (or `hearsay sim reproduce` without a subcommand) prints help to stderr.
      if (e.code === 'commander.help') return EXIT_USAGE;
      const path = commandPath(program, argv);
      const acceptsOf = path === 'hearsay agent' ? agentSettingAccepts : simFlagAccepts;
      const usage = usageErrorFromCommander(e, path, acceptsOf);
      io.stderr(`${usage.line()}\n`);
      return EXIT_USAGE;
    }
    if (e instanceof UsageError) {
      io.stderr(`${e.line()}\n`);
      return EXIT_USAGE;
    }
    if (e instanceof CommandFailure) {
      io.stderr(`${e.line()}\n`);
      return EXIT_FAILURE;
    }
    if (isRemoteError(e)) {
      io.stderr(`hearsay: ${oneLine(e.message)} (${e.code})\n`);
      return e.code === 'HEARSAY_ERR_CONFIG_INVALID' ? EXIT_USAGE : EXIT_FAILURE;
    }
    // Not the user's fault: show the stack so the bug can be reported.
    io.stderr(`hearsay: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return EXIT_FAILURE;
  }
}

export async function main(argv: readonly string[] = process.argv): Promise<void> {
  const code = await run(argv.slice(2));
  // Only failures are written: a command that sets process.exitCode itself (`hearsay node`
  // does) must not have it reset to 0 here.
  if (code !== 0) process.exitCode = code;
}

// `node src/cli/main.ts …` (the npm "sim" script) runs it directly; bin/hearsay.js calls main.
if (import.meta.main) await main();
