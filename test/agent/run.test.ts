/**
 * The agent's process glue in-process, over a fake cluster and fake signals: the
 * `listening` line, the HTTP API at the address it names, join at start, graceful leave on
 * a signal (leave before shutdown), a second signal cutting the leave short, and the
 * one-line failures for a member that cannot start, an HTTP port in use, and a failed join.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Agent, AgentFailure } from '../../src/agent/agent.ts';
import { fetchMembers } from '../../src/agent/client.ts';
import type { AgentCluster } from '../../src/agent/cluster.ts';
import { agentConfigFrom, type RawAgentSettings } from '../../src/agent/config.ts';
import { type AgentProcessIo, runAgent, type SignalName } from '../../src/agent/run.ts';
import { waitFor } from '../support/serf/wait-for.ts';
import { FakeCluster, logSink, member } from './fake-cluster.ts';

function fakeIo() {
  const lines: string[] = [];
  const log = logSink();
  let handler: ((s: SignalName) => void) | undefined;
  const io: AgentProcessIo & { signal(s: SignalName): void } = {
    writeLine: (l) => {
      lines.push(l);
    },
    writeLog: log.write,
    onSignal: (h) => {
      handler = h;
      return () => {
        handler = undefined;
      };
    },
    signal: (s) => handler?.(s),
  };
  return { io, lines, log, subscribed: () => handler !== undefined };
}

const BASE: RawAgentSettings = { name: 'n1', bind: '127.0.0.1:0', http: '127.0.0.1:0' };

function start(raw: RawAgentSettings, cluster: AgentCluster | (() => Promise<AgentCluster>)) {
  const f = fakeIo();
  const { promise: started, resolve } = Promise.withResolvers<Agent>();
  const done = runAgent(agentConfigFrom({ ...BASE, ...raw }), {
    createCluster: typeof cluster === 'function' ? cluster : async () => cluster,
    io: f.io,
    onStarted: resolve,
  });
  return { ...f, started, done };
}

const relevant = (calls: readonly string[]) => calls.filter((c) => c !== 'members');

describe('runAgent', () => {
  it('prints one listening line, serves the API there, leaves then shuts down on SIGTERM', async () => {
    const cluster = new FakeCluster(member('n1', 41000, 'alive', { role: 'web' }), [
      member('n2', 41001, 'failed'),
    ]);
    const run = start({ join: '127.0.0.1:41001' }, cluster);
    const agent = await run.started;
    assert.equal(run.lines.length, 1);
    const line = JSON.parse(run.lines[0]!) as Record<string, string>;
    assert.deepEqual(Object.keys(line), ['event', 'name', 'bind', 'advertise', 'http']);
    assert.equal(line.event, 'listening');
    assert.equal(line.name, 'n1');
    assert.equal(line.bind, '127.0.0.1:41000', 'the address the cluster bound, port 0 resolved');
    assert.equal(line.advertise, '127.0.0.1:41000');
    assert.match(line.http!, /^127\.0\.0\.1:[1-9]\d*$/);
    assert.equal(line.http, `127.0.0.1:${agent.http.port}`);

    const members = await fetchMembers(agent.http);
    assert.deepEqual(
      members.map((m) => [m.name, m.state]),
      [
        ['n1', 'alive'],
        ['n2', 'failed'],
      ],
    );

    cluster.fire({ type: 'member-join', member: member('n3', 41002, 'alive', { dc: 'x' }) });
    const logged = run.log.lines.join('');
    assert.match(
      logged,
      /\[INFO\] member-join n3 event=member-join member=n3 addr=127\.0\.0\.1:41002 state=alive tags=\{"dc":"x"\}/,
    );

    run.io.signal('SIGTERM');
    await run.done;
    assert.deepEqual(relevant(cluster.calls), ['join 127.0.0.1:41001', 'leave', 'shutdown']);
    assert.equal(cluster.listenerCount, 0, 'the agent unsubscribed from member events');
    assert.equal(run.subscribed(), false, 'the signal handlers are removed');
    await assert.rejects(fetchMembers(agent.http), /cannot reach the agent/);
    assert.match(run.log.lines.join(''), /stop requested signal=SIGTERM/);
  });

  it('a second signal cuts the graceful leave short', async () => {
    const cluster = new FakeCluster(member('n1', 41000));
    let leaveSignal: AbortSignal | undefined;
    cluster.leaveImpl = (signal) =>
      new Promise((_, reject) => {
        leaveSignal = signal;
        signal?.addEventListener('abort', () => reject(new Error('leave aborted')));
      });
    const run = start({}, cluster);
    await run.started;
    run.io.signal('SIGINT');
    // The leave is under way once the cluster was asked.
    while (leaveSignal === undefined) await new Promise((r) => setImmediate(r));
    assert.equal(leaveSignal.aborted, false);
    run.io.signal('SIGINT');
    await run.done;
    assert.equal(leaveSignal.aborted, true);
    assert.deepEqual(relevant(cluster.calls), ['leave', 'shutdown']);
    assert.match(
      run.log.lines.join(''),
      /\[WARN\] graceful leave did not complete err="leave aborted"/,
    );
  });

  it('a join that reaches no seed: AgentFailure naming the seeds, everything closed', async () => {
    const cluster = new FakeCluster(member('n1', 41000));
    cluster.joinImpl = async () => {
      throw new Error('no seed answered (ECONNREFUSED)');
    };
    const run = start({ join: ['127.0.0.1:9', '127.0.0.1:10'] }, cluster);
    const agent = await run.started;
    await assert.rejects(run.done, (e: unknown) => {
      assert.ok(e instanceof AgentFailure);
      assert.equal(
        e.message,
        'agent: could not join the cluster at 127.0.0.1:9, 127.0.0.1:10: no seed answered (ECONNREFUSED)',
      );
      return true;
    });
    assert.deepEqual(relevant(cluster.calls), ['join 127.0.0.1:9,127.0.0.1:10', 'shutdown']);
    await assert.rejects(fetchMembers(agent.http), /cannot reach the agent/);
  });

  it('--retry-join keeps trying in the background while the API serves, until a seed answers', async () => {
    const cluster = new FakeCluster(member('n1', 41000));
    let attempts = 0;
    cluster.joinImpl = async () => {
      attempts += 1;
      if (attempts < 3) throw new Error('no seed answered (ECONNREFUSED)');
      return 1;
    };
    const run = start({ 'retry-join': '127.0.0.1:9', 'retry-interval': '10ms' }, cluster);
    const agent = await run.started;
    // The agent is up (its API answers) before any seed does.
    assert.equal((await fetchMembers(agent.http)).length, 1);
    await waitFor(() => run.log.lines.join('').includes('retry-join: joined the cluster'), {
      deadlineMs: 10_000,
      intervalMs: 5,
      what: 'the third join attempt to succeed',
    });
    assert.equal(attempts, 3);
    assert.equal(run.log.lines.join('').match(/join failed, retrying/g)?.length, 2);
    run.io.signal('SIGTERM');
    await run.done;
    assert.deepEqual(relevant(cluster.calls), [
      'join 127.0.0.1:9',
      'join 127.0.0.1:9',
      'join 127.0.0.1:9',
      'leave',
      'shutdown',
    ]);
  });

  it('--retry-max: the agent gives up after that many attempts and fails, closing everything', async () => {
    const cluster = new FakeCluster(member('n1', 41000));
    cluster.joinImpl = async () => {
      throw new Error('no seed answered (ECONNREFUSED)');
    };
    const run = start(
      { 'retry-join': '127.0.0.1:9', 'retry-interval': '10ms', 'retry-max': '2' },
      cluster,
    );
    const agent = await run.started;
    await assert.rejects(run.done, (e: unknown) => {
      assert.ok(e instanceof AgentFailure);
      assert.equal(
        e.message,
        'agent: could not join the cluster at 127.0.0.1:9 in 2 attempts (--retry-max): no seed answered (ECONNREFUSED)',
      );
      return true;
    });
    assert.deepEqual(relevant(cluster.calls), [
      'join 127.0.0.1:9',
      'join 127.0.0.1:9',
      'leave',
      'shutdown',
    ]);
    await assert.rejects(fetchMembers(agent.http), /cannot reach the agent/);
  });

  it('a stop during --retry-join ends the retries quietly', async () => {
    const cluster = new FakeCluster(member('n1', 41000));
    cluster.joinImpl = async () => {
      throw new Error('no seed answered (ECONNREFUSED)');
    };
    const run = start({ 'retry-join': '127.0.0.1:9', 'retry-interval': '1h' }, cluster);
    await run.started;
    await waitFor(() => run.log.lines.join('').includes('join failed, retrying'), {
      deadlineMs: 10_000,
      intervalMs: 5,
      what: 'the first attempt to fail',
    });
    run.io.signal('SIGINT');
    await run.done;
    assert.deepEqual(relevant(cluster.calls), ['join 127.0.0.1:9', 'leave', 'shutdown']);
  });

  it('a member that cannot bind: AgentFailure naming the address', async () => {
    const run = start({ bind: '127.0.0.1:7946' }, async () => {
      throw new Error('EADDRINUSE');
    });
    await assert.rejects(run.done, {
      name: 'AgentFailure',
      message: 'agent: cannot start the member on 127.0.0.1:7946: EADDRINUSE',
    });
    assert.equal(run.lines.length, 0, 'no listening line');
  });

  it('an HTTP address in use: AgentFailure naming it, the member shut down', async () => {
    const first = new FakeCluster(member('n1', 41000));
    const a = start({}, first);
    const agentA = await a.started;
    const second = new FakeCluster(member('n2', 41001));
    const b = start({ name: 'n2', http: `127.0.0.1:${agentA.http.port}` }, second);
    await assert.rejects(b.done, (e: unknown) => {
      assert.ok(e instanceof AgentFailure);
      assert.match(
        e.message,
        new RegExp(
          `^agent: cannot serve HTTP on 127\\.0\\.0\\.1:${agentA.http.port}: .*EADDRINUSE`,
        ),
      );
      return true;
    });
    assert.deepEqual(relevant(second.calls), ['shutdown']);
    a.io.signal('SIGTERM');
    await a.done;
  });

  it('--log-level warn: no info lines, warnings still written', async () => {
    const cluster = new FakeCluster(member('n1', 41000));
    cluster.leaveImpl = async () => {
      throw new Error('cannot leave');
    };
    const run = start({ 'log-level': 'warn' }, cluster);
    await run.started;
    cluster.fire({ type: 'member-join', member: member('n2', 41001) });
    run.io.signal('SIGTERM');
    await run.done;
    const text = run.log.lines.join('');
    assert.doesNotMatch(text, /\[INFO\]/);
    assert.match(text, /^\S+ \[WARN\] graceful leave did not complete err="cannot leave"\n/);
    assert.equal(run.log.lines.length, 1);
  });

  it('--log-json writes pino records', async () => {
    const cluster = new FakeCluster(member('n1', 41000));
    const run = start({ 'log-json': true }, cluster);
    await run.started;
    run.io.signal('SIGTERM');
    await run.done;
    const records = run.log.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const startedRec = records.find((r) => r.msg === 'agent started');
    assert.ok(startedRec);
    assert.equal(startedRec.node, 'n1');
    assert.equal(startedRec.bind, '127.0.0.1:41000');
    assert.equal(startedRec.profile, 'lan');
    assert.ok(records.some((r) => r.msg === 'agent stopped'));
  });
});
