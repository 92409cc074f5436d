/**
 * bin/hearsay.js re-executes `hearsay agent` with V8's young generation capped: the same
 * process (PID, pipes) runs on with `--max-semi-space-size=2` on its command line, unless
 * the user chose a semi-space size. Read from /proc/PID/cmdline, which is what execve(2)
 * replaced.
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { killStarted, type NodeLaunch, startAgent } from './agent-process.ts';

const CAP = '--max-semi-space-size=2';

/** The command line the agent process runs under once it is listening; then stops it. */
async function commandLineOf(name: string, launch: NodeLaunch = {}): Promise<string[]> {
  const agent = await startAgent(name, [], launch);
  const argv = readFileSync(`/proc/${agent.child.pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
  agent.child.kill('SIGTERM');
  assert.equal(await agent.exited, 0, agent.stderr());
  return argv;
}

describe('hearsay agent under Node', {
  skip: process.platform !== 'linux' && 'reads /proc',
}, () => {
  after(killStarted);

  it('runs on in the same process with the young generation capped', async () => {
    const argv = await commandLineOf('flags-default', { nodeFlags: ['--trace-uncaught'] });
    assert.equal(argv[0], process.execPath);
    assert.equal(argv[1], CAP);
    assert.equal(argv[2], '--trace-uncaught', 'the flags node was started with follow');
    assert.match(argv[3]!, /bin\/hearsay\.js$/);
    assert.deepEqual(argv.slice(4, 7), ['agent', '--name', 'flags-default']);
    assert.equal(argv.filter((a) => a === CAP).length, 1, 'replaced once, not again');
  });

  it('keeps a semi-space size the user chose on the command line', async () => {
    const argv = await commandLineOf('flags-chosen', { nodeFlags: ['--max-semi-space-size=8'] });
    assert.equal(argv[1], '--max-semi-space-size=8');
    assert.ok(!argv.includes(CAP), argv.join(' '));
  });

  it('keeps one chosen in NODE_OPTIONS', async () => {
    const env = { ...process.env, NODE_OPTIONS: '--max_semi_space_size=4' };
    const argv = await commandLineOf('flags-env', { env });
    assert.ok(!argv.includes(CAP), argv.join(' '));
  });
});
