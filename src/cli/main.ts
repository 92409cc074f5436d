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
import { isRemoteError } from '../core/errors.ts';
import { type CliIo, processIo } from './io.ts';
import {
  CommandFailure,
  EXIT_FAILURE,
  EXIT_USAGE,
  oneLine,
  UsageError,
  usageErrorFromCommander,
} from './usage-error.ts';

const VERSION = pkg.version;

type Register = (program: Command, io: CliIo) => Promise<void>;

/**
 * Every top-level command, in help order, each behind a dynamic import: `hearsay agent` is a
 * long-lived process whose memory is measured against Serf's, and it should not carry the
 * simulator, the reproductions and the dissemination host it never runs (about 15 MiB).
 */
const COMMANDS: Readonly<Record<string, Register>> = {
  sim: async (program, io) => {
    const [{ registerSimCommand }, { registerReproduceCommand }] = await Promise.all([
      import('./sim-command.ts'),
      import('./reproduce-command.ts'),
    ]);
    registerReproduceCommand(registerSimCommand(program, io), io);
  },
  node: async (program) => {
    (await import('./node-command.ts')).registerNodeCommand(program);
  },
  agent: async (program) => {
    (await import('./agent-command.ts')).registerAgentCommand(program);
  },
  members: async (program, io) => {
    (await import('./members-command.ts')).registerMembersCommand(program, io);
  },
  event: async (program, io) => {
    (await import('./event-command.ts')).registerEventCommand(program, io);
  },
  query: async (program, io) => {
    (await import('./query-command.ts')).registerQueryCommand(program, io);
  },
  monitor: async (program, io) => {
    (await import('./monitor-command.ts')).registerMonitorCommand(program, io);
  },
  keygen: async (program, io) => {
    (await import('./keygen-command.ts')).registerKeygenCommand(program, io);
  },
  keys: async (program, io) => {
    (await import('./keys-command.ts')).registerKeysCommand(program, io);
  },
  join: async (program, io) => {
    (await import('./join-command.ts')).registerJoinCommand(program, io);
  },
  leave: async (program, io) => {
    (await import('./leave-command.ts')).registerLeaveCommand(program, io);
  },
  info: async (program, io) => {
    (await import('./info-command.ts')).registerInfoCommand(program, io);
  },
};

/**
 * The program with the command named by `argv[0]` registered, or every command when that is
 * not a command name (help, a typo that needs "did you mean", a bare `hearsay`).
 */
export async function buildProgram(io: CliIo, argv: readonly string[] = []): Promise<Command> {
  // Settings made before `.command()` are inherited by every subcommand.
  const program = new Command('hearsay')
    .description('gossip-protocol toolkit: deterministic simulator, agent, library')
    .version(VERSION, '-V, --version', 'print the version')
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
  const first = argv[0];
  const only = first !== undefined && Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
  if (only) await only(program, io);
  else for (const register of Object.values(COMMANDS)) await register(program, io);
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
  const program = await buildProgram(io, argv);
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
      const acceptsOf =
        path === 'hearsay agent'
          ? (await import('../agent/config.ts')).agentSettingAccepts
          : (await import('./sim-flags.ts')).simFlagAccepts;
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
  // The agent process is ours to tune; run() stays free of process-wide settings for tests.
  if (argv[2] === 'agent') (await import('../agent/efficiency-mode.ts')).enterEfficiencyMode();
  const code = await run(argv.slice(2));
  // Only failures are written: a command that sets process.exitCode itself (`hearsay node`
  // does) must not have it reset to 0 here.
  if (code !== 0) process.exitCode = code;
}

// `node src/cli/main.ts …` (the npm "sim" script) runs it directly; bin/hearsay.js calls main.
if (import.meta.main) await main();
