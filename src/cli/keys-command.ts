/**
 * `hearsay keys`: the gossip keyring, as `serf keys` manages it — on every member of the
 * cluster by default (`/v1/cluster/keys`: the agent asks each member through Serf's internal
 * key queries and counts the answers), or on the one agent with `--local` (`/v1/keys`).
 * `--list` (the default), `--install KEY` (accept a key), `--use KEY` (encrypt with it),
 * `--remove KEY` (forget it). Rotating a cluster's key is install, use, then remove the old.
 *
 * Why cluster-wide is the default: that is what `serf keys` does, and a key installed on one
 * member only is a trap — the cluster splits the moment someone uses it. `--local` stays for
 * a member being repaired by hand, and prints the keyring as that agent now has it.
 *
 * At most one action per run; a key that is not a base64 AES key (16, 24 or 32 bytes) is a
 * usage error before anything is sent, without echoing it (it is a secret).
 *
 * Cluster-wide output, Serf's in our table style: for the list, each key with how many
 * members have it installed and how many encrypt with it (`3/3`), then how many answered;
 * after a change, one line saying it is done everywhere. Any member that failed or sent a
 * warning gets a `NODE  MESSAGE` line on stderr; a failure anywhere (a refusal, or a member
 * that did not answer before the deadline) ends with Serf's sentence ("Error installing key:
 * 1/3 nodes reported failure") and exit 1, the counts still printed — `--json` included,
 * which prints the agent's counts as they are.
 */

import type { Command } from 'commander';
import { clusterKeys, type KeyAction, keys } from '../agent/client.ts';
import type { ClusterKeyAction, ClusterKeysResult, KeyringView } from '../agent/cluster.ts';
import { keyFromBase64 } from '../net/security/keyring.ts';
import { keyOperationFailure } from '../serf/key-manager.ts';
import { type AgentFlags, agentOptions, agentTarget, callAgent, type Env } from './http-target.ts';
import type { CliIo } from './io.ts';
import { table } from './table.ts';
import { CommandFailure, UsageError } from './usage-error.ts';

interface KeysFlags extends AgentFlags {
  readonly list?: boolean;
  readonly install?: string;
  readonly use?: string;
  readonly remove?: string;
  readonly local?: boolean;
}

const ACCEPTS_KEY = 'a base64 AES key of 16, 24 or 32 bytes (as `hearsay keygen` prints)';

/** The keyring as a table: KEY and a PRIMARY mark. */
export function keyringTable(ring: KeyringView): string {
  if (ring.keys.length === 0) return 'No keys: gossip is not encrypted\n';
  return table([['KEY', 'PRIMARY'], ...ring.keys.map((k) => [k, k === ring.primary ? 'yes' : ''])]);
}

/** The cluster's keys: each with `installed/asked` and `primary/asked`, most installed first. */
export function clusterKeysTable(r: ClusterKeysResult): string {
  const installed = Object.entries(r.keys ?? {}).sort(([ka, a], [kb, b]) =>
    b !== a ? b - a : ka < kb ? -1 : 1,
  );
  if (installed.length === 0) return 'No keys: no member that answered encrypts gossip\n';
  const primary = r.primaryKeys ?? {};
  return table([
    ['KEY', 'INSTALLED', 'PRIMARY'],
    ...installed.map(([k, n]) => [
      k,
      `${n}/${r.numNodes}`,
      Object.hasOwn(primary, k) ? `${primary[k]}/${r.numNodes}` : '',
    ]),
  ]);
}

function action(raw: KeysFlags): { type: KeyAction; key: string } | undefined {
  const given = (['install', 'use', 'remove'] as const).filter((a) => raw[a] !== undefined);
  if (given.length + (raw.list === true ? 1 : 0) > 1) {
    throw new UsageError('keys', 'takes one of --list, --install, --use, --remove at a time');
  }
  const type = given[0];
  if (type === undefined) return undefined;
  const key = raw[type]!.trim();
  try {
    keyFromBase64(key, `--${type}`);
  } catch {
    throw new UsageError(
      `--${type}`,
      `must be ${ACCEPTS_KEY}, got ${key.length} characters that are not one`,
    );
  }
  return { type, key };
}

const DONE: Readonly<Record<KeyAction, string>> = {
  install: 'Installed the key',
  use: 'Now encrypting with the key',
  remove: 'Removed the key',
};

const DONE_EVERYWHERE: Readonly<Record<ClusterKeyAction, (n: number) => string>> = {
  install: (n) => `Installed the key on every member (${n}/${n})`,
  use: (n) => `Every member (${n}/${n}) now encrypts with the key`,
  remove: (n) => `Removed the key from every member (${n}/${n})`,
  list: (n) => `${n}/${n} members answered`,
};

/** Serf's words for a failed operation. */
const FAILED: Readonly<Record<ClusterKeyAction, string>> = {
  install: 'Error installing key',
  use: 'Error changing primary key',
  remove: 'Error removing key',
  list: 'Failed to gather member keys',
};

async function runLocal(
  io: CliIo,
  raw: KeysFlags,
  target: ReturnType<typeof agentTarget>,
  change: ReturnType<typeof action>,
): Promise<void> {
  const ring = await callAgent(() => keys(target, change));
  if (raw.json === true) {
    io.stdout(`${JSON.stringify(ring, null, 2)}\n`);
    return;
  }
  if (change !== undefined) io.stdout(`${DONE[change.type]}; the keyring is now:\n`);
  io.stdout(keyringTable(ring));
}

async function runCluster(
  io: CliIo,
  raw: KeysFlags,
  target: ReturnType<typeof agentTarget>,
  change: ReturnType<typeof action>,
): Promise<void> {
  const type: ClusterKeyAction = change?.type ?? 'list';
  const r = await callAgent(() => clusterKeys(target, type, change?.key));
  const failure = keyOperationFailure(r);
  if (raw.json === true) {
    io.stdout(`${JSON.stringify(r, null, 2)}\n`);
  } else {
    if (type === 'list') {
      io.stdout(clusterKeysTable(r));
      if (failure === null) io.stdout(`${DONE_EVERYWHERE.list(r.numNodes)}\n`);
      else io.stdout(`${r.numResp}/${r.numNodes} members answered, ${r.numErr} failed\n`);
    } else if (failure === null) {
      io.stdout(`${DONE_EVERYWHERE[type](r.numNodes)}\n`);
    }
    const messages = Object.entries(r.messages);
    if (messages.length > 0) io.stderr(table([['NODE', 'MESSAGE'], ...messages]));
  }
  if (failure !== null) throw new CommandFailure(`${FAILED[type]}: ${failure}`);
}

export function registerKeysCommand(program: Command, io: CliIo, env: Env = process.env): Command {
  const cmd = program
    .command('keys')
    .description(
      'list or change the gossip encryption keys of every member, as serf keys does (/v1/cluster/keys), or of one agent with --local (/v1/keys)',
    )
    .option('--list', 'list the keys, with how many members have each (the default)')
    .option('--install <KEY>', 'add a key the members accept (base64)')
    .option('--use <KEY>', 'make an installed key the primary, the one the members encrypt with')
    .option('--remove <KEY>', 'remove a key that is not the primary')
    .option('--local', 'only the agent at --http, not the whole cluster');
  return agentOptions(
    cmd,
    'print what the agent answered as JSON ({numNodes, numResp, numErr, messages, keys?, primaryKeys?}; with --local {primary, keys})',
  ).action(async (raw: KeysFlags) => {
    const change = action(raw);
    const target = agentTarget(raw, env);
    if (raw.local === true) await runLocal(io, raw, target, change);
    else await runCluster(io, raw, target, change);
  });
}
