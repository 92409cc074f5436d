/**
 * The data directory's snapshot: what an agent needs to come back after a restart as the
 * node it was — the members it knew, to rejoin them, and Serf's three Lamport clocks, so
 * that events and queries it already handled are not delivered again. Serf keeps the same
 * in its `-snapshot` file.
 *
 * Format: one JSON file, `DIR/snapshot.json`, rewritten whole (written to
 * `snapshot.json.tmp`, then renamed over the old one, so a crash leaves either the old or
 * the new file, never half of one):
 *
 *   {
 *     "format": "hearsay-snapshot", "version": 1,
 *     "node": "web-1",                       the node that wrote it
 *     "savedAt": "2025-01-01T00:00:00.000Z",
 *     "left": false,                          true once a graceful leave began
 *     "clocks": { "member": "12", "event": "7", "query": "3" },   decimal strings (uint64)
 *     "members": [ { "name": "web-2", "addr": "10.0.0.2", "port": 7946 }, … ]
 *   }
 *
 * `members` are the other members alive (or suspect) when it was written, at most
 * `SNAPSHOT_MEMBERS_MAX` of them; the file is bounded by that and by
 * `SNAPSHOT_BYTES_MAX` on read. A rewrite replaces Serf's append-only log and compaction:
 * the state is small (a line per member) and rewriting at most once per
 * `SNAPSHOT_INTERVAL_MS`, only when something changed, is cheap.
 *
 * A snapshot that cannot be used (unreadable, not JSON, wrong format or version, bad
 * fields, too large) is never fatal: it is moved aside to `snapshot.json.corrupt` and the
 * agent starts as a new node, with a warning saying why.
 *
 * After a graceful leave (`left: true`) the members are not rejoined at the next start
 * unless asked (`--rejoin`), as in Serf: a node that left meant to leave.
 */

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { HostPort } from '../net/address.ts';
import { LAMPORT_TIME_MAX } from '../serf/lamport.ts';
import type { AgentCluster, LamportClocks } from './cluster.ts';
import type { AgentLogger } from './log.ts';
import { isoTimestamp } from './utc-time.ts';

export const SNAPSHOT_FILE = 'snapshot.json';
export const SNAPSHOT_FORMAT = 'hearsay-snapshot';
export const SNAPSHOT_VERSION = 1;
/** Members kept; a cluster larger than this rejoins through the first ones anyway. */
export const SNAPSHOT_MEMBERS_MAX = 4096;
/** Largest snapshot read: 4096 members at ~100 bytes each, with room to spare. */
export const SNAPSHOT_BYTES_MAX = 1 << 20;
/** At most one rewrite per interval (and only when something changed). */
export const SNAPSHOT_INTERVAL_MS = 1_000;
/** Members asked at a rejoin: one that answers is enough; each costs a TCP exchange. */
export const REJOIN_SEEDS_MAX = 16;

export interface SnapshotMember {
  readonly name: string;
  readonly addr: string;
  readonly port: number;
}

export interface Snapshot {
  readonly node: string;
  readonly savedAt: string;
  readonly left: boolean;
  readonly clocks: LamportClocks;
  readonly members: readonly SnapshotMember[];
}

export type SnapshotRead =
  | { readonly kind: 'none' }
  | { readonly kind: 'ok'; readonly snapshot: Snapshot }
  | { readonly kind: 'corrupt'; readonly reason: string };

export function snapshotPath(dir: string): string {
  return join(dir, SNAPSHOT_FILE);
}

export function encodeSnapshot(s: Snapshot): string {
  return `${JSON.stringify(
    {
      format: SNAPSHOT_FORMAT,
      version: SNAPSHOT_VERSION,
      node: s.node,
      savedAt: s.savedAt,
      left: s.left,
      clocks: {
        member: s.clocks.member.toString(),
        event: s.clocks.event.toString(),
        query: s.clocks.query.toString(),
      },
      members: s.members.slice(0, SNAPSHOT_MEMBERS_MAX),
    },
    null,
    1,
  )}\n`;
}

class Bad extends Error {}

function field<T>(ok: boolean, value: T, what: string): T {
  if (!ok) throw new Bad(what);
  return value;
}

function clock(v: unknown, name: string): bigint {
  const ok = typeof v === 'string' && /^[0-9]{1,20}$/.test(v) && BigInt(v) <= LAMPORT_TIME_MAX;
  return field(ok, ok ? BigInt(v as string) : 0n, `clocks.${name} is not a uint64 decimal string`);
}

/** Parse and check a snapshot's text; throws with the reason. */
export function decodeSnapshot(text: string): Snapshot {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Bad(`not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const o = field(
    typeof raw === 'object' && raw !== null && !Array.isArray(raw),
    raw,
    'not a JSON object',
  ) as Record<string, unknown>;
  field(o.format === SNAPSHOT_FORMAT, null, `format is not "${SNAPSHOT_FORMAT}"`);
  field(
    o.version === SNAPSHOT_VERSION,
    null,
    `version ${JSON.stringify(o.version)} is not ${SNAPSHOT_VERSION}`,
  );
  const c = field(
    typeof o.clocks === 'object' && o.clocks !== null,
    o.clocks,
    'clocks missing',
  ) as Record<string, unknown>;
  const list = field(Array.isArray(o.members), o.members, 'members is not an array') as unknown[];
  field(list.length <= SNAPSHOT_MEMBERS_MAX, null, `more than ${SNAPSHOT_MEMBERS_MAX} members`);
  const members = list.map((m, i) => {
    const r = field(
      typeof m === 'object' && m !== null,
      m,
      `members[${i}] is not an object`,
    ) as Record<string, unknown>;
    const ok =
      typeof r.name === 'string' &&
      r.name.length > 0 &&
      typeof r.addr === 'string' &&
      isIP(r.addr) !== 0 &&
      Number.isInteger(r.port) &&
      (r.port as number) > 0 &&
      (r.port as number) <= 65_535;
    field(ok, null, `members[${i}] needs a name, an IP addr and a port in [1, 65535]`);
    return { name: r.name as string, addr: r.addr as string, port: r.port as number };
  });
  return {
    node: field(typeof o.node === 'string', o.node as string, 'node is not a string'),
    savedAt: typeof o.savedAt === 'string' ? o.savedAt : '',
    left: field(typeof o.left === 'boolean', o.left as boolean, 'left is not a boolean'),
    clocks: {
      member: clock(c.member, 'member'),
      event: clock(c.event, 'event'),
      query: clock(c.query, 'query'),
    },
    members,
  };
}

/** Read `DIR/snapshot.json`; a corrupt one is moved aside (its reason returned), never thrown. */
export async function readSnapshot(dir: string): Promise<SnapshotRead> {
  const path = snapshotPath(dir);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return { kind: 'none' };
    return { kind: 'corrupt', reason: `cannot be read: ${(err as Error).message}` };
  }
  let reason: string;
  if (bytes.length > SNAPSHOT_BYTES_MAX) {
    reason = `is ${bytes.length} bytes, over ${SNAPSHOT_BYTES_MAX}`;
  } else {
    try {
      return { kind: 'ok', snapshot: decodeSnapshot(bytes.toString('utf8')) };
    } catch (err) {
      if (!(err instanceof Bad)) throw err;
      reason = err.message;
    }
  }
  try {
    await rename(path, `${path}.corrupt`);
    reason += `; moved to ${SNAPSHOT_FILE}.corrupt`;
  } catch {
    // Left in place: the next write replaces it.
  }
  return { kind: 'corrupt', reason };
}

/** Replace `DIR/snapshot.json` atomically (temporary file, then rename). */
export async function writeSnapshot(dir: string, s: Snapshot): Promise<void> {
  const path = snapshotPath(dir);
  const tmp = `${path}.tmp`;
  await writeFile(tmp, encodeSnapshot(s), { mode: 0o600 });
  await rename(tmp, path);
}

/** The members to rejoin at start, or none after a leave (unless `rejoinAfterLeave`). */
export function rejoinSeeds(s: Snapshot, self: string, rejoinAfterLeave: boolean): HostPort[] {
  if (s.left && !rejoinAfterLeave) return [];
  return s.members
    .filter((m) => m.name !== self && isIP(m.addr) === 4)
    .slice(0, REJOIN_SEEDS_MAX)
    .map((m) => ({ host: m.addr, port: m.port }));
}

/**
 * Keeps `DIR/snapshot.json` up to date while the agent runs: a rewrite at most every
 * `intervalMs` when the member list, the clocks or the leave flag changed, and a final
 * one at `close`. Write failures are logged (once until one succeeds again), not fatal:
 * a full disk must not stop the member.
 */
export class Snapshotter {
  readonly #dir: string;
  readonly #cluster: AgentCluster;
  readonly #logger: AgentLogger;
  readonly #timer: ReturnType<typeof setInterval>;
  #left = false;
  #last = '';
  #writing: Promise<void> = Promise.resolve();
  #failing = false;
  #closed = false;

  constructor(
    dir: string,
    cluster: AgentCluster,
    logger: AgentLogger,
    intervalMs = SNAPSHOT_INTERVAL_MS,
  ) {
    this.#dir = dir;
    this.#cluster = cluster;
    this.#logger = logger;
    this.#timer = setInterval(() => void this.save(), intervalMs);
  }

  /** Create the data directory (and its parents). */
  static async prepare(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  }

  /** A graceful leave began: written at once, so a crash during the leave still counts. */
  markLeft(): Promise<void> {
    this.#left = true;
    return this.save();
  }

  /** Write now if anything changed since the last write. */
  save(): Promise<void> {
    const next = this.#writing.then(() => this.#write());
    this.#writing = next;
    return next;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    clearInterval(this.#timer);
    await this.save();
    this.#closed = true;
  }

  #current(): Snapshot {
    const self = this.#cluster.local().name;
    const members = this.#cluster
      .members()
      .filter((m) => m.name !== self && (m.state === 'alive' || m.state === 'suspect'))
      .slice(0, SNAPSHOT_MEMBERS_MAX)
      .map((m) => ({ name: m.name, addr: m.addr, port: m.port }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return {
      node: self,
      savedAt: '',
      left: this.#left,
      clocks: this.#cluster.clocks?.() ?? { member: 0n, event: 0n, query: 0n },
      members,
    };
  }

  async #write(): Promise<void> {
    if (this.#closed) return;
    const state = this.#current();
    const key = encodeSnapshot(state);
    if (key === this.#last) return;
    try {
      await writeSnapshot(this.#dir, { ...state, savedAt: isoTimestamp(Date.now()) });
      this.#last = key;
      if (this.#failing) this.#logger.info({ dir: this.#dir }, 'snapshot written again');
      this.#failing = false;
    } catch (err) {
      if (!this.#failing) {
        this.#logger.warn({ err, dir: this.#dir }, 'cannot write the snapshot; will retry');
      }
      this.#failing = true;
    }
  }
}
