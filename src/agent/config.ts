/**
 * The agent's configuration: one typed object (`AgentConfig`), one table of settings that
 * fill it (`AGENT_SETTINGS`), one function that validates (`agentConfigFrom`).
 *
 * Every setting arrives as text — a command-line flag, an environment variable or a
 * config-file entry (config-sources.ts collects and merges them) — so each row of the table
 * parses one raw string (or, for a repeatable setting, each of several) and records it in a
 * draft; `finish` then checks what involves several settings and freezes the result. A
 * source only has to collect raw strings keyed by setting name and say how to name a
 * setting in messages (`--bind` for a flag, `HEARSAY_BIND` for a variable, `"bind" in
 * FILE` for a file entry): the rules, ranges and defaults live here once, so the sources
 * cannot drift apart. The CLI (src/cli/agent-command.ts) registers the same rows as
 * commander options, so `--help` and the accepted flags come from this table too.
 *
 * `--dev` is a preset: its values (`DEV_PRESET`) fill only the settings no source gave.
 *
 * Errors are `AgentConfigError`s: the field as the source names it, and a detail of the
 * form "must be …, got …"; the CLI turns them into its one-line usage error (exit 2).
 * Validation is complete before any socket is bound.
 */

import { isIPv4 } from 'node:net';
import { hostname } from 'node:os';
import { ConfigError } from '../core/errors.ts';
import { GoMsgpackWriter } from '../membership/wire/go-msgpack-writer.ts';
import { writeStringMap } from '../membership/wire/serf/codec.ts';
import { META_BYTES_MAX, sortedTags, TAGS_MAGIC_BYTE } from '../membership/wire/serf/tags.ts';
import { type HostPort, PORT_MAX } from '../net/address.ts';
import { keyFromBase64 } from '../net/security/keyring.ts';
import {
  ACCEPTS_EVENT_HANDLER,
  type EventHandlerSpec,
  parseEventHandler,
} from './handlers/filter.ts';

export type { HostPort } from '../net/address.ts';

/**
 * memberlist's timing presets (`DefaultLANConfig`, `DefaultWANConfig`,
 * `DefaultLocalConfig`): `lan` for one data centre, `wan` for links with 10s–100s of ms of
 * latency (slower probes and suspicion, fewer false failures), `local` for one machine or a
 * test (fast detection, more traffic).
 */
export const PROFILES = ['lan', 'wan', 'local'] as const;
export type Profile = (typeof PROFILES)[number];

/** pino's levels, minus `fatal` (the agent never logs at it) and `silent` (use `error`). */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface AgentConfig {
  /** Unique node name in the cluster. Default: the host name, as Serf does. */
  readonly nodeName: string;
  /** UDP and TCP address for gossip; port 0 asks the OS for a free one. */
  readonly bind: HostPort;
  /**
   * The address peers should use, when not the bind address; port 0: the bound port. Null:
   * the bind address, or, when binding every interface (0.0.0.0), a private IPv4 address
   * of this host, as Serf picks one.
   */
  readonly advertise: HostPort | null;
  /** Members to join at start; none starts a new cluster. */
  readonly join: readonly HostPort[];
  /**
   * Members to keep trying to join in the background until one answers (Serf's
   * `-retry-join`): for seeds that may start after this agent. Unlike `join`, a failure is
   * retried every `retryIntervalMs` instead of stopping the agent.
   */
  readonly retryJoin: readonly HostPort[];
  /** Wait between `retryJoin` attempts (Serf's `-retry-interval`, default 30 s). */
  readonly retryIntervalMs: number;
  /** Attempts before the agent gives up and exits 1; 0 retries forever (Serf's `-retry-max`). */
  readonly retryMax: number;
  /** This node's Serf tags (sent in memberlist meta, at most 512 bytes encoded). */
  readonly tags: Readonly<Record<string, string>>;
  /** AES key (16, 24 or 32 bytes) every member shares, or null for a plaintext cluster. */
  readonly encryptKey: Uint8Array | null;
  readonly profile: Profile;
  /** Where the HTTP API listens; loopback by default. */
  readonly http: HostPort;
  /** Bearer token the HTTP API requires (`Authorization: Bearer …`), or null for none. */
  readonly httpToken: string | null;
  readonly logLevel: LogLevel;
  /** pino's JSON lines instead of the human-readable form. */
  readonly logJson: boolean;
  /** The `--dev` preset was asked for (its values sit under every source's). */
  readonly dev: boolean;
  /**
   * Where the agent keeps what it needs to rejoin after a restart (snapshot.ts: known
   * members, Lamport clocks); null: nothing is kept, a restart is a new node.
   */
  readonly dataDir: string | null;
  /** Rejoin the members in the data dir even after a graceful leave (Serf's `-rejoin`). */
  readonly rejoinAfterLeave: boolean;
  /** Scripts run per event (Serf's `-event-handler`), in the order given. */
  readonly eventHandlers: readonly EventHandlerSpec[];
  /** A handler still running after this long is killed (SIGTERM, then SIGKILL). */
  readonly handlerTimeoutMs: number;
  /** Handler processes running at once; 1 runs them in event order, as Serf does. */
  readonly handlerConcurrency: number;
  /** Member events: coalesce window and quiet period (0: no coalescing), Serf's 3 s / 1 s. */
  readonly coalescePeriodMs: number;
  readonly quiescentPeriodMs: number;
  /** User events sent with coalescing: window and quiet period (0: none), Serf's 3 s / 1 s. */
  readonly userCoalescePeriodMs: number;
  readonly userQuiescentPeriodMs: number;
}

/** Serf's default gossip port, on every interface like Serf's `-bind`. */
export const AGENT_BIND_DEFAULT = '0.0.0.0:7946';
/** Loopback: the HTTP API is not authenticated. 7373 is Serf's RPC port, so one above it. */
export const AGENT_HTTP_DEFAULT = '127.0.0.1:7374';
/** Serf validates names to 128 characters; we count UTF-8 bytes. */
export const NODE_NAME_BYTES_MAX = 128;
/** Seeds for one start; more is a mistake (one reachable member is enough). */
export const JOIN_ADDRESSES_MAX = 64;
/** Serf's `-retry-interval` default. */
export const RETRY_INTERVAL_MS_DEFAULT = 30_000;
/** Bounds of `--retry-interval`: not a busy loop, and at least once a day. */
export const RETRY_INTERVAL_MS_MIN = 10;
export const RETRY_INTERVAL_MS_MAX = 86_400_000;
export const RETRY_MAX_MAX = 1_000_000;
/** Tags per node; the 512-byte meta limit allows fewer short ones anyway. */
export const TAGS_MAX = 64;
/** Event handlers per agent: each event may start one process per matching handler. */
export const EVENT_HANDLERS_MAX = 64;
/** Serf's agent coalesces member and user events over 3 s, flushing after 1 s of quiet. */
export const COALESCE_PERIOD_MS_DEFAULT = 3_000;
export const QUIESCENT_PERIOD_MS_DEFAULT = 1_000;
/** Longest coalesce window: events held longer than this are late, not coalesced. */
export const COALESCE_PERIOD_MS_MAX = 600_000;
/** A handler that runs a minute is stuck or doing work that belongs in a service. */
export const HANDLER_TIMEOUT_MS_DEFAULT = 60_000;
export const HANDLER_TIMEOUT_MS_MAX = 3_600_000;
/** Serf runs handlers one at a time, in event order. */
export const HANDLER_CONCURRENCY_DEFAULT = 1;
export const HANDLER_CONCURRENCY_MAX = 64;
/** Longest data-dir path (Linux's PATH_MAX). */
export const DATA_DIR_CHARS_MAX = 4096;
/** An HTTP token shorter than this is guessable; `hearsay keygen` prints 44 characters. */
export const HTTP_TOKEN_CHARS_MIN = 16;
/** Bounded so the header that carries it stays small. */
export const HTTP_TOKEN_CHARS_MAX = 512;

/** A configuration value is invalid; `field` names it as its source does (`--bind`). */
export class AgentConfigError extends ConfigError {
  /** "must be …, got …": the message without the field. */
  readonly detail: string;
  constructor(field: string, detail: string) {
    super(field, detail);
    this.name = 'AgentConfigError';
    this.detail = detail;
  }
}

function badValue(field: string, accepts: string, raw: string): AgentConfigError {
  return new AgentConfigError(field, `must be ${accepts}, got ${JSON.stringify(raw)}`);
}

/** What the configuration looks like while settings are applied; local to one parse. */
interface Draft {
  nodeName: string;
  bind: HostPort;
  advertise: HostPort | null;
  join: HostPort[];
  retryJoin: HostPort[];
  retryIntervalMs: number;
  retryMax: number;
  tags: Map<string, string>;
  encryptKey: Uint8Array | null;
  profile: Profile;
  http: HostPort;
  httpToken: string | null;
  logLevel: LogLevel;
  logJson: boolean;
  dev: boolean;
  dataDir: string | null;
  rejoinAfterLeave: boolean;
  eventHandlers: EventHandlerSpec[];
  handlerTimeoutMs: number;
  handlerConcurrency: number;
  coalescePeriodMs: number;
  quiescentPeriodMs: number;
  userCoalescePeriodMs: number;
  userQuiescentPeriodMs: number;
}

export interface AgentSetting {
  /** Setting name: the flag without dashes (`bind` is `--bind`). */
  readonly name: string;
  /** Placeholder of the value in help (`HOST:PORT`), or null for a switch. */
  readonly value: string | null;
  readonly repeatable: boolean;
  /**
   * A repeatable setting whose values never contain a comma: an environment variable may
   * list them comma-separated (`HEARSAY_JOIN=10.0.0.1:7946,10.0.0.2:7946`).
   */
  readonly commaList: boolean;
  /** What the value may be, as error messages and docs say it. */
  readonly accepts: string;
  readonly help: string;
  readonly defaultText: string;
  /** Validate `raw` and record it in `draft`; `field` is how the source names the setting. */
  apply(draft: Draft, raw: string, field: string): void;
}

const ACCEPTS_HOST_PORT = 'IPV4:PORT with PORT in [1, 65535] (e.g. 127.0.0.1:7946)';
const ACCEPTS_KEY = 'a base64 AES key of 16, 24 or 32 bytes (as `serf keygen` prints)';
const ACCEPTS_ADVERTISE =
  'IPV4 or IPV4:PORT, a specific address (not 0.0.0.0), PORT in [0, 65535] (0: the bound port)';
const ACCEPTS_BIND = 'IPV4:PORT with PORT in [0, 65535] (0 picks a free port)';
const ACCEPTS_HTTP_TOKEN = `${HTTP_TOKEN_CHARS_MIN} to ${HTTP_TOKEN_CHARS_MAX} visible ASCII characters (e.g. from \`hearsay keygen\`)`;
/** Visible ASCII: what an `Authorization` header carries without escaping. */
const HTTP_TOKEN_PATTERN = /^[\x21-\x7e]+$/;

export function parseHostPort(
  field: string,
  raw: string,
  portZero: boolean,
  accepts = portZero ? ACCEPTS_BIND : ACCEPTS_HOST_PORT,
): HostPort {
  const text = raw.trim();
  const colon = text.lastIndexOf(':');
  const host = text.slice(0, Math.max(colon, 0));
  const portText = text.slice(colon + 1);
  const port = colon > 0 && /^[0-9]{1,5}$/.test(portText) ? Number(portText) : Number.NaN;
  if (!isIPv4(host) || !(port >= (portZero ? 0 : 1) && port <= PORT_MAX)) {
    throw badValue(field, accepts, raw);
  }
  return { host, port };
}

export function formatHostPort(a: HostPort): string {
  return `${a.host}:${a.port}`;
}

const utf8 = new TextEncoder();
/** Whitespace and control characters would make names unreadable in logs and tables. */
const NAME_FORBIDDEN = /[\s\p{Cc}]/u;

function parseNodeName(field: string, raw: string): string {
  const bytes = utf8.encode(raw).length;
  if (bytes === 0 || bytes > NODE_NAME_BYTES_MAX || NAME_FORBIDDEN.test(raw)) {
    throw badValue(
      field,
      `a name of 1 to ${NODE_NAME_BYTES_MAX} bytes without spaces or control characters`,
      raw,
    );
  }
  return raw;
}

/** Encoded Serf tag meta, as the memberlist alive message will carry it. */
function tagMetaBytes(tags: ReadonlyMap<string, string>): number {
  const w = new GoMsgpackWriter(64);
  w.byte(TAGS_MAGIC_BYTE);
  writeStringMap(w, sortedTags(tags));
  return w.byteLength;
}

function defaultNodeName(): string {
  const name = hostname();
  try {
    return parseNodeName('name', name);
  } catch {
    // A host name we would refuse from a person is no better as a default.
    return 'hearsay';
  }
}

function setting(
  name: string,
  value: string | null,
  accepts: string,
  help: string,
  defaultText: string,
  apply: (draft: Draft, raw: string, field: string) => void,
  list: 'single' | 'repeatable' | 'comma-list' = 'single',
): AgentSetting {
  return {
    name,
    value,
    repeatable: list !== 'single',
    commaList: list === 'comma-list',
    accepts,
    help,
    defaultText,
    apply,
  };
}

const ACCEPTS_RETRY_INTERVAL = `a duration like 5s or 1m, from ${RETRY_INTERVAL_MS_MIN}ms to 24h`;
const ACCEPTS_HANDLER_TIMEOUT = `a duration like 30s or 5m, from 1ms to ${HANDLER_TIMEOUT_MS_MAX / 1000}s`;
const ACCEPTS_DURATION = (max: number) =>
  `a duration like 500ms, 3s or 2m, from 0 to ${max / 1000}s (0: off)`;
const DURATION = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)$/;
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** `500ms`, `3s`, `1.5m`, `1h`, or `0` → whole milliseconds in [min, max]; else `accepts`. */
export function parseDurationMs(
  field: string,
  raw: string,
  min: number,
  max: number,
  accepts: string,
): number {
  const text = raw.trim();
  const m = DURATION.exec(text);
  const ms =
    text === '0' ? 0 : m === null ? Number.NaN : Math.round(Number(m[1]) * UNIT_MS[m[2]!]!);
  if (!(ms >= min && ms <= max)) throw badValue(field, accepts, raw);
  return ms;
}

function parseCount(field: string, raw: string, min: number, max: number): number {
  const text = raw.trim();
  const n = /^[0-9]{1,9}$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= min && n <= max)) throw badValue(field, `an integer in [${min}, ${max}]`, raw);
  return n;
}

function durationSetting(
  name: string,
  help: string,
  defaultMs: number,
  set: (d: Draft, ms: number) => void,
): AgentSetting {
  return setting(
    name,
    'DURATION',
    ACCEPTS_DURATION(COALESCE_PERIOD_MS_MAX),
    help,
    `${defaultMs / 1000}s`,
    (d, raw, f) =>
      set(
        d,
        parseDurationMs(
          f,
          raw,
          0,
          COALESCE_PERIOD_MS_MAX,
          ACCEPTS_DURATION(COALESCE_PERIOD_MS_MAX),
        ),
      ),
  );
}

/**
 * `--dev`: one node on this machine for trying things out — loopback on Serf's port, the
 * fast `local` timing profile, debug logs, and no data directory (a restart is a new node).
 * Its values sit under every source's: `--dev --bind 127.0.0.1:0` binds port 0.
 */
export const DEV_PRESET: Readonly<Record<string, string>> = {
  bind: '127.0.0.1:7946',
  profile: 'local',
  'log-level': 'debug',
};

export const AGENT_SETTINGS: readonly AgentSetting[] = [
  setting(
    'name',
    'NAME',
    `a name of 1 to ${NODE_NAME_BYTES_MAX} bytes without spaces or control characters`,
    'node name, unique in the cluster',
    'the host name',
    (d, raw, f) => {
      d.nodeName = parseNodeName(f, raw);
    },
  ),
  setting(
    'bind',
    'HOST:PORT',
    ACCEPTS_BIND,
    'IPv4 address and port for gossip over UDP and TCP',
    AGENT_BIND_DEFAULT,
    (d, raw, f) => {
      d.bind = parseHostPort(f, raw, true);
    },
  ),
  setting(
    'advertise',
    'HOST[:PORT]',
    ACCEPTS_ADVERTISE,
    'address announced to peers, when not the bind address (NAT, or --bind 0.0.0.0)',
    'the bind address; with --bind 0.0.0.0, a private IPv4 address of this host',
    (d, raw, f) => {
      const text = raw.trim();
      d.advertise = isIPv4(text)
        ? { host: text, port: 0 }
        : parseHostPort(f, raw, true, ACCEPTS_ADVERTISE);
      if (d.advertise.host === '0.0.0.0') throw badValue(f, ACCEPTS_ADVERTISE, raw);
    },
  ),
  setting(
    'join',
    'HOST:PORT',
    ACCEPTS_HOST_PORT,
    `a member to join at start (repeatable, at most ${JOIN_ADDRESSES_MAX}); joining fails only if none answers`,
    'none: start a new cluster',
    (d, raw, f) => {
      if (d.join.length >= JOIN_ADDRESSES_MAX) {
        throw new AgentConfigError(f, `may be given at most ${JOIN_ADDRESSES_MAX} times`);
      }
      d.join.push(parseHostPort(f, raw, false));
    },
    'comma-list',
  ),
  setting(
    'retry-join',
    'HOST:PORT',
    ACCEPTS_HOST_PORT,
    `a member to keep trying to join in the background until one answers (repeatable, at most ${JOIN_ADDRESSES_MAX}; Serf's -retry-join)`,
    'none',
    (d, raw, f) => {
      if (d.retryJoin.length >= JOIN_ADDRESSES_MAX) {
        throw new AgentConfigError(f, `may be given at most ${JOIN_ADDRESSES_MAX} times`);
      }
      d.retryJoin.push(parseHostPort(f, raw, false));
    },
    'comma-list',
  ),
  setting(
    'retry-interval',
    'DURATION',
    ACCEPTS_RETRY_INTERVAL,
    'wait between --retry-join attempts',
    `${RETRY_INTERVAL_MS_DEFAULT / 1000}s`,
    (d, raw, f) => {
      d.retryIntervalMs = parseDurationMs(
        f,
        raw,
        RETRY_INTERVAL_MS_MIN,
        RETRY_INTERVAL_MS_MAX,
        ACCEPTS_RETRY_INTERVAL,
      );
    },
  ),
  setting(
    'retry-max',
    'N',
    `an integer in [0, ${RETRY_MAX_MAX}]`,
    '--retry-join attempts before the agent gives up and exits 1',
    '0: retry forever',
    (d, raw, f) => {
      d.retryMax = parseCount(f, raw, 0, RETRY_MAX_MAX);
    },
  ),
  setting(
    'tag',
    'KEY=VALUE',
    `KEY=VALUE with a non-empty KEY (repeatable, at most ${TAGS_MAX} tags, ${META_BYTES_MAX} bytes encoded)`,
    'a Serf tag of this node (repeatable)',
    'none',
    (d, raw, f) => {
      const eq = raw.indexOf('=');
      if (eq <= 0) throw badValue(f, 'KEY=VALUE with a non-empty KEY', raw);
      const key = raw.slice(0, eq);
      if (d.tags.has(key))
        throw new AgentConfigError(f, `gives the tag ${JSON.stringify(key)} twice`);
      if (d.tags.size >= TAGS_MAX) {
        throw new AgentConfigError(f, `may be given at most ${TAGS_MAX} times`);
      }
      d.tags.set(key, raw.slice(eq + 1));
      const bytes = tagMetaBytes(d.tags);
      if (bytes > META_BYTES_MAX) {
        throw new AgentConfigError(
          f,
          `tags encode to ${bytes} bytes, over memberlist's ${META_BYTES_MAX}-byte meta limit`,
        );
      }
    },
    'comma-list',
  ),
  setting(
    'encrypt',
    'BASE64KEY',
    ACCEPTS_KEY,
    'encrypt gossip with this key; every member needs the same one',
    'none: plaintext',
    (d, raw, f) => {
      try {
        d.encryptKey = keyFromBase64(raw.trim(), f);
      } catch {
        // The value is not echoed: it may be a key with a typo, and messages end up in logs.
        throw new AgentConfigError(
          f,
          `must be ${ACCEPTS_KEY}, got ${raw.length} characters that are not one`,
        );
      }
    },
  ),
  setting(
    'profile',
    'NAME',
    `one of ${PROFILES.join(', ')}`,
    'memberlist timing preset: lan (one data centre), wan (slow links), local (one machine, fast detection)',
    'lan',
    (d, raw, f) => {
      d.profile = oneOf(f, raw, PROFILES);
    },
  ),
  setting(
    'http',
    'HOST:PORT',
    ACCEPTS_BIND,
    'address of the HTTP API; keep it on loopback unless --http-token is set',
    AGENT_HTTP_DEFAULT,
    (d, raw, f) => {
      d.http = parseHostPort(f, raw, true);
    },
  ),
  setting(
    'http-token',
    'TOKEN',
    ACCEPTS_HTTP_TOKEN,
    'require `Authorization: Bearer TOKEN` on every API request (the dashboard page itself stays open)',
    'none: no authentication',
    (d, raw, f) => {
      if (
        raw.length < HTTP_TOKEN_CHARS_MIN ||
        raw.length > HTTP_TOKEN_CHARS_MAX ||
        !HTTP_TOKEN_PATTERN.test(raw)
      ) {
        // Like --encrypt, the value is not echoed: it is a secret, and messages reach logs.
        throw new AgentConfigError(
          f,
          `must be ${ACCEPTS_HTTP_TOKEN}, got ${raw.length} characters that are not one`,
        );
      }
      d.httpToken = raw;
    },
  ),
  setting(
    'log-level',
    'LEVEL',
    `one of ${LOG_LEVELS.join(', ')}`,
    'least severe log level written',
    'info',
    (d, raw, f) => {
      d.logLevel = oneOf(f, raw, LOG_LEVELS);
    },
  ),
  setting(
    'log-json',
    null,
    'no value',
    "write logs as JSON lines (pino's record format) instead of human-readable text",
    'off',
    (d) => {
      d.logJson = true;
    },
  ),
  setting(
    'dev',
    null,
    'no value',
    `a single local node: ${Object.entries(DEV_PRESET)
      .map(([k, v]) => `--${k} ${v}`)
      .join(', ')}, no data dir (any other setting still wins)`,
    'off',
    (d) => {
      d.dev = true;
    },
  ),
  setting(
    'data-dir',
    'DIR',
    `a directory path of 1 to ${DATA_DIR_CHARS_MAX} characters (created if missing)`,
    "keep known members and Lamport clocks here, to rejoin after a restart (Serf's -snapshot)",
    'none: a restart is a new node',
    (d, raw, f) => {
      if (raw.length === 0 || raw.length > DATA_DIR_CHARS_MAX || raw.includes('\0')) {
        throw badValue(f, `a directory path of 1 to ${DATA_DIR_CHARS_MAX} characters`, raw);
      }
      d.dataDir = raw;
    },
  ),
  setting(
    'rejoin',
    null,
    'no value',
    "rejoin the members in --data-dir even after a graceful leave (Serf's -rejoin)",
    'off: after a leave, start alone unless --join is given',
    (d) => {
      d.rejoinAfterLeave = true;
    },
  ),
  setting(
    'event-handler',
    '[FILTER=]SCRIPT',
    ACCEPTS_EVENT_HANDLER,
    `run SCRIPT with /bin/sh -c for each matching event, Serf's way (SERF_* variables, stdin); repeatable, at most ${EVENT_HANDLERS_MAX}`,
    'none',
    (d, raw, f) => {
      if (d.eventHandlers.length >= EVENT_HANDLERS_MAX) {
        throw new AgentConfigError(f, `may be given at most ${EVENT_HANDLERS_MAX} times`);
      }
      try {
        d.eventHandlers.push(parseEventHandler(raw));
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        throw new AgentConfigError(
          f,
          `must be ${ACCEPTS_EVENT_HANDLER}; ${JSON.stringify(raw)} ${why}`,
        );
      }
    },
    'repeatable',
  ),
  setting(
    'handler-timeout',
    'DURATION',
    ACCEPTS_HANDLER_TIMEOUT,
    'kill an event handler still running after this long',
    `${HANDLER_TIMEOUT_MS_DEFAULT / 1000}s`,
    (d, raw, f) => {
      d.handlerTimeoutMs = parseDurationMs(
        f,
        raw,
        1,
        HANDLER_TIMEOUT_MS_MAX,
        ACCEPTS_HANDLER_TIMEOUT,
      );
    },
  ),
  setting(
    'handler-concurrency',
    'N',
    `an integer in [1, ${HANDLER_CONCURRENCY_MAX}]`,
    'event handler processes running at once (1: one at a time, in event order, as Serf)',
    String(HANDLER_CONCURRENCY_DEFAULT),
    (d, raw, f) => {
      d.handlerConcurrency = parseCount(f, raw, 1, HANDLER_CONCURRENCY_MAX);
    },
  ),
  durationSetting(
    'coalesce-period',
    'member events: hold them this long and hand handlers the latest per member (0: no coalescing)',
    COALESCE_PERIOD_MS_DEFAULT,
    (d, ms) => {
      d.coalescePeriodMs = ms;
    },
  ),
  durationSetting(
    'quiescent-period',
    'member events: flush early after this long without a new one',
    QUIESCENT_PERIOD_MS_DEFAULT,
    (d, ms) => {
      d.quiescentPeriodMs = ms;
    },
  ),
  durationSetting(
    'user-coalesce-period',
    'user events sent with coalescing: hand handlers only the latest per name within this window (0: off)',
    COALESCE_PERIOD_MS_DEFAULT,
    (d, ms) => {
      d.userCoalescePeriodMs = ms;
    },
  ),
  durationSetting(
    'user-quiescent-period',
    'user events: flush early after this long without a new one of a coalesced name',
    QUIESCENT_PERIOD_MS_DEFAULT,
    (d, ms) => {
      d.userQuiescentPeriodMs = ms;
    },
  ),
];

function oneOf<T extends string>(field: string, raw: string, names: readonly T[]): T {
  const found = names.find((n) => n === raw.trim());
  if (found === undefined) throw badValue(field, `one of ${names.join(', ')}`, raw);
  return found;
}

const BY_NAME = new Map(AGENT_SETTINGS.map((s) => [s.name, s]));

/** What setting `name` (with or without leading dashes) accepts; undefined if unknown. */
export function agentSettingAccepts(name: string): string | undefined {
  return BY_NAME.get(name.replace(/^--/, ''))?.accepts;
}

/** Raw values keyed by setting name: a string, several for a repeatable one, true for a switch. */
export type RawAgentSettings = Readonly<
  Record<string, string | readonly string[] | boolean | undefined>
>;

/** How a source names a setting in messages: flags by default. */
export type FieldNamer = (settingName: string) => string;
export const flagName: FieldNamer = (name) => `--${name}`;

/**
 * Validate raw settings into an `AgentConfig`. Unknown names are refused (a typo in a
 * config file must not pass silently); throws `AgentConfigError` naming the field.
 */
export function agentConfigFrom(
  given: RawAgentSettings,
  givenNameOf: FieldNamer = flagName,
): AgentConfig {
  let raw = given;
  let nameOf = givenNameOf;
  if (given.dev === true) {
    // The preset fills only what no source gave; its values are named as coming from it.
    const preset = Object.entries(DEV_PRESET).filter(([k]) => given[k] === undefined);
    raw = { ...Object.fromEntries(preset), ...given };
    const fromPreset = new Set(preset.map(([k]) => k));
    nameOf = (name) =>
      fromPreset.has(name) ? `${givenNameOf('dev')} (its --${name})` : givenNameOf(name);
  }
  const draft: Draft = {
    nodeName: '',
    bind: parseHostPort('bind', AGENT_BIND_DEFAULT, true),
    advertise: null,
    join: [],
    retryJoin: [],
    retryIntervalMs: RETRY_INTERVAL_MS_DEFAULT,
    retryMax: 0,
    tags: new Map(),
    encryptKey: null,
    profile: 'lan',
    http: parseHostPort('http', AGENT_HTTP_DEFAULT, true),
    httpToken: null,
    logLevel: 'info',
    logJson: false,
    dev: false,
    dataDir: null,
    rejoinAfterLeave: false,
    eventHandlers: [],
    handlerTimeoutMs: HANDLER_TIMEOUT_MS_DEFAULT,
    handlerConcurrency: HANDLER_CONCURRENCY_DEFAULT,
    coalescePeriodMs: COALESCE_PERIOD_MS_DEFAULT,
    quiescentPeriodMs: QUIESCENT_PERIOD_MS_DEFAULT,
    userCoalescePeriodMs: COALESCE_PERIOD_MS_DEFAULT,
    userQuiescentPeriodMs: QUIESCENT_PERIOD_MS_DEFAULT,
  };
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined || value === false) continue;
    const row = BY_NAME.get(name);
    const field = nameOf(name);
    if (row === undefined) throw new AgentConfigError(field, 'is not a setting of the agent');
    if (row.value === null) {
      if (value !== true) throw new AgentConfigError(field, 'takes no value');
      row.apply(draft, 'true', field);
      continue;
    }
    if (value === true) throw new AgentConfigError(field, `needs a value: ${row.accepts}`);
    const values = typeof value === 'string' ? [value] : value;
    if (values.length > 1 && !row.repeatable) {
      throw new AgentConfigError(field, 'may be given only once');
    }
    for (const v of values) row.apply(draft, v, field);
  }
  return finish(draft, nameOf);
}

function finish(d: Draft, nameOf: FieldNamer): AgentConfig {
  if (d.nodeName === '') d.nodeName = defaultNodeName();
  const self = formatHostPort(d.bind);
  for (const name of ['join', 'retry-join'] as const) {
    const seeds = name === 'join' ? d.join : d.retryJoin;
    if (d.bind.port !== 0 && seeds.some((j) => formatHostPort(j) === self)) {
      throw new AgentConfigError(nameOf(name), `names this agent's own --bind address ${self}`);
    }
  }
  if (
    d.bind.port !== 0 &&
    d.http.port === d.bind.port &&
    (d.http.host === d.bind.host || d.bind.host === '0.0.0.0' || d.http.host === '0.0.0.0')
  ) {
    throw new AgentConfigError(
      nameOf('http'),
      `must not share port ${d.http.port} with the gossip address ${self}`,
    );
  }
  return Object.freeze({
    nodeName: d.nodeName,
    bind: d.bind,
    advertise: d.advertise,
    join: Object.freeze([...d.join]),
    retryJoin: Object.freeze([...d.retryJoin]),
    retryIntervalMs: d.retryIntervalMs,
    retryMax: d.retryMax,
    tags: Object.freeze(Object.fromEntries(d.tags)),
    encryptKey: d.encryptKey,
    profile: d.profile,
    http: d.http,
    httpToken: d.httpToken,
    logLevel: d.logLevel,
    logJson: d.logJson,
    dev: d.dev,
    dataDir: d.dataDir,
    rejoinAfterLeave: d.rejoinAfterLeave,
    eventHandlers: Object.freeze([...d.eventHandlers]),
    handlerTimeoutMs: d.handlerTimeoutMs,
    handlerConcurrency: d.handlerConcurrency,
    coalescePeriodMs: d.coalescePeriodMs,
    quiescentPeriodMs: d.quiescentPeriodMs,
    userCoalescePeriodMs: d.userCoalescePeriodMs,
    userQuiescentPeriodMs: d.userQuiescentPeriodMs,
  });
}
