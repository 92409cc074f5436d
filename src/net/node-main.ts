/**
 * A hearsay dissemination node as an OS process: flags → `UdpHost` → stdout.
 *
 * `runNodeProcess(options)` starts one `UdpHost` running the dissemination protocol and
 * wires it to the process: SIGINT/SIGTERM stop it cleanly (exit 0), and with `--control` a
 * JSON-lines channel (control.ts) lets a harness add peers, publish, read stats and stop it,
 * while every delivery is reported on stdout with a wall-clock timestamp (`atMs`, from
 * `Date.now()`, so that deliveries in different processes on one machine can be compared).
 * In control mode, stdin closing stops the node: a harness that dies takes its nodes along.
 * Without `--control`, stdout carries one human-readable line per event instead.
 *
 * The flags are data (`NODE_FLAGS`) so that the two front ends stay in step: this file run
 * directly (`npx node src/net/node-main.ts --bind 127.0.0.1:0 --control`, used by tests and
 * the benchmark so they do not depend on the CLI) parses them with `node:util` parseArgs,
 * and `hearsay node` (src/cli/node-command.ts) declares the same table to commander. Both
 * end in `nodeOptionsFromFlags`, which validates and names the flag on bad input.
 * Logs and errors go to stderr; stdout is data only.
 */

import type { Readable, Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { utf8ByteLength } from '../codec/utf8.ts';
import { ConfigError, isRemoteError, RemoteError } from '../core/errors.ts';
import { DEFAULT_DISSEMINATION_LIMITS } from '../dissemination/codec.ts';
import type { DisseminationConfig } from '../dissemination/config.ts';
import type { DisseminationEvent, DisseminationMsg } from '../dissemination/messages.ts';
import type { DisseminationTimer } from '../dissemination/node.ts';
import { type Disseminator, disseminationSpec } from '../dissemination/spec.ts';
import { type HostPort, parseHostPort } from './address.ts';
import { type ControlCommand, LineSplitter, parseControlLine } from './control.ts';
import { type HostLogger, stderrLogger, UdpHost } from './udp-host.ts';

export type DisseminationHost = UdpHost<
  DisseminationMsg,
  DisseminationTimer,
  DisseminationEvent,
  Disseminator
>;

export interface NodeOptions {
  readonly bind: HostPort;
  readonly peers: readonly string[];
  /** Only the fields given on the command line; the rest take the config defaults. */
  readonly config: Partial<DisseminationConfig>;
  readonly seed: number | undefined;
  readonly control: boolean;
}

export interface NodeFlag {
  /** Flag name as typed, without dashes. */
  readonly name: string;
  /** Key in the parsed-options object (commander camel-cases names). */
  readonly key: string;
  /** Placeholder for the value; absent for boolean flags. */
  readonly value?: string;
  readonly multiple?: boolean;
  readonly help: string;
  /** The `DisseminationConfig` field this flag sets, to name both in errors. */
  readonly configField?: keyof DisseminationConfig;
}

export const NODE_BIND_DEFAULT = '127.0.0.1:7946';

export const NODE_FLAGS: readonly NodeFlag[] = [
  {
    name: 'bind',
    key: 'bind',
    value: 'HOST:PORT',
    help: `IPv4 address and port for UDP and TCP; port 0 picks a free one (default ${NODE_BIND_DEFAULT})`,
  },
  {
    name: 'peer',
    key: 'peer',
    value: 'HOST:PORT',
    multiple: true,
    help: 'a peer to gossip with (repeatable)',
  },
  {
    name: 'protocol',
    key: 'protocol',
    value: 'NAME',
    help: 'push | pull | push-pull | rumor | anti-entropy (default push-pull)',
    configField: 'protocol',
  },
  {
    name: 'variant',
    key: 'variant',
    value: 'NAME',
    help: 'rumor loss of interest: feedback-counter | feedback-coin | blind-counter | blind-coin',
    configField: 'variant',
  },
  {
    name: 'k',
    key: 'k',
    value: 'N',
    help: 'the k of the rumor variant (default 2)',
    configField: 'k',
  },
  {
    name: 'fanout',
    key: 'fanout',
    value: 'N|adaptive',
    help: 'peers contacted per period (default 1)',
    configField: 'fanout',
  },
  {
    name: 'period-ms',
    key: 'periodMs',
    value: 'MS',
    help: 'gossip period in milliseconds (default 200)',
    configField: 'periodMs',
  },
  {
    name: 'seed',
    key: 'seed',
    value: 'N',
    help: 'seed of the node RNG (default: random, printed at start)',
  },
  {
    name: 'control',
    key: 'control',
    help: 'JSON-lines control channel: commands on stdin, events on stdout',
  },
];

export type RawNodeFlags = Readonly<
  Record<string, string | readonly string[] | boolean | undefined>
>;

function usage(flag: string, message: string): ConfigError {
  return new ConfigError(`--${flag}`, message, 'HEARSAY_ERR_CLI_USAGE');
}

function intFlag(flag: string, text: string, min: number): number {
  const n = /^-?[0-9]+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min)
    throw usage(flag, `must be an integer >= ${min}, got '${text}'`);
  return n;
}

/** Validate raw flags (keyed by `NodeFlag.key`). Throws `ConfigError` naming the flag. */
export function nodeOptionsFromFlags(raw: RawNodeFlags): NodeOptions {
  const str = (key: string): string | undefined => {
    const v = raw[key];
    if (v === undefined || typeof v === 'string') return v;
    throw usage(key, 'given more than once or without a value');
  };
  const bindText = str('bind') ?? NODE_BIND_DEFAULT;
  const bind = parseHostPort(bindText, '--bind', true, 'HEARSAY_ERR_CLI_USAGE');
  const peerRaw = raw.peer;
  const peers = peerRaw === undefined ? [] : typeof peerRaw === 'string' ? [peerRaw] : peerRaw;
  if (!Array.isArray(peers)) throw usage('peer', 'expects HOST:PORT');
  for (const p of peers as string[]) parseHostPort(p, '--peer', false, 'HEARSAY_ERR_CLI_USAGE');

  const config: Record<string, unknown> = {};
  const protocol = str('protocol');
  if (protocol !== undefined) config.protocol = protocol;
  const variant = str('variant');
  if (variant !== undefined) config.variant = variant;
  const k = str('k');
  if (k !== undefined) config.k = intFlag('k', k, 1);
  const fanout = str('fanout');
  if (fanout !== undefined)
    config.fanout = fanout === 'adaptive' ? 'adaptive' : intFlag('fanout', fanout, 1);
  const periodMs = str('periodMs');
  if (periodMs !== undefined) {
    const n = Number(periodMs);
    if (periodMs.trim() === '' || !Number.isFinite(n) || n <= 0) {
      throw usage('period-ms', `must be a number of milliseconds > 0, got '${periodMs}'`);
    }
    config.periodMs = n;
  }
  const seedText = str('seed');
  const seed = seedText === undefined ? undefined : intFlag('seed', seedText, 0);
  const options: NodeOptions = {
    bind,
    peers: [...(peers as string[])],
    config: config as Partial<DisseminationConfig>,
    seed,
    control: raw.control === true,
  };
  // Validate the protocol fields now, so a bad flag fails before any socket is bound.
  try {
    disseminationSpec(options.config);
  } catch (err) {
    if (err instanceof ConfigError) {
      const flag = NODE_FLAGS.find((f) => f.configField === err.field)?.name ?? err.field;
      throw usage(flag, err.message);
    }
    throw err;
  }
  return options;
}

/** Parse `argv` (without node and script) with node:util; used when this file runs directly. */
export function parseNodeArgv(argv: readonly string[]): NodeOptions {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {};
  for (const f of NODE_FLAGS) {
    options[f.name] = {
      type: f.value === undefined ? 'boolean' : 'string',
      multiple: f.multiple ?? false,
    };
  }
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new RemoteError('HEARSAY_ERR_CLI_USAGE', (err as Error).message);
  }
  const raw: Record<string, string | string[] | boolean | undefined> = {};
  for (const f of NODE_FLAGS)
    raw[f.key] = values[f.name] as string | string[] | boolean | undefined;
  return nodeOptionsFromFlags(raw);
}

export interface NodeIo {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** Install SIGINT/SIGTERM handlers (off for embedding in a process that has its own). */
  readonly signals: boolean;
}

const PROCESS_IO: NodeIo = {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  signals: true,
};

/**
 * Run one node until it is stopped (signal, `stop` command, or stdin closing in control
 * mode). Resolves with the exit code: 0 after a clean stop, 1 if the node could not start.
 */
export async function runNodeProcess(
  options: NodeOptions,
  io: NodeIo = PROCESS_IO,
): Promise<number> {
  const writeLine = (o: object): void => {
    io.stdout.write(`${JSON.stringify(o)}\n`);
  };
  // The port is known only after binding (port 0), so the prefix is filled in then.
  let logPrefix = `hearsay node ${options.bind.host}:${options.bind.port}`;
  const logger: HostLogger = {
    warn: (m) => stderrLogger(logPrefix).warn(m),
    error: (m, err) => stderrLogger(logPrefix).error(m, err),
  };
  const spec = disseminationSpec(options.config);
  // Signals are caught from the start: one arriving while the sockets bind (e.g. right after
  // a harness reads `listening`) must still end in a clean stop, not the default kill.
  let signalled = false;
  let onSignal = (): void => {
    signalled = true;
  };
  const signalHandler = (): void => onSignal();
  if (io.signals) {
    process.on('SIGINT', signalHandler);
    process.on('SIGTERM', signalHandler);
  }
  const removeSignalHandlers = (): void => {
    if (!io.signals) return;
    process.off('SIGINT', signalHandler);
    process.off('SIGTERM', signalHandler);
  };
  let host: DisseminationHost;
  try {
    host = await UdpHost.start({
      spec,
      bind: options.bind,
      seed: options.seed,
      peers: options.peers,
      logger,
      onEvent: (e) => {
        if (e.type !== 'deliver') return;
        if (options.control)
          writeLine({ event: 'deliver', id: e.id, hops: e.hops, atMs: Date.now() });
        else io.stdout.write(`deliver ${e.id} hops=${e.hops} bytes=${e.data.length}\n`);
      },
    });
  } catch (err) {
    io.stderr.write(`hearsay node: cannot start: ${describe(err)}\n`);
    removeSignalHandlers();
    return 1;
  }
  const { host: boundHost, port } = host.address;
  logPrefix = `hearsay node ${boundHost}:${port}`;
  if (options.control) {
    writeLine({ event: 'listening', host: boundHost, port, seed: host.seed });
  } else {
    io.stdout.write(`listening ${boundHost}:${port} protocol=${spec.name} seed=${host.seed}\n`);
  }

  let stopping: Promise<void> | undefined;
  const { promise: stopped, resolve: resolveStopped } = Promise.withResolvers<void>();
  const stop = (): Promise<void> => {
    stopping ??= host.stop().then(() => {
      if (options.control) writeLine({ event: 'stopped' });
      resolveStopped();
    });
    return stopping;
  };
  onSignal = () => void stop();
  if (signalled) void stop();

  const controlError = (err: unknown): void => {
    const code = isRemoteError(err) ? err.code : 'internal';
    const message = err instanceof Error ? err.message : String(err);
    io.stderr.write(`${JSON.stringify({ event: 'error', code, message })}\n`);
  };
  const act = (c: ControlCommand): void => {
    switch (c.cmd) {
      case 'peers': {
        host.addPeers(c.peers);
        writeLine({ event: 'peers', count: host.peerAddresses().length });
        return;
      }
      case 'publish': {
        const limits = DEFAULT_DISSEMINATION_LIMITS;
        if (utf8ByteLength(c.id) > limits.idBytesMax) {
          throw new RemoteError(
            'HEARSAY_ERR_CONTROL_INVALID',
            `publish: id longer than ${limits.idBytesMax} bytes`,
          );
        }
        if (c.data.length > limits.itemDataBytesMax) {
          throw new RemoteError(
            'HEARSAY_ERR_CONTROL_INVALID',
            `publish: data of ${c.data.length} B over itemDataBytesMax ${limits.itemDataBytesMax} B`,
          );
        }
        const fresh = host.invoke((p, ctx) => p.publish(ctx, c.id, c.data));
        if (!fresh)
          throw new RemoteError(
            'HEARSAY_ERR_CONTROL_INVALID',
            `publish: id '${c.id}' is already known`,
          );
        return;
      }
      case 'stats':
        writeLine({ event: 'stats', ...host.stats() });
        return;
      case 'stop':
        void stop();
        return;
    }
  };

  const onData = (chunk: Buffer): void => {
    splitter.push(
      chunk,
      (line) => {
        if (stopping !== undefined) return;
        try {
          act(parseControlLine(line));
        } catch (err) {
          if (!isRemoteError(err)) logger.error('control command failed (a hearsay bug)', err);
          controlError(err);
        }
      },
      (bytes) =>
        controlError(
          new RemoteError(
            'HEARSAY_ERR_CONTROL_INVALID',
            `control line of ${bytes}+ B over CONTROL_LINE_BYTES_MAX`,
          ),
        ),
    );
  };
  const onEnd = (): void => void stop();
  const splitter = new LineSplitter();
  if (options.control) {
    io.stdin.on('data', onData);
    io.stdin.on('end', onEnd);
  }

  await stopped;
  removeSignalHandlers();
  if (options.control) {
    io.stdin.off('data', onData);
    io.stdin.off('end', onEnd);
    // Let the process exit: a paused stdin pipe still holds the event loop open.
    if (io.stdin === process.stdin) process.stdin.destroy();
  }
  return 0;
}

function describe(err: unknown): string {
  if (isRemoteError(err)) return `${err.code}: ${err.message}`;
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}

/** Entry point when run directly: exit 2 on bad flags, 1 if the node cannot start. */
async function main(): Promise<void> {
  let options: NodeOptions;
  try {
    options = parseNodeArgv(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`hearsay node: ${describe(err)}\n`);
    process.exitCode = 2;
    return;
  }
  process.exitCode = await runNodeProcess(options);
}

if (import.meta.main) await main();
