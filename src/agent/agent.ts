/**
 * The agent: one cluster member plus the services around it (HTTP API, event log, event
 * handlers, the data directory's snapshot).
 *
 * Lifecycle, in this order: `Agent.start` locks the data directory and reads its snapshot
 * (if `--data-dir`), binds the gossip sockets (through the cluster factory), restores the
 * snapshot's Lamport clocks, starts the event pipeline (coalescing, handler scripts,
 * `onEvent` listeners) and the snapshot writer, then the HTTP API; `join` contacts seeds
 * (`rejoinSeeds` are the snapshot's members, for a start without `--join`); `leave` marks
 * the snapshot as left, announces a graceful leave and waits, bounded, for it to spread;
 * `shutdown` closes the HTTP API, the pipeline (running handlers get a grace period), the
 * snapshot (a last write) and the cluster, then unlocks the data directory. Start failing
 * half-way closes what it had opened, so a caller never has to clean up after a throw.
 *
 * In-process API for library users: `agent.onEvent(listener)` receives what handler
 * scripts receive (agent-events.ts): member events (coalesced), user events (coalesced
 * when sent so), queries with `respond`.
 *
 * The agent knows the cluster only through `AgentCluster` (cluster.ts), made by an
 * injected factory: the process glue (run.ts) passes the real memberlist/Serf stack, tests
 * pass a fake. Process concerns — signals, stdout, exit codes — live in run.ts, so a
 * program can embed an `Agent` without them. New services (events, queries, metrics, the
 * dashboard) join here as fields started in `start` and closed in `shutdown`, and as route
 * modules in http/.
 */

import type { AgentEventListener } from './agent-events.ts';
import type { AgentCluster, AgentMember, MemberEvent } from './cluster.ts';
import { type AgentConfig, formatHostPort, type HostPort } from './config.ts';
import { lockDataDir } from './data-dir.ts';
import { EventPipeline } from './event-pipeline.ts';
import type { HttpApp } from './http/app.ts';
import { buildHttpServer, type HttpLimits, listenHttp, warmUpHttpServer } from './http/server.ts';
import type { AgentLogger } from './log.ts';
import { readSnapshot, rejoinSeeds, type Snapshot, Snapshotter } from './snapshot.ts';

/** Makes the member: binds its sockets; rejects when they cannot be bound. */
export type ClusterFactory = (config: AgentConfig, logger: AgentLogger) => Promise<AgentCluster>;

export interface AgentDeps {
  readonly createCluster: ClusterFactory;
  readonly logger: AgentLogger;
  readonly httpLimits?: HttpLimits;
  /** `POST /v1/leave` was answered: leave and stop, as on a signal (run.ts). */
  readonly onLeaveRequested?: () => void;
}

/** The agent could not do what it was started to do; `message` is one line for a person. */
export class AgentFailure extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AgentFailure';
  }
}

/** `ip:port`, with brackets around an IPv6 address. */
export function memberAddress(m: AgentMember): string {
  return m.addr.includes(':') ? `[${m.addr}]:${m.port}` : `${m.addr}:${m.port}`;
}

function causeText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class Agent {
  readonly config: AgentConfig;
  readonly cluster: AgentCluster;
  /** Gossip address actually bound. */
  readonly gossip: HostPort;
  /** HTTP address actually bound. */
  readonly http: HostPort;
  readonly #logger: AgentLogger;
  /**
   * Members to join when no seeds are given: the snapshot's (at most `REJOIN_SEEDS_MAX`),
   * none after a graceful leave unless `--rejoin`, none without a data dir.
   */
  readonly rejoinSeeds: readonly HostPort[];
  readonly #app: HttpApp;
  readonly #pipeline: EventPipeline;
  readonly #snapshotter: Snapshotter | undefined;
  readonly #unlock: (() => Promise<void>) | undefined;
  readonly #unsubscribe: () => void;
  #shutdown: Promise<void> | undefined;

  private constructor(
    config: AgentConfig,
    parts: {
      readonly cluster: AgentCluster;
      readonly app: HttpApp;
      readonly http: HostPort;
      readonly pipeline: EventPipeline;
      readonly snapshotter: Snapshotter | undefined;
      readonly unlock: (() => Promise<void>) | undefined;
      readonly rejoinSeeds: readonly HostPort[];
    },
    logger: AgentLogger,
  ) {
    this.config = config;
    this.cluster = parts.cluster;
    this.gossip = parts.cluster.bound;
    this.http = parts.http;
    this.rejoinSeeds = parts.rejoinSeeds;
    this.#app = parts.app;
    this.#pipeline = parts.pipeline;
    this.#snapshotter = parts.snapshotter;
    this.#unlock = parts.unlock;
    this.#logger = logger;
    this.#unsubscribe = parts.cluster.onMemberEvent((e) => this.#logMemberEvent(e));
  }

  /** Bind gossip and HTTP; throws `AgentFailure` (after closing what was opened). */
  static async start(config: AgentConfig, deps: AgentDeps): Promise<Agent> {
    const logger = deps.logger;
    const undo: (() => Promise<unknown>)[] = [];
    const unwind = async () => {
      for (const step of undo.reverse()) await step().catch(() => {});
    };
    let unlock: (() => Promise<void>) | undefined;
    let snapshot: Snapshot | undefined;
    if (config.dataDir !== null) {
      try {
        unlock = await lockDataDir(config.dataDir);
      } catch (err) {
        throw new AgentFailure(
          `agent: cannot use the data dir ${config.dataDir}: ${causeText(err)}`,
          { cause: err },
        );
      }
      undo.push(unlock);
      snapshot = await Agent.#readSnapshot(config.dataDir, logger);
    }
    let cluster: AgentCluster;
    try {
      cluster = await deps.createCluster(config, logger);
    } catch (err) {
      await unwind();
      throw new AgentFailure(
        `agent: cannot start the member on ${formatHostPort(config.bind)}: ${causeText(err)}`,
        { cause: err },
      );
    }
    undo.push(() => cluster.shutdown());
    if (snapshot !== undefined) cluster.restoreClocks?.(snapshot.clocks);
    const pipeline = new EventPipeline(cluster, config, logger);
    pipeline.announceSelf();
    undo.push(() => pipeline.close(0));
    const snapshotter =
      config.dataDir === null ? undefined : new Snapshotter(config.dataDir, cluster, logger);
    if (snapshotter !== undefined) undo.push(() => snapshotter.close());
    const app = buildHttpServer({
      cluster,
      logger,
      limits: deps.httpLimits,
      token: config.httpToken,
      requestLeave: deps.onLeaveRequested,
    });
    let http: HostPort;
    try {
      http = await listenHttp(app, config.http);
    } catch (err) {
      await app.close().catch(() => {});
      await unwind();
      throw new AgentFailure(
        `agent: cannot serve HTTP on ${formatHostPort(config.http)}: ${causeText(err)}`,
        { cause: err },
      );
    }
    // Before the agent is announced: its first API requests then run warm code (warm-up.ts).
    const warmed = await warmUpHttpServer(app, http);
    logger.debug({ requests: warmed }, 'warmed up the HTTP API');
    const seeds =
      snapshot === undefined ? [] : rejoinSeeds(snapshot, config.nodeName, config.rejoinAfterLeave);
    if (snapshot?.left && seeds.length === 0) {
      logger.info(
        { dataDir: config.dataDir, members: snapshot.members.length },
        'the last run left the cluster gracefully: not rejoining its members (--rejoin does)',
      );
    }
    const agent = new Agent(
      config,
      { cluster, app, http, pipeline, snapshotter, unlock, rejoinSeeds: seeds },
      logger,
    );
    logger.info(
      {
        name: config.nodeName,
        bind: formatHostPort(agent.gossip),
        advertise: formatHostPort(cluster.advertise),
        http: formatHostPort(http),
        profile: config.profile,
        encrypted: cluster.listKeys().keys.length > 0,
        tags: config.tags,
        dataDir: config.dataDir ?? undefined,
        eventHandlers: config.eventHandlers.length,
      },
      'agent started',
    );
    return agent;
  }

  static async #readSnapshot(dir: string, logger: AgentLogger): Promise<Snapshot | undefined> {
    const read = await readSnapshot(dir);
    switch (read.kind) {
      case 'none':
        logger.debug({ dataDir: dir }, 'no snapshot: a new node');
        return undefined;
      case 'corrupt':
        logger.warn(
          { dataDir: dir, reason: read.reason },
          'the snapshot cannot be used: starting as a new node',
        );
        return undefined;
      case 'ok':
        logger.info(
          {
            dataDir: dir,
            members: read.snapshot.members.length,
            left: read.snapshot.left,
            clocks: {
              member: read.snapshot.clocks.member.toString(),
              event: read.snapshot.clocks.event.toString(),
              query: read.snapshot.clocks.query.toString(),
            },
          },
          'snapshot restored',
        );
        return read.snapshot;
    }
  }

  /**
   * Subscribe to the events handler scripts see (after coalescing): member events, user
   * events, queries (answer with `respond`). Returns the unsubscribe function.
   */
  onEvent(listener: AgentEventListener): () => void {
    return this.#pipeline.onEvent(listener);
  }

  /** Handler runs queued or running (tests wait for 0). */
  get handlersPending(): number {
    return this.#pipeline.runner.pending;
  }

  /**
   * Join the cluster through `seeds`; resolves with how many answered. Throws
   * `AgentFailure` when none did (the agent keeps running: the caller decides).
   */
  async join(seeds: readonly HostPort[], signal?: AbortSignal): Promise<number> {
    const list = seeds.map(formatHostPort).join(', ');
    let count: number;
    try {
      count = await this.cluster.join(seeds, signal);
    } catch (err) {
      throw new AgentFailure(`agent: could not join the cluster at ${list}: ${causeText(err)}`, {
        cause: err,
      });
    }
    this.#logger.info({ seeds: seeds.map(formatHostPort), contacted: count }, 'joined cluster');
    return count;
  }

  /** Announce a graceful leave; gives up waiting for it to spread after `timeoutMs`. */
  async leave(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    this.#logger.info({ timeoutMs }, 'leaving the cluster');
    // Recorded first: a node that crashes while leaving still meant to leave.
    await this.#snapshotter?.markLeft();
    const timeout = AbortSignal.timeout(timeoutMs);
    const bounded = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
    try {
      await this.cluster.leave(bounded);
    } catch (err) {
      // Not fatal: the others will see us fail instead of leave.
      this.#logger.warn({ err }, 'graceful leave did not complete');
    }
  }

  /** Close the HTTP API, the handlers, the snapshot and the member. Idempotent. */
  shutdown(): Promise<void> {
    this.#shutdown ??= (async () => {
      this.#unsubscribe();
      await this.#app.close();
      await this.#pipeline.close();
      await this.#snapshotter?.close();
      await this.cluster.shutdown();
      await this.#unlock?.();
      this.#logger.info('agent stopped');
    })();
    return this.#shutdown;
  }

  #logMemberEvent(e: MemberEvent): void {
    const m = e.member;
    this.#logger.info(
      { event: e.type, member: m.name, addr: memberAddress(m), state: m.state, tags: m.tags },
      `${e.type} ${m.name}`,
    );
  }
}
