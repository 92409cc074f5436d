/**
 * The agent as an OS process: a validated config in, an exit when told to stop.
 *
 *   1. catch SIGINT/SIGTERM first, so a signal that arrives while sockets bind still ends
 *      in a clean stop rather than the default kill;
 *   2. start the agent (gossip, then HTTP);
 *   3. write the one `listening` line on stdout: `{"event":"listening","name":…,
 *      "bind":"IP:PORT","advertise":"IP:PORT","http":"IP:PORT"}` with the bound ports
 *      (port 0 resolved), so a harness learns where to join (`advertise`) and what to
 *      query without parsing logs;
 *   4. join the seeds, if any; when none answers, stop and fail (exit 1, one line). Without
 *      seeds, rejoin the members the data dir's snapshot knew (Serf's rejoin): a failure
 *      there is a warning, not an exit — the node runs alone and others may join it. Seeds
 *      given with `--retry-join` are tried in the background until one answers
 *      (retry-join.ts); running out of `--retry-max` attempts stops the agent (exit 1);
 *   5. run until a signal or `POST /v1/leave`: leave gracefully (bounded by
 *      `leaveTimeoutMs`), shut down, resolve. A second signal during the leave skips the
 *      rest of the wait, as Serf does.
 *
 * Failures to start or join are `AgentFailure`s, one line each; the CLI prints them and
 * exits 1. Logs go to stderr (log.ts); stdout carries only the `listening` line.
 */

import { Agent, AgentFailure, type ClusterFactory } from './agent.ts';
import { type AgentConfig, formatHostPort } from './config.ts';
import type { HttpLimits } from './http/server.ts';
import { type AgentLogger, createAgentLogger } from './log.ts';
import { retryJoin } from './retry-join.ts';

/** How long to wait for seeds at start (memberlist's TCP timeout on a LAN is 10 s). */
export const JOIN_TIMEOUT_MS_DEFAULT = 30_000;
/**
 * Longest wait for the graceful leave. Serf's leave takes a few gossip rounds for the
 * intent, as many for memberlist's leave, then a 1 s propagation delay (about 2 s on a
 * LAN); each phase is bounded by 5 s (`broadcastTimeoutMs`, `leaveTimeoutMs`), so 15 s
 * lets a slow leave finish and still ends a stuck one.
 */
export const LEAVE_TIMEOUT_MS_DEFAULT = 15_000;

export type SignalName = 'SIGINT' | 'SIGTERM';

export interface AgentProcessIo {
  /** One machine-readable line (without newline) for stdout. */
  writeLine(line: string): void;
  /** Log output; undefined writes to stderr. */
  readonly writeLog?: (text: string) => void;
  /** Subscribe to stop signals; returns the unsubscribe. */
  onSignal(handler: (signal: SignalName) => void): () => void;
}

export function processAgentIo(): AgentProcessIo {
  return {
    writeLine: (line) => {
      process.stdout.write(`${line}\n`);
    },
    onSignal: (handler) => {
      const onInt = () => handler('SIGINT');
      const onTerm = () => handler('SIGTERM');
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
      return () => {
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
      };
    },
  };
}

export interface RunAgentOptions {
  readonly createCluster: ClusterFactory;
  readonly io?: AgentProcessIo;
  readonly joinTimeoutMs?: number;
  readonly leaveTimeoutMs?: number;
  readonly httpLimits?: HttpLimits;
  /** Called once the agent listens (tests read the bound addresses from it). */
  readonly onStarted?: (agent: Agent) => void;
  /** Logged at warn once the logger exists (config-sources.ts's findings). */
  readonly warnings?: readonly string[];
}

/** Run until a stop signal. Throws `AgentFailure` when the agent cannot start or join. */
export async function runAgent(config: AgentConfig, options: RunAgentOptions): Promise<void> {
  const io = options.io ?? processAgentIo();
  const logger: AgentLogger = createAgentLogger({
    level: config.logLevel,
    json: config.logJson,
    nodeName: config.nodeName,
    write: io.writeLog,
  });
  for (const warning of options.warnings ?? []) logger.warn(warning);
  const stopRequested = new AbortController();
  /** Set when the agent stops because it failed after starting (retry-join gave up). */
  let failure: AgentFailure | undefined;
  let signals = 0;
  const { promise: forced, resolve: force } = Promise.withResolvers<void>();
  const unsubscribe = io.onSignal((signal) => {
    signals += 1;
    logger.info({ signal }, signals === 1 ? 'stop requested' : 'stop forced');
    if (signals === 1) stopRequested.abort(new AgentFailure(`agent: stopped by ${signal}`));
    else force();
  });
  try {
    if (stopRequested.signal.aborted) return;
    const agent = await Agent.start(config, {
      createCluster: options.createCluster,
      logger,
      httpLimits: options.httpLimits,
      // POST /v1/leave takes the path of a first signal; a signal after it forces the stop.
      onLeaveRequested: () => {
        if (stopRequested.signal.aborted) return;
        signals += 1;
        logger.info('leave requested over HTTP');
        stopRequested.abort(new AgentFailure('agent: stopped by POST /v1/leave'));
      },
    });
    try {
      io.writeLine(
        JSON.stringify({
          event: 'listening',
          name: config.nodeName,
          bind: formatHostPort(agent.gossip),
          advertise: formatHostPort(agent.cluster.advertise),
          http: formatHostPort(agent.http),
        }),
      );
      options.onStarted?.(agent);
      if (config.join.length > 0 && !stopRequested.signal.aborted) {
        const timeout = AbortSignal.timeout(options.joinTimeoutMs ?? JOIN_TIMEOUT_MS_DEFAULT);
        try {
          await agent.join(config.join, AbortSignal.any([stopRequested.signal, timeout]));
        } catch (err) {
          // A stop during the join is a stop, not a join failure.
          if (!stopRequested.signal.aborted) throw err;
        }
      } else if (agent.rejoinSeeds.length > 0 && !stopRequested.signal.aborted) {
        const timeout = AbortSignal.timeout(options.joinTimeoutMs ?? JOIN_TIMEOUT_MS_DEFAULT);
        logger.info(
          { seeds: agent.rejoinSeeds.map(formatHostPort) },
          'rejoining the members of the snapshot',
        );
        try {
          await agent.join(agent.rejoinSeeds, AbortSignal.any([stopRequested.signal, timeout]));
        } catch (err) {
          if (!stopRequested.signal.aborted) {
            logger.warn({ err }, 'could not rejoin any member of the snapshot; running alone');
          }
        }
      }
      if (config.retryJoin.length > 0 && !stopRequested.signal.aborted) {
        void retryJoin({
          seeds: config.retryJoin,
          intervalMs: config.retryIntervalMs,
          max: config.retryMax,
          attemptTimeoutMs: options.joinTimeoutMs ?? JOIN_TIMEOUT_MS_DEFAULT,
          join: (seeds, signal) => agent.cluster.join(seeds, signal),
          logger,
          stop: stopRequested.signal,
        }).catch((err: unknown) => {
          if (stopRequested.signal.aborted) return;
          logger.error({ err }, 'retry-join: giving up');
          failure = err instanceof AgentFailure ? err : new AgentFailure(String(err));
          stopRequested.abort(failure);
        });
      }
      if (!stopRequested.signal.aborted) {
        await new Promise<void>((resolve) =>
          stopRequested.signal.addEventListener('abort', () => resolve(), { once: true }),
        );
      }
      const forceSignal = new AbortController();
      void forced.then(() => forceSignal.abort());
      await agent.leave(options.leaveTimeoutMs ?? LEAVE_TIMEOUT_MS_DEFAULT, forceSignal.signal);
    } finally {
      await agent.shutdown();
    }
    if (failure !== undefined) throw failure;
  } catch (err) {
    if (err instanceof AgentFailure) logger.debug({ err }, 'agent failed');
    throw err;
  } finally {
    unsubscribe();
    logger.flush();
  }
}
