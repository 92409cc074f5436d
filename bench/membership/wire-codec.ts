/**
 * CPU per gossip packet in memberlist's wire format: what every agent pays for each packet
 * it sends and receives while a join burst spreads (a 32-agent join costs the agents about
 * 2 s of CPU in all, on the 2 cores they share).
 *
 *   npx node bench/membership/wire-codec.ts [--packets 20000] [--alive 12]
 *
 * The packet is the kind a join burst fills: a ping, then `--alive` alive messages for
 * members named like the benchmark's agents with Serf-style tags in their meta, and four
 * Serf user messages, compounded, LZW-compressed (both as memberlist's LAN defaults do) and
 * CRC-wrapped. Reported per packet, after a warm-up of the same length:
 *   encode   compound → compress → CRC, as `finishPacket` + `encodePacket` do for each send
 *   decode   CRC check → decompress → every message parsed and checked (`decodePacket`)
 *   lzw      the compression and decompression alone, for scale
 *
 * Then the same packet through the Go peer, wire-codec-go/peer.go: memberlist's path with
 * the libraries Serf is built from (go-msgpack's reflection codec, a decoder or encoder per
 * message as memberlist makes them, compress/lzw, hash/crc32), in the same run, and the
 * ratios. It needs Go and go-msgpack (Debian: golang-go,
 * golang-github-hashicorp-go-msgpack-dev); without them the peer is reported as not run. The
 * peer first checks that re-encoding the packet gives exactly hearsay's bytes.
 */

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { finishPacket } from '../../src/membership/swim/packets.ts';
import { DEFAULT_MEMBERLIST_LIMITS } from '../../src/membership/wire/limits.ts';
import { lzwCompress, lzwDecompress } from '../../src/membership/wire/lzw.ts';
import type { Alive, PacketMessage } from '../../src/membership/wire/messages.ts';
import {
  decodePacket,
  encodePacket,
  encodePacketMessage,
} from '../../src/membership/wire/packet-codec.ts';

const { values } = parseArgs({
  options: {
    packets: { type: 'string', default: '20000' },
    alive: { type: 'string', default: '12' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log('usage: npx node bench/membership/wire-codec.ts [--packets 20000] [--alive 12]');
  process.exit(0);
}
const PACKETS = Number(values.packets);
const ALIVE = Number(values.alive);
for (const [name, v, max] of [
  ['--packets', PACKETS, 10_000_000],
  ['--alive', ALIVE, 100],
] as const) {
  if (!Number.isInteger(v) || v < 1 || v > max) {
    console.error(`${name} must be an integer from 1 to ${max}, got ${v}`);
    process.exit(2);
  }
}

// Serf's tags as memberlist meta: a msgpack map, here {role: "bench"} after Serf's header.
const META = Uint8Array.from([
  0xff, 0x81, 0xa4, 0x72, 0x6f, 0x6c, 0x65, 0xa5, 0x62, 0x65, 0x6e, 0x63, 0x68,
]);
const VSN = [1, 5, 5, 2, 5, 4] as const;

function alive(i: number): Alive {
  return {
    type: 'alive',
    incarnation: 1 + (i % 3),
    node: `bench-${String(i).padStart(2, '0')}`,
    addr: Uint8Array.from([127, 0, 0, 1]),
    port: 40_000 + i,
    meta: META,
    vsn: VSN,
  };
}

function packet(): PacketMessage {
  const parts: PacketMessage[] = [
    {
      type: 'ping',
      seqNo: 4242,
      node: 'bench-07',
      sourceAddr: Uint8Array.from([127, 0, 0, 1]),
      sourcePort: 40_001,
      sourceNode: 'bench-01',
    },
  ];
  for (let i = 0; i < ALIVE; i++) parts.push(alive(i));
  for (let i = 0; i < 4; i++) {
    // A Serf join intent's size and shape: type byte, then a small msgpack map.
    const payload = new Uint8Array(24 + i);
    payload[0] = 0x01;
    payload[1] = 0x82;
    parts.push({ type: 'user', payload });
  }
  return { type: 'compound', parts };
}

function perPacketUs(run: () => void): number {
  for (let i = 0; i < PACKETS; i++) run();
  const t0 = performance.now();
  for (let i = 0; i < PACKETS; i++) run();
  return ((performance.now() - t0) * 1000) / PACKETS;
}

const message = packet();
const wire = encodePacket(finishPacket(message, true, true));
const plain = encodePacketMessage(message);
const lzw = lzwCompress(plain);
// What is timed must be the real thing: the wire bytes decode back to every part.
const back = decodePacket(wire, DEFAULT_MEMBERLIST_LIMITS);
const parts =
  back.type === 'hasCrc' && back.message.type === 'compress' ? back.message.message : null;
if (parts?.type !== 'compound' || parts.parts.length !== ALIVE + 5) {
  throw new Error('wire-codec: the packet does not decode to the message it was built from');
}
let sink = 0;

const rows: [string, number][] = [
  ['encode', perPacketUs(() => (sink += encodePacket(finishPacket(packet(), true, true)).length))],
  [
    'decode',
    perPacketUs(() => (sink += decodePacket(wire, DEFAULT_MEMBERLIST_LIMITS).type.length)),
  ],
  ['lzw compress', perPacketUs(() => (sink += lzwCompress(plain).length))],
  ['lzw decompress', perPacketUs(() => (sink += lzwDecompress(lzw, 65536).length))],
];

console.log(
  `packet: ping + ${ALIVE} alive + 4 user, ${plain.length} bytes plain, ${wire.length} on the wire; ` +
    `${PACKETS} packets after as many to warm up (${sink} bytes and names' lengths summed)`,
);
console.log('| step | µs per packet |');
console.log('| --- | --- |');
for (const [name, us] of rows) console.log(`| ${name} | ${us.toFixed(1)} |`);

/** The Go peer's figures, or why it did not run. */
function goPeer(): { encodeUs: number; decodeUs: number } | string {
  const gopath = '/usr/share/gocode';
  if (!existsSync(`${gopath}/src/github.com/hashicorp/go-msgpack/codec`)) {
    return 'go-msgpack not installed (Debian: golang-github-hashicorp-go-msgpack-dev)';
  }
  const dir = mkdtempSync(join(tmpdir(), 'hearsay-wire-codec-'));
  try {
    const packetFile = join(dir, 'packet.bin');
    writeFileSync(packetFile, wire);
    const out = execFileSync('go', ['run', 'peer.go', packetFile, String(PACKETS)], {
      cwd: new URL('./wire-codec-go/', import.meta.url),
      env: { ...process.env, GO111MODULE: 'off', GOPATH: gopath },
      encoding: 'utf8',
      timeout: 300_000,
    });
    return JSON.parse(out) as { encodeUs: number; decodeUs: number };
  } catch (err) {
    return `go run failed: ${(err as Error).message.split('\n')[0]}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const peer = goPeer();
console.log('');
if (typeof peer === 'string') {
  console.log(`Go peer (memberlist's path): not run, ${peer}.`);
} else {
  const ours = new Map(rows);
  console.log("Go peer (memberlist's path, go-msgpack + compress/lzw), same packet, same run:");
  console.log('');
  console.log('| step | hearsay µs | Go peer µs | hearsay / Go |');
  console.log('| --- | --- | --- | --- |');
  for (const [step, goUs] of [
    ['encode', peer.encodeUs],
    ['decode', peer.decodeUs],
  ] as const) {
    const us = ours.get(step)!;
    console.log(`| ${step} | ${us.toFixed(1)} | ${goUs.toFixed(1)} | ${(us / goUs).toFixed(2)} |`);
  }
}
