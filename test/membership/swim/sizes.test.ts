import assert from 'node:assert/strict';
import { test } from 'node:test';
import { swimMessageBytes } from '../../../src/membership/swim/sizes.ts';
import { encodeSwimMessage } from '../../../src/membership/swim/spec.ts';
import type { SwimMessage } from '../../../src/membership/types.ts';
import type { PacketMessage, PushNodeState } from '../../../src/membership/wire/messages.ts';

const ip = new Uint8Array([10, 0, 0, 1]);
const ip6 = new Uint8Array(16).fill(7);

function variants(): SwimMessage[] {
  const names = ['', 'a', 'node-12', 'x'.repeat(31), 'y'.repeat(32), 'ünïcødé-名前-😀'];
  const numbers = [0, 1, 127, 128, 255, 256, 65_535, 65_536, 0xffffffff];
  const out: SwimMessage[] = [];
  for (const name of names) {
    for (const n of numbers) {
      const port = n & 0xffff;
      out.push({
        type: 'ping',
        seqNo: n,
        node: name,
        sourceAddr: ip,
        sourcePort: port,
        sourceNode: name,
      });
      out.push({
        type: 'ping',
        seqNo: n,
        node: name,
        sourceAddr: new Uint8Array(0),
        sourcePort: 0,
        sourceNode: '',
      });
      out.push({
        type: 'indirectPing',
        seqNo: n,
        target: ip6,
        port,
        node: name,
        nack: n % 2 === 0,
        sourceAddr: ip,
        sourcePort: port,
        sourceNode: name,
      });
      out.push({ type: 'ack', seqNo: n, payload: null });
      out.push({ type: 'ack', seqNo: n, payload: new Uint8Array(n % 300) });
      out.push({ type: 'nack', seqNo: n });
      out.push({ type: 'suspect', incarnation: n, node: name, from: name });
      out.push({ type: 'dead', incarnation: n, node: name, from: 'z' });
      out.push({
        type: 'alive',
        incarnation: n,
        node: name,
        addr: n % 2 ? ip : ip6,
        port,
        meta: n % 3 === 0 ? null : new Uint8Array(n % 513),
        vsn: n % 2 ? [1, 5, 2, 2, 5, 5] : null,
      });
      out.push({ type: 'err', error: name });
    }
  }
  out.push({ type: 'user', payload: new Uint8Array(70_000) });
  const parts = out.filter((m): m is PacketMessage => m.type !== 'err').slice(0, 20);
  out.push({ type: 'compound', parts });
  out.push({ type: 'hasCrc', message: { type: 'compound', parts: parts.slice(0, 3) } });
  out.push({ type: 'compress', message: { type: 'compound', parts } });
  const nodes: PushNodeState[] = parts
    .filter((m) => m.type === 'alive')
    .map((a, i) => ({
      name: a.node,
      addr: a.addr,
      port: a.port,
      meta: a.meta,
      incarnation: a.incarnation,
      state: i % 4,
      vsn: a.vsn,
    }));
  for (const count of [0, 1, 15, 16, 40]) {
    const ns = Array.from({ length: count }, (_, i) => nodes[i % nodes.length]!);
    out.push({
      type: 'pushPull',
      join: count % 2 === 0,
      nodes: ns,
      userState: new Uint8Array(count * 3),
    });
  }
  out.push({
    type: 'compress',
    message: { type: 'pushPull', join: true, nodes, userState: new Uint8Array(5) },
  });
  return out;
}

test('swimMessageBytes equals the encoded length of every message shape', () => {
  let checked = 0;
  for (const m of variants()) {
    assert.equal(
      swimMessageBytes(m),
      encodeSwimMessage(m, false).length,
      JSON.stringify(m).slice(0, 200),
    );
    checked++;
  }
  assert.ok(checked > 500);
});
