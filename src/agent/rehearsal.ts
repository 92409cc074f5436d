/**
 * A rehearsal before the agent's member starts: two throwaway members in this process, on
 * loopback ports nobody else knows, join each other, gossip a user event, and shut down.
 *
 * Why: a freshly started Node process runs everything the first time in V8's interpreter,
 * with empty inline caches and functions still to be compiled. A join, and the gossip that
 * follows it, touch a few hundred functions across the transport, the codecs, SWIM, Serf
 * and the agent's event pipeline; run cold they cost several times what they cost warm.
 * Measured in one process (a seed and a joiner, LAN profile), a first join took 40 ms of CPU
 * and the next ones 5 to 8 ms. When a whole cluster of freshly started agents joins at once,
 * on a machine with fewer cores than agents, that difference is the join's latency. The
 * rehearsal moves the first-time cost to start-up, before the agent binds its own member or
 * answers anything, where nobody waits on it.
 *
 * The throwaway members are the same code the agent runs (the same cluster factory), with
 * what could leak outside the process taken away: no data directory (no snapshot, no
 * keyring file), no event handlers, no seeds, the local profile's short timers, a
 * throwaway key when the agent encrypts (so the sealed path runs too), and a logger that
 * formats lines as the agent's would and discards them. The rehearsal is best effort and
 * bounded: if it fails or runs past `REHEARSAL_DEADLINE_MS` the agent starts anyway, cold,
 * and says why in its debug log.
 */

import { nodeCrypto } from '../net/security/node-crypto.ts';
import type { ClusterFactory } from './agent.ts';
import type { AgentCluster } from './cluster.ts';
import type { AgentConfig } from './config.ts';
import { type AgentLogger, createAgentLogger } from './log.ts';
import { collectStartUpGarbage } from './start-up-gc.ts';

/** Longest the rehearsal may delay start-up; past it the agent starts cold. */
export const REHEARSAL_DEADLINE_MS = 10_000;
/** Joins rehearsed, each by a fresh pair: the first compiles, the second runs compiled code. */
export const REHEARSAL_ROUNDS = 2;
/** The user event the throwaway members gossip (it never leaves the process). */
export const REHEARSAL_EVENT = 'hearsay-rehearsal';

export interface RehearsalResult {
  /** Rounds that completed (join, event delivered both ways of membership). */
  readonly rounds: number;
  readonly elapsedMs: number;
  /** Why the rehearsal stopped early, when it did. */
  readonly stoppedBy: string | null;
}

/** Wraps a cluster factory so that each cluster it makes starts after a rehearsal. */
export function withRehearsal(factory: ClusterFactory, rounds = REHEARSAL_ROUNDS): ClusterFactory {
  return async (config, logger) => {
    const result = await rehearse(factory, config, rounds);
    // The rehearsal's garbage and start-up's, collected now rather than in the first join.
    const gcMs = collectStartUpGarbage();
    logger.debug(
      {
        rounds: result.rounds,
        elapsedMs: Math.round(result.elapsedMs),
        stoppedBy: result.stoppedBy,
        gcMs: Math.round(gcMs),
      },
      'rehearsed a join before starting',
    );
    return factory(config, logger);
  };
}

export async function rehearse(
  factory: ClusterFactory,
  config: AgentConfig,
  rounds = REHEARSAL_ROUNDS,
  deadlineMs = REHEARSAL_DEADLINE_MS,
): Promise<RehearsalResult> {
  const startedMs = performance.now();
  const deadline = AbortSignal.timeout(deadlineMs);
  const late = `not done within ${deadlineMs} ms`;
  const key =
    config.encryptKey === null ? null : nodeCrypto().randomBytes(config.encryptKey.length);
  const quiet = createAgentLogger({
    level: config.logLevel,
    json: config.logJson,
    nodeName: config.nodeName,
    write: () => {},
  });
  let done = 0;
  try {
    for (; done < rounds; done++) {
      await rehearseOnce(factory, throwawayConfig(config, key, done), quiet, deadline, late);
    }
    return { rounds: done, elapsedMs: performance.now() - startedMs, stoppedBy: null };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { rounds: done, elapsedMs: performance.now() - startedMs, stoppedBy: why };
  }
}

function throwawayConfig(
  config: AgentConfig,
  key: Uint8Array | null,
  round: number,
): (side: 'a' | 'b') => AgentConfig {
  return (side) => ({
    ...config,
    nodeName: `${config.nodeName}-rehearsal-${round}${side}`,
    bind: { host: '127.0.0.1', port: 0 },
    advertise: null,
    join: [],
    retryJoin: [],
    encryptKey: key,
    profile: 'local',
    dataDir: null,
    rejoinAfterLeave: false,
    eventHandlers: [],
  });
}

async function rehearseOnce(
  factory: ClusterFactory,
  configOf: (side: 'a' | 'b') => AgentConfig,
  logger: AgentLogger,
  deadline: AbortSignal,
  late: string,
): Promise<void> {
  const opened: AgentCluster[] = [];
  try {
    const a = await factory(configOf('a'), logger);
    opened.push(a);
    const b = await factory(configOf('b'), logger);
    opened.push(b);
    // Listening before the join, and awaited together with it, so that a deadline firing
    // mid-join rejects one awaited promise rather than leaving an unhandled one behind.
    await Promise.all([
      eventDelivered(b, deadline, late),
      (async () => {
        await b.join([a.advertise], deadline);
        await a.sendEvent(REHEARSAL_EVENT, Uint8Array.of(1, 2, 3), false);
      })(),
    ]);
  } finally {
    await Promise.all(opened.map((c) => c.shutdown()));
  }
}

/** Resolves when `cluster` delivers the rehearsal's event; rejects when `deadline` fires. */
function eventDelivered(cluster: AgentCluster, deadline: AbortSignal, late: string): Promise<void> {
  const { promise, resolve, reject } = Promise.withResolvers<void>();
  const onAbort = () => reject(new Error(`the event was not delivered: ${late}`));
  if (deadline.aborted) onAbort();
  deadline.addEventListener('abort', onAbort, { once: true });
  const unsubscribe = cluster.onUserEvent((e) => {
    if (e.name === REHEARSAL_EVENT) resolve();
  });
  return promise.finally(() => {
    unsubscribe();
    deadline.removeEventListener('abort', onAbort);
  });
}
