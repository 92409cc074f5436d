/**
 * The agent: one cluster member plus the services around it (HTTP API, event log).
 *
 * Lifecycle, in this order: `Agent.start` binds the gossip sockets (through the cluster
 * factory) and then the HTTP API, and starts logging member events; `join` contacts seeds;
 * `leave` announces a graceful leave and waits, bounded, for it to spread; `shutdown` closes
 * the HTTP API and then the cluster. Start failing half-way closes what it had opened, so a
 * caller never has to clean up after a throw.
 *
 * The agent knows the cluster only through `AgentCluster` (cluster.ts), made by an
 * injected factory: the process glue (run.ts) passes the real memberlist/Serf stack, tests
 * pass a fake. Process concerns — signals, stdout, exit codes — live in run.ts, so a
 * program can embed an `Agent` without them. New services (events, queries, metrics, the
 * dashboard) join here as fields started in `start` and closed in `shutdown`, and as route
 * modules in http/.
 */

import type { FastifyInstance } from 'fastify';
import type { AgentCluster, AgentMember, MemberEvent } from './cluster.ts';
import { type AgentConfig, formatHostPort, type HostPort } from './config.ts';
import { buildHttpServer, type HttpLimits, listenHttp } from './http/server.ts';
import type { AgentLogger } from './log.ts';

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
  readonly #app: FastifyInstance;
  readonly #unsubscribe: () => void;
  #shutdown: Promise<void> | undefined;

  private constructor(
    config: AgentConfig,
    cluster: AgentCluster,
    app: FastifyInstance,
    http: HostPort,
    logger: AgentLogger,
  ) {
    this.config = config;
    this.cluster = cluster;
    this.gossip = cluster.bound;
    this.http = http;
    this.#app = app;
    this.#logger = logger;
    this.#unsubscribe = cluster.onMemberEvent((e) => this.#logMemberEvent(e));
  }

  /** Bind gossip and HTTP; throws `AgentFailure` (after closing what was opened). */
  static async start(config: AgentConfig, deps: AgentDeps): Promise<Agent> {
    const logger = deps.logger;
    let cluster: AgentCluster;
    try {
      cluster = await deps.createCluster(config, logger);
    } catch (err) {
      throw new AgentFailure(
        `agent: cannot start the member on ${formatHostPort(config.bind)}: ${causeText(err)}`,
        { cause: err },
      );
    }
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
      await cluster.shutdown();
      throw new AgentFailure(
        `agent: cannot serve HTTP on ${formatHostPort(config.http)}: ${causeText(err)}`,
        { cause: err },
      );
    }
    const agent = new Agent(config, cluster, app, http, logger);
    logger.info(
      {
        name: config.nodeName,
        bind: formatHostPort(agent.gossip),
        advertise: formatHostPort(cluster.advertise),
        http: formatHostPort(http),
        profile: config.profile,
        encrypted: config.encryptKey !== null,
        tags: config.tags,
      },
      'agent started',
    );
    return agent;
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
    const timeout = AbortSignal.timeout(timeoutMs);
    const bounded = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
    try {
      await this.cluster.leave(bounded);
    } catch (err) {
      // Not fatal: the others will see us fail instead of leave.
      this.#logger.warn({ err }, 'graceful leave did not complete');
    }
  }

  /** Close the HTTP API and the member. Idempotent. */
  shutdown(): Promise<void> {
    this.#shutdown ??= (async () => {
      this.#unsubscribe();
      await this.#app.close();
      await this.cluster.shutdown();
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
