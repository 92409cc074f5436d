/**
 * The memberlist host on 127.0.0.1 port 0, driven by the echo protocol (echo-protocol.ts):
 * UDP round trips, TCP request/answer on one connection, encryption (same key, wrong key,
 * one side plaintext), keyring rotation, hostile datagrams and streams, the inbound stream
 * limit, failures reported to `onStreamFailure`, and the address map under a flood of
 * source ports. Conditions are polled with a deadline, never slept on.
 */

import assert from 'node:assert/strict';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, test } from 'node:test';
import type { NodeId } from '../../../src/core/protocol.ts';
import type { SwimMessage } from '../../../src/membership/types.ts';
import { DEFAULT_MEMBERLIST_LIMITS } from '../../../src/membership/wire/limits.ts';
import type { Stream } from '../../../src/membership/wire/messages.ts';
import { encodePacket } from '../../../src/membership/wire/packet-codec.ts';
import { decodeStream, encodeStream } from '../../../src/membership/wire/stream-codec.ts';
import {
  MemberlistHost as Host,
  type MemberlistHost,
  type MemberlistHostOptions,
  type StreamFailure,
} from '../../../src/net/memberlist/host.ts';
import { ipBytes } from '../../../src/net/memberlist/ip.ts';
import { Keyring } from '../../../src/net/security/keyring.ts';
import { openStream } from '../../../src/net/security/seal.ts';
import type { HostLogger } from '../../../src/net/udp-host.ts';
import { until } from '../until.ts';
import {
  ANSWER_MARK,
  type EchoEvent,
  EchoProtocol,
  type EchoTimer,
  ping,
  pushPull,
} from './echo-protocol.ts';

type EchoHost = MemberlistHost<EchoTimer, EchoEvent, EchoProtocol>;

const DEADLINE_MS = 5_000;
const LOOPBACK = '127.0.0.1';
const KEY1 = new Uint8Array(32).fill(1);
const KEY2 = new Uint8Array(16).fill(2);

interface Started {
  readonly host: EchoHost;
  readonly echo: EchoProtocol;
  readonly warnings: string[];
  readonly errors: string[];
  readonly failures: StreamFailure[];
}

const hosts: EchoHost[] = [];
const closers: (() => void)[] = [];

afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.stop()));
  for (const close of closers.splice(0)) close();
});

async function startEcho(
  options: Partial<
    Omit<MemberlistHostOptions<EchoTimer, EchoEvent, EchoProtocol>, 'protocol'>
  > = {},
): Promise<Started> {
  const warnings: string[] = [];
  const errors: string[] = [];
  const failures: StreamFailure[] = [];
  const logger: HostLogger = {
    warn: (m) => warnings.push(m),
    error: (m, err) => errors.push(`${m} ${err instanceof Error ? err.stack : ''}`),
  };
  const host = await Host.start<EchoTimer, EchoEvent, EchoProtocol>({
    bind: { host: LOOPBACK, port: 0 },
    seed: 7,
    logger,
    onStreamFailure: (f) => failures.push(f),
    ...options,
    protocol: () => new EchoProtocol(),
  });
  hosts.push(host);
  return { host, echo: host.protocol, warnings, errors, failures };
}

/** The id `from` uses for `to`'s address. */
function idOf(from: EchoHost, to: EchoHost): NodeId {
  return from.addresses.idOf(ipBytes(LOOPBACK)!, to.address.port);
}

function errorText(msg: SwimMessage): string {
  return msg.type === 'err' ? msg.error : `(a ${msg.type}, not an err)`;
}

function drops(h: EchoHost, reason: string): number {
  return h.stats().droppedByReason[reason] ?? 0;
}

async function rawUdp(): Promise<UdpSocket> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, LOOPBACK, () => resolve()));
  closers.push(() => s.close());
  return s;
}

function rawTcp(
  port: number,
): Promise<{ socket: Socket; received: () => Uint8Array; closed: () => boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let isClosed = false;
    const socket = connect({ host: LOOPBACK, port }, () =>
      resolve({ socket, received: () => Buffer.concat(chunks), closed: () => isClosed }),
    );
    socket.on('data', (c) => chunks.push(c));
    socket.on('close', () => {
      isClosed = true;
    });
    socket.on('error', (err) => {
      if (!isClosed) reject(err);
    });
    closers.push(() => socket.destroy());
  });
}

describe('memberlist host: plaintext', () => {
  test('a UDP ping is answered with an ack from the same id; types and bytes are counted', async () => {
    const a = await startEcho();
    const b = await startEcho();
    assert.notEqual(a.host.address.port, 0);
    const toB = idOf(a.host, b.host);
    a.host.invoke((_p, ctx) => ctx.send(toB, ping(42)));
    await until(() => a.echo.received.length === 1, DEADLINE_MS, 'the ack');
    const got = a.echo.received[0]!;
    assert.equal(got.from, toB);
    assert.equal(got.msg.type, 'ack');
    assert.equal(got.msg.type === 'ack' && got.msg.seqNo, 42);
    // B saw the ping from A's bound address, which now has an id in B's map.
    assert.equal(b.echo.received[0]!.from, idOf(b.host, a.host));
    assert.equal(a.host.stats().out.messagesByType['udp:ping'], 1);
    assert.equal(a.host.stats().in.messagesByType['udp:ack'], 1);
    assert.equal(b.host.stats().in.messagesByType['udp:ping'], 1);
  });

  test('a TCP push/pull is answered on the same connection and delivered from the dialled id', async () => {
    const a = await startEcho();
    const b = await startEcho();
    const toB = idOf(a.host, b.host);
    a.host.invoke((_p, ctx) => ctx.sendReliable(toB, pushPull(true)));
    await until(() => a.echo.received.length === 1, DEADLINE_MS, 'the push/pull answer');
    const got = a.echo.received[0]!;
    assert.equal(got.from, toB);
    assert.equal(got.msg.type, 'pushPull');
    assert.ok(got.msg.type === 'pushPull' && got.msg.join);
    assert.equal(got.msg.type === 'pushPull' && got.msg.userState[0], ANSWER_MARK);
    // The request reached B from an ephemeral port, not from A's listening address.
    const request = b.echo.received[0]!;
    assert.notEqual(request.from, idOf(b.host, a.host));
    assert.equal(a.failures.length, 0);
    await until(
      () => b.host.stats().out.messagesByType['tcp:pushPull'] === 1,
      DEADLINE_MS,
      'B counted its answer',
    );
  });

  test('a TCP ping gets its ack; a stream user message needs no answer', async () => {
    const a = await startEcho();
    const b = await startEcho();
    const toB = idOf(a.host, b.host);
    a.host.invoke((_p, ctx) => {
      ctx.sendReliable(toB, ping(5));
      ctx.sendReliable(toB, { type: 'user', payload: new Uint8Array([1]) });
    });
    await until(
      () => a.echo.received.length === 1 && b.echo.received.length === 2,
      DEADLINE_MS,
      'ack and user message',
    );
    assert.equal(a.echo.received[0]!.msg.type, 'ack');
    await until(
      () => a.host.stats().in.messagesByType['tcp:ack'] === 1,
      DEADLINE_MS,
      'ack counted',
    );
    assert.deepEqual(a.failures, []);
  });

  test('a reply beyond the first on a stream is refused and counted', async () => {
    const a = await startEcho();
    const b = await startEcho();
    b.echo.replyTwice = true;
    a.host.invoke((_p, ctx) => ctx.sendReliable(idOf(a.host, b.host), ping(1)));
    await until(
      () => drops(b.host, 'reply-unavailable') === 1,
      DEADLINE_MS,
      'second reply refused',
    );
    await until(() => a.echo.received.length === 1, DEADLINE_MS, 'the one ack');
  });

  test('timers fire once per arm; the context is dead outside a call', async () => {
    const a = await startEcho();
    a.host.invoke((_p, ctx) => {
      ctx.setTimer('tick', 50);
      ctx.setTimer('tick', 1); // replaces the first
    });
    await until(() => a.echo.ticks === 1, DEADLINE_MS, 'one tick');
    let leaked: { now: number } | undefined;
    a.host.invoke((_p, ctx) => {
      leaked = ctx;
    });
    assert.throws(() => leaked!.now, /outside a protocol call/);
  });

  test('a connection refused is reported to onStreamFailure and counted', async () => {
    const a = await startEcho();
    const gone = await startEcho();
    const port = gone.host.address.port;
    await gone.host.stop();
    const to = a.host.addresses.idOf(ipBytes(LOOPBACK)!, port);
    a.host.invoke((_p, ctx) => ctx.sendReliable(to, pushPull(true)));
    await until(() => a.failures.length === 1, DEADLINE_MS, 'the failure');
    assert.equal(a.failures[0]!.reason, 'refused');
    assert.equal(a.failures[0]!.endpoint, `${LOOPBACK}:${port}`);
    assert.equal(drops(a.host, 'stream-connect'), 1);
    // The protocol learns it at once, as an err answer from the id it dialled.
    await until(() => a.echo.received.length === 1, DEADLINE_MS, 'the err answer');
    assert.equal(a.echo.received[0]!.from, to);
    assert.match(errorText(a.echo.received[0]!.msg), /connection refused/);
  });

  test('a push/pull closed without an answer is reported as no-answer', async () => {
    const a = await startEcho();
    const b = await startEcho();
    b.echo.answer = false;
    a.host.invoke((_p, ctx) => ctx.sendReliable(idOf(a.host, b.host), pushPull(true)));
    await until(() => a.failures.length === 1, DEADLINE_MS, 'the failure');
    assert.equal(a.failures[0]!.reason, 'no-answer');
    assert.match(a.failures[0]!.detail, /closed it without answering/);
  });

  test('a peer that never answers times out after tcpTimeoutMs', async () => {
    const a = await startEcho({ limits: { tcpTimeoutMs: 150 } });
    // A listener that accepts and stays silent.
    const { createServer } = await import('node:net');
    const silent = createServer((s) => closers.push(() => s.destroy()));
    await new Promise<void>((resolve) => silent.listen(0, LOOPBACK, () => resolve()));
    closers.push(() => silent.close());
    const port = (silent.address() as { port: number }).port;
    a.host.invoke((_p, ctx) =>
      ctx.sendReliable(a.host.addresses.idOf(ipBytes(LOOPBACK)!, port), ping(1)),
    );
    await until(() => a.failures.length === 1, DEADLINE_MS, 'the timeout');
    assert.equal(a.failures[0]!.reason, 'timeout');
    assert.equal(drops(a.host, 'stream-timeout'), 1);
  });

  test('sending to an unknown id is dropped and counted, not thrown', async () => {
    const a = await startEcho();
    a.host.invoke((_p, ctx) => {
      ctx.send(12345, ping(1));
      ctx.sendReliable(12345, ping(2));
    });
    assert.equal(drops(a.host, 'send-unknown-peer'), 2);
    assert.equal(a.failures[0]!.reason, 'unknown-peer');
  });

  test('a stream message sent by UDP is a protocol bug: an assertion in the call; node stays up', async () => {
    const a = await startEcho();
    const b = await startEcho();
    const toB = idOf(a.host, b.host);
    assert.throws(
      () => a.host.invoke((_p, ctx) => ctx.send(toB, pushPull(false))),
      /that is a stream message/,
    );
    assert.throws(
      () => a.host.invoke((_p, ctx) => ctx.sendReliable(toB, { type: 'nack', seqNo: 1 })),
      /that is a packet message/,
    );
    a.host.invoke((_p, ctx) => ctx.send(toB, ping(3)));
    await until(() => a.echo.received.length === 1, DEADLINE_MS, 'the ack after the bug');
  });
});

describe('memberlist host: encryption', () => {
  test('same key: UDP and TCP work, datagrams are sealed (version 1, 29 bytes overhead)', async () => {
    const a = await startEcho({ keys: [KEY1] });
    const b = await startEcho({ keys: [KEY1] });
    const toB = idOf(a.host, b.host);
    a.host.invoke((_p, ctx) => {
      ctx.send(toB, ping(1));
      ctx.sendReliable(toB, pushPull(true));
    });
    await until(() => a.echo.received.length === 2, DEADLINE_MS, 'ack and push/pull answer');
    assert.deepEqual(a.failures, []);
    // What goes on the wire: send to a raw socket and look.
    const raw = await rawUdp();
    const seen: Buffer[] = [];
    raw.on('message', (m) => seen.push(m));
    const toRaw = a.host.addresses.idOf(ipBytes(LOOPBACK)!, raw.address().port);
    a.host.invoke((_p, ctx) => ctx.send(toRaw, ping(9)));
    await until(() => seen.length === 1, DEADLINE_MS, 'the sealed datagram');
    assert.equal(seen[0]![0], 1);
    assert.equal(seen[0]!.length, encodePacket(ping(9)).length + 29);
  });

  test('wrong key: datagrams are dropped as DECRYPT_FAILED; a push/pull fails as undecryptable-answer', async () => {
    const a = await startEcho({ keys: [KEY1] });
    const b = await startEcho({ keys: [KEY2] });
    const toB = idOf(a.host, b.host);
    a.host.invoke((_p, ctx) => ctx.send(toB, ping(1)));
    await until(
      () => drops(b.host, 'HEARSAY_ERR_DECRYPT_FAILED') === 1,
      DEADLINE_MS,
      'the UDP drop',
    );
    a.host.invoke((_p, ctx) => ctx.sendReliable(toB, pushPull(true)));
    await until(() => a.failures.length === 1, DEADLINE_MS, 'the failure');
    assert.equal(a.failures[0]!.reason, 'undecryptable-answer');
    assert.match(a.failures[0]!.detail, /another encryption key/);
    assert.equal(drops(b.host, 'HEARSAY_ERR_DECRYPT_FAILED'), 2);
    assert.equal(b.echo.received.length, 0);
    // A's protocol got the failure as an err answer from B's id.
    await until(() => a.echo.received.length === 1, DEADLINE_MS, 'the err answer');
    assert.equal(a.echo.received[0]!.from, toB);
    assert.match(errorText(a.echo.received[0]!.msg), /another encryption key/);
    assert.ok(b.warnings.some((w) => w.includes('HEARSAY_ERR_DECRYPT_FAILED')));
  });

  test("plaintext member to encrypted member: refused with memberlist's reason, both ways", async () => {
    const plain = await startEcho();
    const secret = await startEcho({ keys: [KEY1] });
    plain.host.invoke((_p, ctx) => ctx.sendReliable(idOf(plain.host, secret.host), pushPull(true)));
    await until(() => plain.failures.length === 1, DEADLINE_MS, 'plain side failure');
    assert.equal(plain.failures[0]!.reason, 'encrypted-answer');
    secret.host.invoke((_p, ctx) =>
      ctx.sendReliable(idOf(secret.host, plain.host), pushPull(true)),
    );
    await until(() => secret.failures.length === 1, DEADLINE_MS, 'encrypted side failure');
    assert.equal(secret.failures[0]!.reason, 'plaintext-answer');
    assert.match(
      secret.failures[0]!.detail,
      /Remote state is encrypted and encryption is not configured/,
    );
    // A plaintext datagram to the encrypted member is dropped (GossipVerifyIncoming).
    plain.host.invoke((_p, ctx) => ctx.send(idOf(plain.host, secret.host), ping(1)));
    await until(
      () => drops(secret.host, 'HEARSAY_ERR_DECRYPT_FAILED') >= 2,
      DEADLINE_MS,
      'the UDP drop',
    );
    // What secret's protocol got: only the err standing for its own failed push/pull.
    assert.deepEqual(
      secret.echo.received.map((r) => r.msg.type),
      ['err'],
    );
  });

  test('gossipVerifyIncoming false accepts plaintext while encrypting', async () => {
    const plain = await startEcho();
    const rolling = await startEcho({ keys: [KEY1], gossipVerifyIncoming: false });
    plain.host.invoke((_p, ctx) => ctx.send(idOf(plain.host, rolling.host), ping(1)));
    await until(() => rolling.echo.received.length === 1, DEADLINE_MS, 'the plaintext ping');
  });

  test('keyring rotation: install everywhere, use the new key, remove the old', async () => {
    const a = await startEcho({ keys: [KEY1] });
    const b = await startEcho({ keys: [KEY1] });
    for (const h of [a.host, b.host]) h.installKey(KEY2);
    a.host.useKey(KEY2);
    assert.deepEqual(a.host.keys(), [KEY2, KEY1]);
    assert.deepEqual(b.host.keys(), [KEY1, KEY2]);
    const toB = idOf(a.host, b.host);
    a.host.invoke((_p, ctx) => ctx.sendReliable(toB, pushPull(true)));
    await until(() => a.echo.received.length === 1, DEADLINE_MS, 'exchange across primaries');
    b.host.useKey(KEY2);
    a.host.removeKey(KEY1);
    b.host.removeKey(KEY1);
    assert.throws(() => a.host.removeKey(KEY2), { name: 'ConfigError' });
    a.host.invoke((_p, ctx) => ctx.send(toB, ping(2)));
    await until(() => a.echo.received.length === 2, DEADLINE_MS, 'ack under the new key');
    const plain = await startEcho();
    assert.throws(() => plain.host.installKey(KEY1), /encryption is not enabled/);
    assert.equal(plain.host.encryptionEnabled, false);
  });

  test('a bad key in the options is a ConfigError naming it', async () => {
    await assert.rejects(startEcho({ keys: [new Uint8Array(7)] }), {
      name: 'ConfigError',
      field: 'keyring.primary',
    });
  });
});

describe('memberlist host: hostile input', () => {
  test('garbage, truncated, oversized and wrong-CRC datagrams are counted; the node still answers', async () => {
    const b = await startEcho({ wireLimits: { packetBytesMax: 512 } });
    const raw = await rawUdp();
    const acks: Buffer[] = [];
    raw.on('message', (m) => acks.push(m));
    const send = (bytes: Uint8Array): void => raw.send(bytes, b.host.address.port, LOOPBACK);
    const good = encodePacket({ type: 'hasCrc', message: ping(1) });
    const badCrc = good.slice();
    badCrc[1]! ^= 0xff;
    send(new Uint8Array([0xee, 1, 2, 3])); // unknown type
    send(encodePacket(ping(1)).subarray(0, 6)); // truncated
    send(new Uint8Array(600)); // over packetBytesMax
    send(badCrc);
    send(new Uint8Array(0));
    send(good);
    await until(() => acks.length === 1, DEADLINE_MS, 'the ack to the good packet');
    const s = b.host.stats().droppedByReason;
    assert.equal(s.HEARSAY_ERR_DECODE_UNKNOWN_TYPE, 1);
    assert.ok((s.HEARSAY_ERR_DECODE_TRUNCATED ?? 0) >= 2);
    assert.equal(s.HEARSAY_ERR_DECODE_OVERSIZE, 1);
    assert.equal(s.HEARSAY_ERR_DECODE_CHECKSUM, 1);
    assert.equal(b.errors.length, 0, b.errors.join('\n'));
    // Garbage never creates an address: only the good packet's source is held.
    assert.equal(b.host.addresses.size, 2);
  });

  test('a garbage stream is answered with an err message and counted', async () => {
    const b = await startEcho();
    const c = await rawTcp(b.host.address.port);
    c.socket.write(new Uint8Array([0xee, 0, 0]));
    await until(() => c.closed(), DEADLINE_MS, 'the connection closed');
    const answer = decodeStream(c.received(), DEFAULT_MEMBERLIST_LIMITS) as Stream;
    assert.equal(answer.type, 'err');
    assert.match(answer.type === 'err' ? answer.error : '', /unknown message type 238/);
    assert.equal(drops(b.host, 'HEARSAY_ERR_DECODE_UNKNOWN_TYPE'), 1);
  });

  test('an encrypted member answers a garbage stream with an encrypted err', async () => {
    const b = await startEcho({ keys: [KEY1] });
    const c = await rawTcp(b.host.address.port);
    c.socket.write(encodeStream(ping(1)));
    await until(() => c.closed(), DEADLINE_MS, 'the connection closed');
    const opened = openStream(Keyring.create(KEY1), c.received(), DEFAULT_MEMBERLIST_LIMITS);
    const answer = decodeStream(opened.plaintext, DEFAULT_MEMBERLIST_LIMITS);
    assert.equal(
      answer.type === 'err' && answer.error,
      'Encryption is configured but remote state is not encrypted',
    );
  });

  test('a stream cut off mid-message is counted as truncated; one trickled byte by byte is read', async () => {
    const b = await startEcho();
    const bytes = encodeStream(pushPull(true));
    const cut = await rawTcp(b.host.address.port);
    cut.socket.end(bytes.subarray(0, bytes.length - 2));
    await until(
      () => drops(b.host, 'HEARSAY_ERR_DECODE_TRUNCATED') === 1,
      DEADLINE_MS,
      'the truncation',
    );
    const slow = await rawTcp(b.host.address.port);
    for (const byte of bytes) {
      slow.socket.write(new Uint8Array([byte]));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await until(() => slow.closed(), DEADLINE_MS, 'the answer and close');
    assert.equal(decodeStream(slow.received(), DEFAULT_MEMBERLIST_LIMITS).type, 'pushPull');
  });

  test('an oversized stream is refused before it is buffered; a silent one times out', async () => {
    const b = await startEcho({
      wireLimits: { streamBytesMax: 1024 },
      limits: { tcpTimeoutMs: 200 },
    });
    const big = await rawTcp(b.host.address.port);
    big.socket.write(encodeStream(pushPull(true, new Uint8Array(4096))));
    await until(
      () => drops(b.host, 'HEARSAY_ERR_DECODE_OVERSIZE') === 1,
      DEADLINE_MS,
      'the oversize drop',
    );
    const silent = await rawTcp(b.host.address.port);
    await until(() => silent.closed(), DEADLINE_MS, 'the silent stream closed');
    assert.equal(drops(b.host, 'stream-timeout'), 1);
  });

  test('inbound exchanges beyond inboundStreamsMax are closed on accept', async () => {
    const b = await startEcho({ limits: { inboundStreamsMax: 2 } });
    const first = await rawTcp(b.host.address.port);
    const second = await rawTcp(b.host.address.port);
    const third = await rawTcp(b.host.address.port);
    await until(() => third.closed(), DEADLINE_MS, 'the third connection closed');
    assert.equal(drops(b.host, 'stream-inbound-full'), 1);
    assert.ok(!first.closed() && !second.closed());
  });

  test('a flood from many source ports keeps the address map bounded; pinned members survive', async () => {
    const a = await startEcho();
    const b = await startEcho({ limits: { addressesMax: 16 } });
    // A is a member: B pins its address.
    const aInB = idOf(b.host, a.host);
    b.host.addresses.pin(aInB);
    const datagram = encodePacket(ping(1));
    const sockets: UdpSocket[] = [];
    for (let i = 0; i < 64; i++) sockets.push(await rawUdp());
    for (const s of sockets) s.send(datagram, b.host.address.port, LOOPBACK);
    await until(() => b.echo.received.length === 64, DEADLINE_MS, 'every flood packet handled');
    assert.ok(b.host.addresses.size <= 16, `size ${b.host.addresses.size}`);
    assert.ok(b.host.addresses.evictions >= 64 - 16);
    // The pinned member kept its id: its ping arrives from the same id as before.
    a.host.invoke((_p, ctx) => ctx.send(idOf(a.host, b.host), ping(2)));
    await until(() => b.echo.received.length === 65, DEADLINE_MS, 'the member ping');
    assert.equal(b.echo.received[64]!.from, aInB);
    assert.equal(b.host.stats().peers, 1);
  });
});

describe('memberlist host: lifecycle', () => {
  test('stop is idempotent and frees the port for both transports', async () => {
    const a = await startEcho();
    const port = a.host.address.port;
    await Promise.all([a.host.stop(), a.host.stop()]);
    assert.equal(a.host.running, false);
    const again = await startEcho({ bind: { host: LOOPBACK, port } });
    assert.equal(again.host.address.port, port);
  });

  test('bind and advertise are validated with the field named', async () => {
    await assert.rejects(startEcho({ bind: { host: 'localhost', port: 0 } }), { field: 'bind' });
    await assert.rejects(startEcho({ bind: { host: LOOPBACK, port: 70000 } }), { field: 'bind' });
    await assert.rejects(startEcho({ bind: { host: '0.0.0.0', port: 0 } }), { field: 'advertise' });
    await assert.rejects(startEcho({ limits: { tcpTimeoutMs: 0 } }), {
      field: 'limits.tcpTimeoutMs',
    });
    const adv = await startEcho({ advertise: { host: '10.1.2.3', port: 7946 } });
    assert.deepEqual([...adv.host.advertise.ip], [10, 1, 2, 3]);
    assert.equal(adv.host.advertise.port, 7946);
  });

  test('a port held by another UDP socket is reported as a socket error', async () => {
    const raw = await rawUdp();
    await assert.rejects(startEcho({ bind: { host: LOOPBACK, port: raw.address().port } }), {
      code: 'HEARSAY_ERR_SOCKET',
    });
  });
});
