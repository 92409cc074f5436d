/**
 * The in-process event API (`Agent.onEvent`) with two agents over the real stack, in this
 * process: member events after coalescing (one member-join naming the new member), user
 * events with their Lamport time, and a query a listener answers with `respond` — the
 * answer reaching the asking agent. A listener that throws is logged and the others still
 * run. The agent's own handler pipeline closes with the agent.
 */

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Agent } from '../../src/agent/agent.ts';
import type { AgentEvent } from '../../src/agent/agent-events.ts';
import { agentConfigFrom, type RawAgentSettings } from '../../src/agent/config.ts';
import { createMemberlistCluster } from '../../src/agent/memberlist-cluster.ts';
import { until } from '../net/until.ts';
import { sinkLogger } from './fake-cluster.ts';

const DEADLINE_MS = 10_000;
const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

const agents: Agent[] = [];
after(async () => {
  await Promise.all(agents.map((a) => a.shutdown()));
});

async function agent(name: string, raw: RawAgentSettings = {}) {
  const config = agentConfigFrom({
    name,
    bind: '127.0.0.1:0',
    http: '127.0.0.1:0',
    profile: 'local',
    'quiescent-period': '50ms',
    ...raw,
  });
  const { sink, logger } = sinkLogger(name);
  const a = await Agent.start(config, { createCluster: createMemberlistCluster, logger });
  agents.push(a);
  const events: AgentEvent[] = [];
  a.onEvent((e) => events.push(e));
  return { agent: a, events, log: sink.lines };
}

describe('Agent.onEvent', () => {
  it('member events, user events and queries reach in-process listeners; a listener answers a query', async () => {
    const a = await agent('ev-a');
    const b = await agent('ev-b');
    a.agent.onEvent(() => {
      throw new Error('a buggy listener');
    });
    a.agent.onEvent((e) => {
      if (e.type === 'query' && e.name === 'ping')
        assert.ok(e.respond(text(`pong:${str(e.payload)}`)));
    });
    await b.agent.join([a.agent.cluster.advertise]);
    await until(
      () =>
        a.events.some((e) => e.type === 'member-join' && e.members.some((m) => m.name === 'ev-b')),
      DEADLINE_MS,
      'member-join of ev-b',
    );

    const ltime = await b.agent.cluster.sendEvent('deploy', text('v7'), false);
    await until(() => a.events.some((e) => e.type === 'user'), DEADLINE_MS, 'the user event');
    const user = a.events.find((e) => e.type === 'user')!;
    assert.deepEqual(
      user.type === 'user' && [user.name, str(user.payload), user.ltime, user.coalesce],
      ['deploy', 'v7', ltime, false],
    );

    const result = await b.agent.cluster.query({
      name: 'ping',
      payload: text('x'),
      timeoutMs: 1_000,
    });
    assert.deepEqual(
      result.responses.map((r) => [r.from, str(r.payload)]),
      [['ev-a', 'pong:x']],
    );
    const q = a.events.find((e) => e.type === 'query')!;
    assert.equal(q.type === 'query' && q.from, 'ev-b');
    assert.ok(
      a.log.some((l) => l.includes('an event listener threw')),
      'the buggy listener was logged',
    );
  });
});
