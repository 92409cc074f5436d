import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterFactory } from '../../src/agent/agent.ts';
import type { AgentCluster } from '../../src/agent/cluster.ts';
import { type AgentConfig, agentConfigFrom } from '../../src/agent/config.ts';
import { createMemberlistCluster } from '../../src/agent/memberlist-cluster.ts';
import {
  REHEARSAL_EVENT,
  REHEARSAL_ROUNDS,
  rehearse,
  withRehearsal,
} from '../../src/agent/rehearsal.ts';
import { FakeCluster, member, sinkLogger } from './fake-cluster.ts';

const KEY = Buffer.alloc(32, 7).toString('base64');

function agentConfig(extra: Record<string, unknown> = {}): AgentConfig {
  return agentConfigFrom({
    name: 'real',
    bind: '127.0.0.1:0',
    http: '127.0.0.1:0',
    tag: ['role=web'],
    ...extra,
  });
}

/** The real factory, recording the config of each cluster it made and whether it was shut down. */
function recording(): {
  factory: ClusterFactory;
  made: { config: AgentConfig; cluster: AgentCluster; shutDown: boolean }[];
} {
  const made: { config: AgentConfig; cluster: AgentCluster; shutDown: boolean }[] = [];
  const factory: ClusterFactory = async (config, logger) => {
    const cluster = await createMemberlistCluster(config, logger);
    const entry = { config, cluster, shutDown: false };
    made.push(entry);
    const shutdown = cluster.shutdown.bind(cluster);
    cluster.shutdown = async () => {
      entry.shutDown = true;
      await shutdown();
    };
    return cluster;
  };
  return { factory, made };
}

describe('rehearsal before the agent starts', () => {
  it('joins pairs of throwaway members on loopback, delivers its event, and shuts them all down', async () => {
    const { factory, made } = recording();
    const result = await rehearse(factory, agentConfig());
    assert.equal(result.stoppedBy, null);
    assert.equal(result.rounds, REHEARSAL_ROUNDS);
    assert.equal(made.length, 2 * REHEARSAL_ROUNDS);
    for (const m of made) {
      assert.equal(m.shutDown, true, `${m.config.nodeName} left running`);
      assert.match(m.config.nodeName, /^real-rehearsal-\d[ab]$/);
      assert.deepEqual(m.config.bind, { host: '127.0.0.1', port: 0 });
      assert.equal(m.cluster.bound.host, '127.0.0.1');
      assert.notEqual(m.cluster.bound.port, 0);
      // Nothing that reaches outside the process: no files, no scripts, no seeds.
      assert.equal(m.config.dataDir, null);
      assert.deepEqual(m.config.eventHandlers, []);
      assert.deepEqual(m.config.join, []);
      assert.deepEqual(m.config.retryJoin, []);
      assert.equal(m.config.encryptKey, null);
      assert.equal(m.config.profile, 'local');
    }
  });

  it('rehearses the sealed path with a throwaway key when the agent encrypts', async () => {
    const { factory, made } = recording();
    const config = agentConfig({ encrypt: KEY });
    const result = await rehearse(factory, config);
    assert.equal(result.stoppedBy, null);
    assert.equal(result.rounds, REHEARSAL_ROUNDS);
    const keys = made.map((m) => m.config.encryptKey);
    for (const k of keys) {
      assert.ok(k !== null);
      assert.equal(k.length, config.encryptKey!.length);
      assert.notDeepEqual(k, config.encryptKey, "the agent's own key never leaves its member");
    }
    assert.deepEqual(keys[0], keys[1], 'both throwaway members share one key');
  });

  it('gives up at its deadline, says why, and shuts down what it opened', async () => {
    const fakes: FakeCluster[] = [];
    // Fakes join at once but never deliver the rehearsal's event.
    const factory: ClusterFactory = async (config) => {
      const f = new FakeCluster(member(config.nodeName, 7946 + fakes.length));
      fakes.push(f);
      return f;
    };
    const result = await rehearse(factory, agentConfig(), REHEARSAL_ROUNDS, 50);
    assert.equal(result.rounds, 0);
    assert.match(result.stoppedBy ?? '', /not delivered: not done within 50 ms/);
    assert.equal(fakes.length, 2);
    for (const f of fakes) assert.equal(f.calls.at(-1), 'shutdown');
    assert.ok(fakes[1]!.calls.includes('join 127.0.0.1:7946'));
    assert.ok(fakes[0]!.calls.includes(`event ${REHEARSAL_EVENT}`));
  });

  it('starts the real cluster even when the rehearsal fails, and logs why at debug', async () => {
    let calls = 0;
    const real = new FakeCluster(member('real', 7946));
    const factory: ClusterFactory = async (config) => {
      calls++;
      if (config.nodeName !== 'real') throw new Error('no loopback here');
      return real;
    };
    const { sink, logger } = sinkLogger('real');
    const cluster = await withRehearsal(factory)(agentConfig(), logger);
    assert.equal(cluster, real);
    assert.equal(calls, 2);
    const line = sink.lines.map((l) => JSON.parse(l)).find((l) => l.msg.includes('rehears'));
    assert.ok(line, sink.lines.join('\n'));
    assert.equal(line.rounds, 0);
    assert.equal(line.stoppedBy, 'no loopback here');
  });
});
