/**
 * Memory per member: one process holding a member table of 10,000 members.
 *
 * One SWIM node, and one Serf node (SWIM plus Serf's member table, what `hearsay agent`
 * runs), each learn N members from a single push/pull, the way a node joining a big cluster
 * does. The heap is measured after a forced GC before and after, so the difference is what
 * the tables keep; divided by N it is the cost per member. Each member carries Serf-encoded
 * tags (`role`, `dc`: 28 bytes of meta), as in an agent cluster.
 *
 *   npx node --expose-gc bench/membership/member-memory.ts [--members 10000]
 *
 * No timers run: the fake context only records outputs, so the figure is the resting state
 * of the tables, not queues in flight.
 */

import type { Context, NodeId } from '../../src/core/protocol.ts';
import { Rng } from '../../src/core/rng.ts';

import { SwimNode } from '../../src/membership/swim/node.ts';
import { simAddressMap, simAddressOf, simSwimConfig } from '../../src/membership/swim/spec.ts';
import type { SwimMessage } from '../../src/membership/types.ts';
import type { PushNodeState } from '../../src/membership/wire/messages.ts';
import { encodeTags } from '../../src/membership/wire/serf/tags.ts';
import { SerfNode } from '../../src/serf/node.ts';
import { simSerfConfig } from '../../src/serf/spec.ts';

const argIndex = process.argv.indexOf('--members');
const MEMBERS = argIndex > 0 ? Number(process.argv[argIndex + 1]) : 10_000;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error('run with --expose-gc: npx node --expose-gc bench/membership/member-memory.ts');
  process.exit(2);
}

function fakeContext(self: NodeId): Context<SwimMessage> {
  const rng = new Rng(7);
  return {
    self,
    now: 1_000,
    rng,
    peerCount: 0,
    randomPeer: () => -1,
    randomPeers: (_k, out) => {
      out.length = 0;
      return out;
    },
    send: () => {},
    sendReliable: () => {},
    reply: () => {},
    setTimer: () => {},
    cancelTimer: () => {},
    emit: () => {},
  };
}

function states(n: number): PushNodeState[] {
  const out: PushNodeState[] = [];
  for (let i = 1; i <= n; i++) {
    const a = simAddressOf(i);
    out.push({
      name: `node-${i}`,
      addr: a.ip,
      port: a.port,
      meta: encodeTags(
        new Map([
          ['role', 'web'],
          ['dc', `dc${i % 4}`],
        ]),
      ),
      incarnation: 1,
      state: 0,
      vsn: [1, 5, 2, 2, 5, 5],
    });
  }
  return out;
}

function heapBytes(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

function measure(
  label: string,
  make: () => {
    start(ctx: Context<SwimMessage>): void;
    handleMessage(ctx: Context<SwimMessage>, from: NodeId, m: SwimMessage): void;
    members(): unknown[];
  },
): { label: string; members: number; bytesPerMember: number } {
  const ctx = fakeContext(0);
  const node = make();
  node.start(ctx);
  // Measured before the states are built: whatever the tables keep of the message (names,
  // address and meta bytes) counts as theirs.
  const before = heapBytes();
  node.handleMessage(ctx, 1, {
    type: 'pushPull',
    join: false,
    nodes: states(MEMBERS),
    userState: new Uint8Array(0),
  });
  const after = heapBytes();
  const members = node.members().length;
  return { label, members, bytesPerMember: (after - before) / MEMBERS };
}

const addresses = simAddressMap();
const swim = measure('SWIM node (memberlist table)', () => {
  const config = simSwimConfig(0);
  return new SwimNode(config, { addresses });
});
const serf = measure('Serf node (SWIM + Serf members)', () => {
  const c = simSerfConfig(0);
  return new SerfNode(c.serf, c.swim, { addresses });
});

console.log(`members per table: ${MEMBERS}`);
console.log('| node | members known | heap per member |');
console.log('| --- | --- | --- |');
for (const r of [swim, serf]) {
  console.log(`| ${r.label} | ${r.members} | ${(r.bytesPerMember / 1024).toFixed(2)} KiB |`);
}
console.log(`total RSS: ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
