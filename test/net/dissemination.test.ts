/**
 * The dissemination protocol on real sockets, in one process: three `UdpHost`s on
 * 127.0.0.1 port 0 running push-pull with a 20 ms period. A rumor published at one must
 * reach the others, each delivering it exactly once, with the traffic counted by type.
 */

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { DisseminationEvent } from '../../src/dissemination/messages.ts';
import { disseminationSpec } from '../../src/dissemination/spec.ts';
import type { DisseminationHost } from '../../src/net/node-main.ts';
import { UdpHost } from '../../src/net/udp-host.ts';
import { until } from './until.ts';

const DEADLINE_MS = 5_000;
const hosts: DisseminationHost[] = [];

after(async () => {
  await Promise.all(hosts.map((h) => h.stop()));
});

async function cluster(
  n: number,
  config: Parameters<typeof disseminationSpec>[0],
): Promise<{ events: DisseminationEvent[][]; addresses: string[] }> {
  const spec = disseminationSpec(config);
  const events: DisseminationEvent[][] = [];
  for (let i = 0; i < n; i++) {
    const mine: DisseminationEvent[] = [];
    events.push(mine);
    hosts.push(
      await UdpHost.start({
        spec,
        bind: { host: '127.0.0.1', port: 0 },
        seed: 100 + i,
        onEvent: (e) => mine.push(e),
      }),
    );
  }
  const addresses = hosts.slice(-n).map((h) => `${h.address.host}:${h.address.port}`);
  for (const h of hosts.slice(-n)) h.addPeers(addresses);
  return { events, addresses };
}

const delivered = (evs: DisseminationEvent[], id: string): DisseminationEvent[] =>
  evs.filter((e) => e.type === 'deliver' && e.id === id);

test('push-pull over UDP: a rumor published at one of three hosts reaches all', async () => {
  const { events } = await cluster(3, { protocol: 'push-pull', periodMs: 20 });
  const three = hosts.slice(-3);
  for (const h of three) assert.equal(h.peerAddresses().length, 2);
  const data = new TextEncoder().encode('hello over udp');
  assert.equal(
    three[0]!.invoke((p, ctx) => p.publish(ctx, 'r1', data)),
    true,
  );
  await until(
    () => events.every((evs) => delivered(evs, 'r1').length > 0),
    DEADLINE_MS,
    'r1 delivered at all three hosts',
  );
  for (const evs of events) {
    const d = delivered(evs, 'r1');
    assert.equal(d.length, 1, 'delivered exactly once');
    const e = d[0]!;
    assert.ok(e.type === 'deliver');
    assert.deepEqual([...e.data], [...data]);
  }
  // Each receiver got the rumor in one hop or two, through a digest exchange.
  for (const evs of events.slice(1)) {
    const e = delivered(evs, 'r1')[0]!;
    assert.ok(e.type === 'deliver' && e.hops >= 1 && e.hops <= 2);
  }
  const out = three.map((h) => h.stats().out.messagesByType);
  assert.ok(
    out.every((m) => (m.syn ?? 0) > 0),
    'every node started digest exchanges',
  );
  assert.equal(
    three.reduce((sum, h) => sum + h.stats().dropped, 0),
    0,
    'no drops among honest nodes',
  );
});
