/**
 * `hearsay keygen`: print a new random 32-byte key in base64 (AES-256), as `serf keygen`
 * does. It is what `hearsay agent --encrypt` and `hearsay keys --install` take, and serves
 * as an `--http-token` too. No agent is needed.
 */

import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import type { CliIo } from './io.ts';

/** AES-256: the largest key memberlist's keyring takes. */
export const KEYGEN_BYTES = 32;

export function registerKeygenCommand(program: Command, io: CliIo): Command {
  return program
    .command('keygen')
    .description('print a new random 32-byte encryption key, base64 (as serf keygen)')
    .action(() => {
      io.stdout(`${randomBytes(KEYGEN_BYTES).toString('base64')}\n`);
    });
}
