/**
 * Every message our nodes put on the wire in a busy run (joins, probes with piggybacked
 * gossip, indirect probes, nacks, TCP pings, suspicion, refutation, leave, push/pull,
 * user messages, compression on) re-encodes through the memberlist codec and decodes
 * back equal: the real host can send all of them. Streams are encoded as streams.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isStreamOnly, swimMessageBytes } from '../../../src/membership/swim/sizes.ts';
import { encodeSwimMessage, simNodeName, swimTypeOf } from '../../../src/membership/swim/spec.ts';
import type { SwimMessage } from '../../../src/membership/types.ts';
import { DEFAULT_MEMBERLIST_LIMITS } from '../../../src/membership/wire/limits.ts';
import type { Packet, Stream } from '../../../src/membership/wire/messages.ts';
import { decodePacket } from '../../../src/membership/wire/packet-codec.ts';
import { decodeStream } from '../../../src/membership/wire/stream-codec.ts';
import { cluster, type SendHow } from './harness.ts';

function isStream(m: SwimMessage): boolean {
  return isStreamOnly(m) || (m.type === 'compress' && isStreamOnly(m.message));
}

test('every message sent in a busy run round-trips through the wire codec', () => {
  const sent: { msg: SwimMessage; how: SendHow }[] = [];
  const c = cluster(8, {
    seed: 61,
    network: { latency: { kind: 'uniform', minMs: 1, maxMs: 5 }, loss: 0.05 },
    tap: { record: (_f, _t, msg, how) => sent.push({ msg, how }) },
    spec: {
      delegateFor: () => ({
        getBroadcasts: () => [new Uint8Array([1, 2, 3])],
        localState: () => new Uint8Array([9, 9]),
        ackPayload: () => new Uint8Array([7]),
      }),
    },
  });
  c.joinAll();
  c.sim.run(8000);
  c.sim.partition([7]);
  c.sim.run(c.sim.now + 2500);
  c.sim.repair();
  c.sim.crash(6);
  c.sim.invoke(1, (p, ctx) => {
    p.sendUser(ctx, simNodeName(2), new Uint8Array([42]), false);
    p.sendUser(ctx, simNodeName(2), new Uint8Array([43]), true);
  });
  c.sim.invoke(5, (p, ctx) => p.leave(ctx));
  c.sim.run(c.sim.now + 40_000);

  const types = new Set<string>();
  for (const { msg, how } of sent) {
    const stream = how === 'reliable' || (how === 'reply' && isStream(msg));
    const bytes = encodeSwimMessage(msg, stream);
    const back = stream
      ? decodeStream(bytes, DEFAULT_MEMBERLIST_LIMITS)
      : decodePacket(bytes, DEFAULT_MEMBERLIST_LIMITS);
    assert.deepEqual(back, msg as Packet | Stream);
    if (!stream || msg.type !== 'compress') assert.equal(swimMessageBytes(msg), bytes.length);
    types.add(`${stream ? 'stream' : 'packet'}:${msg.type}:${swimTypeOf(msg)}`);
  }
  // The run exercised the interesting shapes.
  for (const t of ['packet:compound', 'packet:hasCrc', 'packet:compress', 'stream:compress']) {
    assert.ok(
      [...types].some((x) => x.startsWith(t)),
      `${t} in ${[...types].join(' ')}`,
    );
  }
  for (const t of [':indirectPing', ':nack', ':suspect', ':dead', ':alive', ':user', ':pushPull']) {
    assert.ok(
      [...types].some((x) => x.endsWith(t)),
      `${t} in ${[...types].join(' ')}`,
    );
  }
  assert.ok(sent.length > 1000);
});
