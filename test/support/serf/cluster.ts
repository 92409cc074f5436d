/**
 * A cluster of real Serf agents on 127.0.0.1, all joined through the first one.
 *
 * `startSerfCluster(n)` starts agent 0 (the seed), waits until it answers, starts the other
 * n − 1 concurrently with `-join` to the seed, and by default waits until every agent lists
 * every agent alive. Any failure along the way stops every agent already started before the
 * error propagates, so a caller only owns a cluster once `startSerfCluster` has resolved —
 * and must then `stop()` it in a `finally` / `after` (cleanup.ts is the backstop for a
 * process that dies first). Only the cluster's own PIDs are ever signalled.
 *
 * Waiting uses the agents' kept-open RPC connections (cheap to poll); the CLI-based
 * `SerfAgent.members()` stays available to tests that want the reference client's view.
 */

import { type SerfAgent, type SerfAgentOptions, type SerfMember, startSerfAgent } from './agent.ts';
import { waitFor } from './wait-for.ts';

const CONVERGE_DEADLINE_MS_DEFAULT = 60_000;
const POLL_INTERVAL_MS = 50;

export interface SerfClusterOptions
  extends Omit<SerfAgentOptions, 'name' | 'bind' | 'rpcAddr' | 'join' | 'tags' | 'waitReady'> {
  /** Agent i is named `${namePrefix}-${i}`. Default "serf". */
  readonly namePrefix?: string;
  /** Tags for agent i. */
  readonly tags?: (index: number) => Readonly<Record<string, string>>;
  /** Default true: resolve only once every agent lists every agent alive. */
  readonly waitConverged?: boolean;
  readonly convergeDeadlineMs?: number;
}

export class SerfCluster {
  readonly agents: SerfAgent[];

  constructor(agents: SerfAgent[]) {
    this.agents = agents;
  }

  get seed(): SerfAgent {
    return this.agents[0]!;
  }

  pids(): number[] {
    return this.agents.map((a) => a.pid);
  }

  running(): SerfAgent[] {
    return this.agents.filter((a) => a.running);
  }

  /** Wait until each of `observers` lists `subject` with `status` (RPC view). */
  async waitStatus(
    observers: readonly SerfAgent[],
    subject: string,
    status: string,
    deadlineMs: number,
  ): Promise<void> {
    const views = new Map<string, string>();
    await waitFor(
      async () => {
        const seen = await Promise.all(
          observers.map(async (o) => {
            const s = (await o.membersRpc()).find((m) => m.name === subject)?.status ?? 'absent';
            views.set(o.name, s);
            return s;
          }),
        );
        return seen.every((s) => s === status);
      },
      {
        deadlineMs,
        what: `${observers.map((o) => o.name).join(', ')} to list ${subject} as ${status}`,
        intervalMs: POLL_INTERVAL_MS,
        describe: () => [...views].map(([o, s]) => `${o} sees ${subject} ${s}`).join('; '),
      },
    );
  }

  /** Wait until every running agent lists every running agent alive. */
  async waitConverged(deadlineMs = CONVERGE_DEADLINE_MS_DEFAULT): Promise<void> {
    const lastCounts = new Map<string, number>();
    await waitFor(
      async () => {
        const live = this.running();
        const names = new Set(live.map((a) => a.name));
        const lists = await Promise.all(live.map((a) => a.membersRpc()));
        lastCounts.clear();
        for (const [i, list] of lists.entries()) {
          const alive = list.filter((m: SerfMember) => m.status === 'alive' && names.has(m.name));
          lastCounts.set(live[i]!.name, alive.length);
        }
        return [...lastCounts.values()].every((c) => c === names.size);
      },
      {
        deadlineMs,
        what: `${this.running().length} serf agents to list each other alive`,
        intervalMs: POLL_INTERVAL_MS,
        describe: () =>
          [...lastCounts].map(([name, c]) => `${name}: ${c} alive`).join(', ') +
          `\n${this.running()
            .map((a) => a.logText(10))
            .join('\n')}`,
      },
    );
  }

  /** Stop every agent (SIGTERM, then SIGKILL after the grace period). Never throws. */
  async stop(graceMs?: number): Promise<void> {
    await Promise.all(this.agents.map((a) => a.stop(graceMs)));
  }
}

export async function startSerfCluster(
  n: number,
  options: SerfClusterOptions = {},
): Promise<SerfCluster> {
  const { namePrefix = 'serf', tags, waitConverged = true, convergeDeadlineMs, ...rest } = options;
  const agentOptions = (i: number): SerfAgentOptions => ({
    ...rest,
    name: `${namePrefix}-${i}`,
    ...(tags === undefined ? {} : { tags: tags(i) }),
  });
  const agents: SerfAgent[] = [];
  const cluster = new SerfCluster(agents);
  try {
    const seed = await startSerfAgent(agentOptions(0));
    agents.push(seed);
    const others = await Promise.allSettled(
      Array.from({ length: n - 1 }, (_, k) =>
        startSerfAgent({ ...agentOptions(k + 1), join: [seed.bindAddr] }),
      ),
    );
    for (const r of others) if (r.status === 'fulfilled') agents.push(r.value);
    const failed = others.find((r) => r.status === 'rejected');
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
    if (waitConverged) await cluster.waitConverged(convergeDeadlineMs);
  } catch (err) {
    await cluster.stop(0);
    throw err;
  }
  return cluster;
}
