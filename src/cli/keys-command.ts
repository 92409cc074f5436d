/**
 * `hearsay keys`: the gossip keyring of a running agent (`/v1/keys`), in the spirit of `serf
 * keys` but for that one agent: `--list` (the default), `--install KEY` (accept a key),
 * `--use KEY` (encrypt with it), `--remove KEY` (forget it). Rotating a cluster's key is
 * install everywhere, use everywhere, remove the old one everywhere.
 *
 * At most one action per run; a key that is not a base64 AES key (16, 24 or 32 bytes) is a
 * usage error before anything is sent, without echoing it (it is a secret). After a change
 * the keyring is printed as the agent now has it: one key per line, the primary marked.
 */

import type { Command } from 'commander';
import { type KeyAction, keys } from '../agent/client.ts';
import type { KeyringView } from '../agent/cluster.ts';
import { keyFromBase64 } from '../net/security/keyring.ts';
import { type AgentFlags, agentOptions, agentTarget, callAgent, type Env } from './http-target.ts';
import type { CliIo } from './io.ts';
import { table } from './table.ts';
import { UsageError } from './usage-error.ts';

interface KeysFlags extends AgentFlags {
  readonly list?: boolean;
  readonly install?: string;
  readonly use?: string;
  readonly remove?: string;
}

const ACCEPTS_KEY = 'a base64 AES key of 16, 24 or 32 bytes (as `hearsay keygen` prints)';

/** The keyring as a table: KEY and a PRIMARY mark. */
export function keyringTable(ring: KeyringView): string {
  if (ring.keys.length === 0) return 'No keys: gossip is not encrypted\n';
  return table([['KEY', 'PRIMARY'], ...ring.keys.map((k) => [k, k === ring.primary ? 'yes' : ''])]);
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

export function registerKeysCommand(program: Command, io: CliIo, env: Env = process.env): Command {
  const cmd = program
    .command('keys')
    .description("list or change a running agent's gossip encryption keys (/v1/keys)")
    .option('--list', 'list the keys, the primary marked (the default)')
    .option('--install <KEY>', 'add a key the agent accepts (base64)')
    .option('--use <KEY>', 'make an installed key the primary, the one the agent encrypts with')
    .option('--remove <KEY>', 'remove a key that is not the primary');
  return agentOptions(cmd, 'print the keyring as JSON ({primary, keys})').action(
    async (raw: KeysFlags) => {
      const change = action(raw);
      const target = agentTarget(raw, env);
      const ring = await callAgent(() => keys(target, change));
      if (raw.json === true) {
        io.stdout(`${JSON.stringify(ring, null, 2)}\n`);
        return;
      }
      if (change !== undefined) io.stdout(`${DONE[change.type]}; the keyring is now:\n`);
      io.stdout(keyringTable(ring));
    },
  );
}
