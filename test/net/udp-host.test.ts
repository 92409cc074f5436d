/**
 * The real host's translation of the protocol contract, tested with a probe protocol
 * (probe-protocol.ts) on 127.0.0.1 port 0: datagrams, reliable frames, timers, the
 * call-scoped context, re-entrance from `onEvent`, the address-book limit, oversize sends,
 * and a protocol bug that must be counted without taking the node down.
 */

import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, test } from 'node:test';
import { AssertionError, isRemoteError } from '../../src/core/errors.ts';
import { type HostLogger, UdpHost } from '../../src/net/udp-host.ts';
import {
  type ProbeEvent,
  type ProbeMsg,
  type ProbeNode,
  type ProbeTimer,
  probeSpec,
} from './probe-protocol.ts';
import { until } from './until.ts';

type ProbeHost = UdpHost<ProbeMsg, ProbeTimer, ProbeEvent, ProbeNode>;

const DEADLINE_MS = 5_000;
const LOOPBACK = '127.0.0.1';

interface Started {
  readonly host: ProbeHost;
  readonly events: ProbeEvent[];
  readonly warnings: string[];
  readonly errors: { message: string; err: unknown }[];
}

const hosts: ProbeHost[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.stop()));
  for (const s of sockets.splice(0)) s.close();
});

async function startProbe(
  options: {
    tickMs?: number;
    seed?: number;
    peers?: string[];
    limits?: Parameters<typeof UdpHost.start>[0]['limits'];
    onEvent?: (e: ProbeEvent, host: ProbeHost) => void;
  } = {},
): Promise<Started> {
  const events: ProbeEvent[] = [];
  const warnings: string[] = [];
  const errors: { message: string; err: unknown }[] = [];
  const logger: HostLogger = {
    warn: (m) => warnings.push(m),
    error: (message, err) => errors.push({ message, err }),
  };
  let self: ProbeHost | undefined;
  const host = await UdpHost.start({
    spec: probeSpec(options.tickMs ?? 0),
    bind: { host: LOOPBACK, port: 0 },
    seed: options.seed ?? 1,
    peers: options.peers,
    limits: options.limits,
    logger,
    onEvent: (e) => {
      events.push(e);
      options.onEvent?.(e, self!);
    },
  });
  self = host;
  hosts.push(host);
  return { host, events, warnings, errors };
}

function addr(h: ProbeHost): string {
  return `${h.address.host}:${h.address.port}`;
}

function rawSocket(): Promise<Socket> {
  const s = createSocket('udp4');
  sockets.push(s);
  return new Promise((resolve) => s.bind(0, LOOPBACK, () => resolve(s)));
}

function got(events: ProbeEvent[], t: ProbeMsg['t']): ProbeEvent[] {
  return events.filter((e) => e.type === 'got' && e.msg.t === t);
}

describe('UdpHost', () => {
  test('binds port 0, reports the actual port and the seed it was given', async () => {
    const a = await startProbe({ seed: 42 });
    assert.ok(a.host.address.port > 0);
    assert.equal(a.host.address.host, LOOPBACK);
    assert.equal(a.host.seed, 42);
    assert.equal(a.host.running, true);
  });

  test('without a seed, draws one and reports it', async () => {
    const host = await UdpHost.start({
      spec: probeSpec(),
      bind: { host: LOOPBACK, port: 0 },
      logger: { warn: () => {}, error: () => {} },
    });
    hosts.push(host);
    assert.ok(Number.isInteger(host.seed) && host.seed >= 0);
  });

  test('binding a port in use fails with HEARSAY_ERR_SOCKET', async () => {
    const a = await startProbe();
    await assert.rejects(
      UdpHost.start({ spec: probeSpec(), bind: a.host.address, logger: { warn() {}, error() {} } }),
      (err) => isRemoteError(err) && err.code === 'HEARSAY_ERR_SOCKET',
    );
  });

  test('ping by datagram, pong back; the receiver learns the sender; counted by type', async () => {
    const b = await startProbe();
    const a = await startProbe({ peers: [addr(b.host)] });
    assert.deepEqual(b.host.peerAddresses(), []);
    a.host.invoke((p, ctx) => p.say(ctx, ctx.randomPeer(), { t: 'ping', n: 7 }));
    await until(() => got(a.events, 'pong').length === 1, DEADLINE_MS, 'pong at a');
    assert.deepEqual(b.host.peerAddresses(), [addr(a.host)]);
    const sa = a.host.stats();
    assert.equal(sa.out.messagesByType.ping, 1);
    assert.equal(sa.in.messagesByType.pong, 1);
    assert.equal(sa.out.bytesByType.ping, 5);
    assert.equal(sa.events.got, 1);
    assert.equal(b.host.stats().in.messagesByType.ping, 1);
  });

  test('sendReliable travels on TCP and names the sender by its listening port', async () => {
    const b = await startProbe();
    const a = await startProbe({ peers: [addr(b.host)] });
    for (let n = 0; n < 3; n++) {
      a.host.invoke((p, ctx) => p.say(ctx, ctx.randomPeer(), { t: 'ping', n }, true));
    }
    await until(() => got(b.events, 'ping').length === 3, DEADLINE_MS, '3 reliable pings at b');
    // In order, on one connection, and attributed to a's UDP/TCP port, not the ephemeral one.
    assert.deepEqual(
      got(b.events, 'ping').map((e) => (e.type === 'got' ? e.msg : null)),
      [0, 1, 2].map((n) => ({ t: 'ping', n })),
    );
    assert.deepEqual(b.host.peerAddresses(), [addr(a.host)]);
    await until(() => got(a.events, 'pong').length === 3, DEADLINE_MS, 'pongs at a');
  });

  test('a reliable send to a peer that is down is counted, not thrown', async () => {
    const b = await startProbe();
    const deadAddr = addr(b.host);
    await b.host.stop();
    const a = await startProbe({ peers: [deadAddr] });
    a.host.invoke((p, ctx) => p.say(ctx, ctx.randomPeer(), { t: 'ping', n: 1 }, true));
    await until(
      () => a.host.stats().droppedByReason['reliable-connect'] === 1,
      DEADLINE_MS,
      'reliable-connect drop',
    );
  });

  test('timers fire through the protocol with a monotonic ctx.now, re-armed each time', async () => {
    const a = await startProbe({ tickMs: 5 });
    await until(() => a.events.length >= 3, DEADLINE_MS, 'three ticks');
    const times = a.events.map((e) => (e.type === 'tick' ? e.nowMs : Number.NaN));
    assert.ok(times[0]! >= 5, `first tick at ${times[0]} ms, armed for 5 ms`);
    for (let i = 1; i < times.length; i++) assert.ok(times[i]! >= times[i - 1]! + 5);
  });

  test('the context refuses use outside a protocol call', async () => {
    const b = await startProbe();
    const a = await startProbe({ peers: [addr(b.host)] });
    const leaked = a.host.invoke((p) => p.leaked!);
    assert.throws(() => leaked.now, AssertionError);
    assert.throws(() => leaked.send(1, { t: 'ping', n: 1 }), AssertionError);
    assert.throws(() => leaked.setTimer('tick', 1), AssertionError);
  });

  test('setTimer with a kind outside spec.timerKinds is a protocol bug', async () => {
    const a = await startProbe();
    assert.throws(
      () => a.host.invoke((_p, ctx) => ctx.setTimer('nope' as ProbeTimer, 1)),
      AssertionError,
    );
  });

  test('onEvent may invoke the protocol again: outputs of the first call are flushed first', async () => {
    const b = await startProbe();
    const a = await startProbe({
      peers: [addr(b.host)],
      onEvent: (e, host) => {
        if (e.type === 'got' && e.msg.t === 'pong' && e.msg.n < 3) {
          const n = e.msg.n + 1;
          host.invoke((p, ctx) => p.say(ctx, e.from, { t: 'ping', n }));
        }
      },
    });
    a.host.invoke((p, ctx) => p.say(ctx, 1, { t: 'ping', n: 0 }));
    await until(() => got(a.events, 'pong').length === 4, DEADLINE_MS, 'four pongs');
  });

  test('a handler bug is logged with its stack, counted as internal, and the node stays up', async () => {
    const a = await startProbe();
    const raw = await rawSocket();
    raw.send(new Uint8Array([3]), a.host.address.port, LOOPBACK); // boom
    await until(() => a.host.stats().droppedByReason.internal === 1, DEADLINE_MS, 'internal drop');
    assert.equal(a.errors.length, 1);
    assert.match(a.errors[0]!.message, /internal error/);
    assert.match((a.errors[0]!.err as Error).stack ?? '', /simulated protocol bug/);
    const pong = new Promise<Buffer>((resolve) => raw.once('message', resolve));
    raw.send(new Uint8Array([1, 0, 0, 0, 9]), a.host.address.port, LOOPBACK); // ping 9
    assert.deepEqual([...(await pong)], [2, 0, 0, 0, 9]);
  });

  test('a full address book refuses strangers (counted) and keeps serving known peers', async () => {
    const b = await startProbe();
    const a = await startProbe({ peers: [addr(b.host)], limits: { peersMax: 1 } });
    const raw = await rawSocket();
    raw.send(new Uint8Array([1, 0, 0, 0, 1]), a.host.address.port, LOOPBACK);
    await until(
      () => a.host.stats().droppedByReason.HEARSAY_ERR_QUEUE_FULL === 1,
      DEADLINE_MS,
      'queue-full drop',
    );
    assert.equal(a.warnings.length, 1);
    a.host.invoke((p, ctx) => p.say(ctx, 1, { t: 'ping', n: 2 }));
    await until(() => got(a.events, 'pong').length === 1, DEADLINE_MS, 'pong from known peer');
    assert.deepEqual(a.host.peerAddresses(), [addr(b.host)]);
  });

  test('an encoded message over packetBytesMax is not sent and is counted as send-oversize', async () => {
    const b = await startProbe();
    const a = await startProbe({ peers: [addr(b.host)], limits: { packetBytesMax: 64 } });
    a.host.invoke((p, ctx) => p.say(ctx, 1, { t: 'big', n: 100 }));
    const s = a.host.stats();
    assert.equal(s.droppedByReason['send-oversize'], 1);
    assert.equal(s.out.messages, 0);
  });

  test('randomPeers draws distinct peers, never self, at most k', async () => {
    const a = await startProbe({
      peers: ['127.0.0.1:1', '127.0.0.1:2', '127.0.0.1:3', '127.0.0.1:4'],
    });
    const out: number[] = [];
    const seen = new Set<number>();
    for (let i = 0; i < 50; i++) {
      a.host.invoke((_p, ctx) => ctx.randomPeers(3, out));
      assert.equal(out.length, 3);
      assert.equal(new Set(out).size, 3);
      for (const id of out) seen.add(id);
    }
    assert.deepEqual([...seen].sort(), [1, 2, 3, 4]);
    a.host.invoke((_p, ctx) => ctx.randomPeers(10, out));
    assert.equal(out.length, 4);
  });

  test('stop runs protocol.stop, closes the sockets, and refuses invoke afterwards', async () => {
    const a = await startProbe({ tickMs: 1 });
    const port = a.host.address.port;
    await a.host.stop();
    assert.equal(a.host.running, false);
    assert.throws(() => a.host.invoke(() => {}), AssertionError);
    // The port is free again: a new host can bind it.
    const again = await UdpHost.start({
      spec: probeSpec(),
      bind: { host: LOOPBACK, port },
      logger: { warn() {}, error() {} },
    });
    hosts.push(again);
    assert.equal(again.address.port, port);
  });
});
