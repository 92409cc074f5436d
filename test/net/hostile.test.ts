/**
 * Hostile input against a real host running the dissemination protocol: garbage, empty,
 * oversized and unknown-type datagrams from a raw socket, and broken TCP streams. Each kind
 * must be dropped, counted under its error code, logged once per code, and must not make
 * the sender a peer; afterwards the node still takes part in spreading a rumor.
 */

import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import type { DisseminationEvent } from '../../src/dissemination/messages.ts';
import { disseminationSpec } from '../../src/dissemination/spec.ts';
import type { DisseminationHost } from '../../src/net/node-main.ts';
import { PREAMBLE_MAGIC } from '../../src/net/reliable.ts';
import { UdpHost } from '../../src/net/udp-host.ts';
import { until } from './until.ts';

const DEADLINE_MS = 5_000;
const LOOPBACK = '127.0.0.1';
const PACKET_BYTES_MAX = 1_024;

let target: DisseminationHost;
let honest: DisseminationHost;
let raw: Socket;
const targetEvents: DisseminationEvent[] = [];
const warnings: string[] = [];
const errors: string[] = [];

before(async () => {
  const spec = disseminationSpec({ protocol: 'push-pull', periodMs: 20 });
  target = await UdpHost.start({
    spec,
    bind: { host: LOOPBACK, port: 0 },
    seed: 7,
    limits: { packetBytesMax: PACKET_BYTES_MAX, reliable: { frameBytesMax: PACKET_BYTES_MAX } },
    logger: { warn: (m) => warnings.push(m), error: (m) => errors.push(m) },
    onEvent: (e) => targetEvents.push(e),
  });
  honest = await UdpHost.start({
    spec,
    bind: { host: LOOPBACK, port: 0 },
    seed: 8,
    logger: { warn() {}, error() {} },
  });
  raw = createSocket('udp4');
  await new Promise<void>((resolve) => raw.bind(0, LOOPBACK, () => resolve()));
});

after(async () => {
  raw.close();
  await Promise.all([target.stop(), honest.stop()]);
});

function send(bytes: Uint8Array): void {
  raw.send(bytes, target.address.port, LOOPBACK);
}

const drops = (): Record<string, number> => target.stats().droppedByReason;

test('bad datagrams are dropped and counted by reason; each code is logged once', async () => {
  send(new Uint8Array(0)); // empty
  send(new Uint8Array([1])); // header cut short
  send(new Uint8Array([0xff, 4, 0x90])); // wire version from the future
  send(new Uint8Array([1, 99, 0x90])); // unknown message type
  send(new Uint8Array([1, 99, 0x91, 0x00])); // another unknown type: counted, not logged again
  send(new Uint8Array([1, 4, 0xc1, 0xc1, 0xc1])); // syn whose body is not msgpack
  send(new Uint8Array(PACKET_BYTES_MAX + 1).fill(0x41)); // over packetBytesMax
  // Deterministic garbage: a fixed LCG stream, so a failure replays.
  let x = 12345;
  const garbage = new Uint8Array(300).map(() => {
    x = (x * 1103515245 + 12345) >>> 0;
    return x >>> 24;
  });
  garbage[0] = 1; // past the version check, into the body parser
  garbage[1] = 7;
  send(garbage);

  await until(() => target.stats().dropped === 8, DEADLINE_MS, 'eight drops');
  const d = drops();
  assert.equal(d.HEARSAY_ERR_DECODE_TRUNCATED, 2);
  assert.equal(d.HEARSAY_ERR_DECODE_VERSION, 1);
  assert.equal(d.HEARSAY_ERR_DECODE_UNKNOWN_TYPE, 2);
  assert.equal(d.HEARSAY_ERR_DECODE_OVERSIZE, 1);
  assert.equal((d.HEARSAY_ERR_DECODE_MALFORMED ?? 0) + (d.HEARSAY_ERR_DECODE_TRUNCATED ?? 0), 4);
  assert.equal(d.internal, undefined, 'no decoder bug');
  assert.deepEqual(errors, []);
  // One warning per distinct code, naming it.
  const codes = Object.keys(d).sort();
  assert.equal(warnings.length, codes.length);
  for (const code of codes) assert.equal(warnings.filter((w) => w.includes(code)).length, 1);
  // Nothing decoded, so the raw socket did not become a peer.
  assert.deepEqual(target.peerAddresses(), []);
  assert.equal(target.stats().in.messages, 0);
});

test('broken TCP streams are dropped and counted; the connection is closed', async () => {
  const before = target.stats().dropped;
  const port = target.address.port;
  const closed = (bytes: Uint8Array): Promise<void> =>
    new Promise((resolve) => {
      const s = connect({ host: LOOPBACK, port }, () => s.write(bytes));
      s.on('error', () => {});
      s.on('close', () => resolve());
      s.resume();
    });
  // Wrong magic.
  await closed(new Uint8Array([0x47, 0x45, 0x54, 0x20, 0x2f, 0x20]));
  // Good preamble (claims port 9), then a frame announcing 2^31 bytes.
  const oversize = new Uint8Array([...PREAMBLE_MAGIC, 0, 9, 0x80, 0, 0, 0]);
  await closed(oversize);
  await until(() => target.stats().dropped === before + 2, DEADLINE_MS, 'two stream drops');
  assert.equal(drops().HEARSAY_ERR_DECODE_MALFORMED! >= 1, true);
  assert.equal(drops().HEARSAY_ERR_DECODE_OVERSIZE, 2);
  assert.deepEqual(target.peerAddresses(), []);
});

test('after all that, the node still delivers a rumor and passes it on', async () => {
  const addresses = [target, honest].map((h) => `${h.address.host}:${h.address.port}`);
  target.addPeers(addresses);
  honest.addPeers(addresses);
  honest.invoke((p, ctx) => p.publish(ctx, 'after-attack', new Uint8Array([42])));
  await until(
    () => targetEvents.some((e) => e.type === 'deliver' && e.id === 'after-attack'),
    DEADLINE_MS,
    'delivery at the attacked node',
  );
  target.invoke((p, ctx) => p.publish(ctx, 'from-target', new Uint8Array([43])));
  await until(
    () => honest.invoke((p) => p.knows('from-target')),
    DEADLINE_MS,
    'the attacked node spreads its own rumor',
  );
});
