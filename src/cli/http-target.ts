/**
 * What every command that talks to a running agent shares: where the agent is, its token,
 * and how failures end.
 *
 * The address comes from `--http HOST:PORT`, else `$HEARSAY_HTTP_ADDR`, else the agent's
 * default (127.0.0.1:7374); the token from `--token`, else `$HEARSAY_HTTP_TOKEN`, else none.
 * A bad value is a usage error naming whichever gave it (exit 2). An agent that cannot be
 * reached, refuses the token or the request, or answers nonsense is one line (exit 1): the
 * client's `AgentClientError` becomes a `CommandFailure`, with a hint on a 401.
 */

import type { Command } from 'commander';
import { AgentClientError, type AgentTarget } from '../agent/client.ts';
import { AGENT_HTTP_DEFAULT, AgentConfigError, parseHostPort } from '../agent/config.ts';
import { CommandFailure, UsageError } from './usage-error.ts';

export const HTTP_ADDR_ENV = 'HEARSAY_HTTP_ADDR';
export const HTTP_TOKEN_ENV = 'HEARSAY_HTTP_TOKEN';

export type Env = Readonly<Record<string, string | undefined>>;

/** The flags every agent command takes. */
export interface AgentFlags {
  readonly http?: string;
  readonly token?: string;
  readonly json?: boolean;
}

/** Add `--http`, `--token` and `--json` to `cmd`. */
export function agentOptions(cmd: Command, jsonHelp: string): Command {
  return cmd
    .option(
      '--http <HOST:PORT>',
      `address of the agent's HTTP API [default: $${HTTP_ADDR_ENV}, else ${AGENT_HTTP_DEFAULT}]`,
    )
    .option('--token <TOKEN>', `the agent's --http-token [default: $${HTTP_TOKEN_ENV}, else none]`)
    .option('--json', jsonHelp);
}

function set(text: string | undefined): text is string {
  return text !== undefined && text !== '';
}

/** The agent's address and token from the flags, then the environment; usage errors name the source. */
export function agentTarget(flags: AgentFlags, env: Env): AgentTarget {
  const [field, text] = set(flags.http)
    ? ['--http', flags.http]
    : set(env[HTTP_ADDR_ENV])
      ? [HTTP_ADDR_ENV, env[HTTP_ADDR_ENV]]
      : ['--http', AGENT_HTTP_DEFAULT];
  let address: ReturnType<typeof parseHostPort>;
  try {
    address = parseHostPort(field, text, false);
  } catch (err) {
    if (err instanceof AgentConfigError) throw new UsageError(err.field, err.detail);
    throw err;
  }
  const token = flags.token ?? (set(env[HTTP_TOKEN_ENV]) ? env[HTTP_TOKEN_ENV] : null);
  if (token !== null && (token === '' || !/^[\x21-\x7e]+$/.test(token))) {
    // Not echoed: it is a secret.
    throw new UsageError(
      flags.token !== undefined ? '--token' : HTTP_TOKEN_ENV,
      "must be visible ASCII characters without spaces (the agent's --http-token)",
    );
  }
  return { address, token };
}

/** Run a call to the agent; its failures become one-line `CommandFailure`s. */
export async function callAgent<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (!(err instanceof AgentClientError)) throw err;
    const hint =
      err.reason === 'unauthorized'
        ? ` (give the agent's --http-token with --token or $${HTTP_TOKEN_ENV})`
        : '';
    throw new CommandFailure(`${err.message}${hint}`, { cause: err });
  }
}
