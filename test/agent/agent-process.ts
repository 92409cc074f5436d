/**
 * Real `hearsay agent` processes for tests: bin/hearsay.js under this Node, on 127.0.0.1
 * with port 0 for gossip and HTTP and the local profile unless the caller says otherwise.
 * `startAgent` waits (with a deadline) for the `listening` line and returns the addresses
 * it names; `waitMembers` polls `GET /v1/members` until a condition holds. Every process is
 * remembered so `killStarted` can SIGKILL, by PID, whatever a failing test left running.
 */

import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fetchMembers } from '../../src/agent/client.ts';
import type { AgentMember } from '../../src/agent/cluster.ts';
import { type HostPort, parseHostPort } from '../../src/agent/config.ts';

const BIN = fileURLToPath(new URL('../../bin/hearsay.js', import.meta.url));
const START_DEADLINE_MS = 15_000;
const POLL_MS = 100;

export interface AgentProcess {
  readonly name: string;
  readonly child: ChildProcessWithoutNullStreams;
  /** "ip:port" to pass to --join. */
  readonly advertise: string;
  readonly http: HostPort;
  stderr(): string;
  readonly exited: Promise<number | null>;
}

const started: ChildProcessWithoutNullStreams[] = [];

/** SIGKILL every agent started here that is still running (for `after`). */
export function killStarted(): void {
  for (const child of started) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

/** How to start Node itself: flags before the script, and the environment. */
export interface NodeLaunch {
  readonly nodeFlags?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
}

/** Spawn `hearsay agent --name NAME` with loopback, port-0 defaults before `args`. */
export function spawnAgent(
  name: string,
  args: readonly string[],
  launch: NodeLaunch = {},
): ChildProcessWithoutNullStreams {
  const child = spawn(
    process.execPath,
    [
      ...(launch.nodeFlags ?? []),
      BIN,
      'agent',
      '--name',
      name,
      '--bind',
      '127.0.0.1:0',
      '--http',
      '127.0.0.1:0',
      '--profile',
      'local',
      ...args,
    ],
    { stdio: ['pipe', 'pipe', 'pipe'], env: launch.env ?? process.env },
  );
  started.push(child);
  return child;
}

export async function startAgent(
  name: string,
  args: readonly string[] = [],
  launch: NodeLaunch = {},
): Promise<AgentProcess> {
  const child = spawnAgent(name, args, launch);
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const line = await new Promise<Record<string, string>>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name}: no listening line in ${START_DEADLINE_MS} ms: ${stderr}`)),
      START_DEADLINE_MS,
    );
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      const nl = stdout.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      resolve(JSON.parse(stdout.slice(0, nl)) as Record<string, string>);
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before listening: ${stderr}`));
    });
  });
  assert.equal(line.event, 'listening');
  assert.equal(line.name, name);
  assert.match(line.bind!, /^127\.0\.0\.1:[1-9]\d*$/);
  assert.equal(line.advertise, line.bind, 'a specific bind address is the advertised one');
  return {
    name,
    child,
    advertise: line.advertise!,
    http: parseHostPort('http', line.http!, false),
    stderr: () => stderr,
    exited,
  };
}

/** Poll `GET /v1/members` of `agent` until `ok` holds; returns that list. */
export async function waitMembers(
  agent: AgentProcess,
  ok: (members: AgentMember[]) => boolean,
  deadlineMs: number,
  what: string,
): Promise<AgentMember[]> {
  const startMs = performance.now();
  for (;;) {
    const last = await fetchMembers(agent.http);
    if (ok(last)) return last;
    if (performance.now() - startMs > deadlineMs) {
      assert.fail(
        `${agent.name}: ${what} not within ${deadlineMs} ms; members: ${JSON.stringify(last)}`,
      );
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

export const stateOf = (members: readonly AgentMember[], name: string) =>
  members.find((m) => m.name === name)?.state;
