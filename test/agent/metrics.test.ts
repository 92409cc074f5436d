/**
 * `/metrics`: every family with its labels after some fake stats, counters that follow the
 * cluster's totals scrape after scrape, the HTTP side's own families, Node's default process
 * metrics, and the exposition content type.
 */

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { AgentMetrics } from '../../src/agent/metrics.ts';
import { emptyStats, httpSetup } from './fake-cluster.ts';

function stats() {
  return {
    ...emptyStats(),
    membersByState: { alive: 3, suspect: 1, leaving: 0, left: 2, failed: 1 },
    probes: { ok: 40, failed: 2 },
    suspicions: 5,
    messagesIn: { ping: 10, 'push-pull': 2 },
    messagesOut: { ack: 9 },
    bytesIn: { ping: 300 },
    bytesOut: { ack: 270 },
    dropped: { HEARSAY_ERR_DECRYPT_FAILED: 4, 'queue-full': 1 },
    broadcastQueueDepth: 6,
    userEvents: { sent: 7, received: 11 },
    queries: { sent: 1, received: 2 },
    healthScore: 1,
  };
}

describe('GET /metrics', () => {
  it('each family with its labels, from cluster.stats() at scrape time', async () => {
    const { app, cluster } = httpSetup();
    cluster.statsValue = stats();
    const res = await app.inject({ url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /^text\/plain; version=0\.0\.4/);
    const lines = new Set(res.body.split('\n'));
    for (const expected of [
      '# TYPE hearsay_members gauge',
      'hearsay_members{state="alive"} 3',
      'hearsay_members{state="suspect"} 1',
      'hearsay_members{state="leaving"} 0',
      'hearsay_members{state="left"} 2',
      'hearsay_members{state="failed"} 1',
      '# TYPE hearsay_probes_total counter',
      'hearsay_probes_total{result="ok"} 40',
      'hearsay_probes_total{result="failed"} 2',
      'hearsay_suspicions_total 5',
      'hearsay_messages_total{direction="in",type="ping"} 10',
      'hearsay_messages_total{direction="in",type="push-pull"} 2',
      'hearsay_messages_total{direction="out",type="ack"} 9',
      'hearsay_bytes_total{direction="in",type="ping"} 300',
      'hearsay_bytes_total{direction="out",type="ack"} 270',
      'hearsay_dropped_packets_total{reason="HEARSAY_ERR_DECRYPT_FAILED"} 4',
      'hearsay_dropped_packets_total{reason="queue-full"} 1',
      '# TYPE hearsay_broadcast_queue_depth gauge',
      'hearsay_broadcast_queue_depth 6',
      'hearsay_user_events_total{direction="out"} 7',
      'hearsay_user_events_total{direction="in"} 11',
      'hearsay_queries_total{direction="out"} 1',
      'hearsay_queries_total{direction="in"} 2',
      'hearsay_health_score 1',
      '# TYPE hearsay_event_latency_seconds histogram',
      'hearsay_event_latency_seconds_count 0',
      '# TYPE hearsay_sse_clients gauge',
      'hearsay_sse_clients_dropped_total 0',
    ]) {
      assert.ok(lines.has(expected), `missing: ${expected}`);
    }
    await app.close();
  });

  it('counters follow the cluster totals; the HTTP side counts requests by route', async () => {
    const { app, cluster } = httpSetup();
    cluster.statsValue = stats();
    await app.inject({ url: '/metrics' });
    cluster.statsValue = { ...stats(), probes: { ok: 41, failed: 2 }, messagesIn: { ping: 12 } };
    await app.inject({ url: '/v1/members?name=x' });
    await app.inject({ url: '/v1/nope' });
    const text = (await app.inject({ url: '/metrics' })).body;
    assert.match(text, /^hearsay_probes_total\{result="ok"\} 41$/m);
    assert.match(text, /^hearsay_messages_total\{direction="in",type="ping"\} 12$/m);
    // A message type gone from the stats is gone from the scrape, not stuck at its last value.
    assert.doesNotMatch(text, /type="push-pull"/);
    assert.match(
      text,
      /^hearsay_http_requests_total\{route="\/v1\/members",method="GET",status="200"\} 1$/m,
    );
    assert.match(
      text,
      /^hearsay_http_requests_total\{route="unmatched",method="GET",status="404"\} 1$/m,
    );
    await app.close();
  });

  it("Node's default process metrics are registered", async () => {
    const metrics = new AgentMetrics({ stats: emptyStats });
    const text = await metrics.text();
    assert.match(text, /^process_cpu_user_seconds_total /m);
    assert.match(text, /^nodejs_heap_size_used_bytes /m);
    assert.match(text, /^nodejs_eventloop_lag_seconds /m);
  });

  it("the default families are prom-client's, CPU counters included, with their help and type", async () => {
    const ours = new AgentMetrics({ stats: emptyStats }).registry;
    const theirs = new Registry();
    collectDefaultMetrics({ register: theirs });
    const shape = (r: Registry) =>
      r.getMetricsAsArray().map((m) => {
        const { name, help, type } = m as unknown as { name: string; help: string; type: string };
        return { name, help, type };
      });
    const hearsayOwn = (m: { name: string }) => !m.name.startsWith('hearsay_');
    assert.deepEqual(
      shape(ours)
        .filter(hearsayOwn)
        .sort((a, b) => a.name.localeCompare(b.name)),
      shape(theirs).sort((a, b) => a.name.localeCompare(b.name)),
    );
  });

  it('the CPU counters count the CPU this process used, user and system adding up', async () => {
    const metrics = new AgentMetrics({ stats: emptyStats });
    const value = (text: string, name: string) =>
      Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    const first = await metrics.text();
    const spinUntil = process.cpuUsage().user + 30_000;
    while (process.cpuUsage().user < spinUntil) Math.sqrt(Math.random());
    const second = await metrics.text();
    const cpu = process.cpuUsage();
    for (const text of [first, second]) {
      const user = value(text, 'process_cpu_user_seconds_total');
      const system = value(text, 'process_cpu_system_seconds_total');
      assert.ok(user > 0 && system >= 0, text);
      assert.ok(Math.abs(value(text, 'process_cpu_seconds_total') - (user + system)) < 1e-9);
    }
    const grew =
      value(second, 'process_cpu_user_seconds_total') -
      value(first, 'process_cpu_user_seconds_total');
    assert.ok(grew >= 0.03, `user CPU grew ${grew} s over a 30 ms spin`);
    assert.ok(value(second, 'process_cpu_user_seconds_total') <= cpu.user / 1e6);
  });

  it("an agent's metrics do not load @opentelemetry/api (prom-client's CPU metric would)", () => {
    const script = `
      const { AgentMetrics } = await import(${JSON.stringify(new URL('../../src/agent/metrics.ts', import.meta.url).href)});
      await new AgentMetrics({ stats: () => { throw new Error('not scraped'); } }).registry;
      const { createRequire } = await import('node:module');
      const cache = createRequire(import.meta.url).cache;
      console.log(JSON.stringify(Object.keys(cache).filter((k) => k.includes('node_modules'))));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    const loaded = JSON.parse(out) as string[];
    assert.ok(
      loaded.some((f) => f.includes('prom-client')),
      'prom-client was loaded',
    );
    assert.deepEqual(
      loaded.filter((f) => f.includes('@opentelemetry')),
      [],
    );
  });

  it('label values from the cluster are escaped, not injected', async () => {
    const { app, cluster } = httpSetup();
    cluster.statsValue = { ...emptyStats(), dropped: { 'a"b\nc\\': 1 } };
    const text = (await app.inject({ url: '/metrics' })).body;
    assert.match(text, /^hearsay_dropped_packets_total\{reason="a\\"b\\nc\\\\"\} 1$/m);
    await app.close();
  });
});
