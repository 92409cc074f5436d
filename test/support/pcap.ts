/**
 * A small, strict pcap reader for test vectors.
 *
 * What lives here: the classic libpcap file format (both byte orders, micro- and nanosecond
 * timestamps), the link layers our captures use or could plausibly use (Ethernet, Linux
 * cooked v1/v2, BSD/OpenBSD loopback, raw IP), IPv4 (no fragments: loopback never fragments,
 * a fragment is reported and skipped) and IPv6 without extension headers, UDP datagrams and
 * TCP segments, and TCP stream reassembly per connection and direction.
 *
 * What does not: pcapng, IP reassembly, TCP options beyond skipping them, anything about the
 * memberlist payloads themselves (that is the codec under test).
 *
 * Reassembly: a connection is keyed by its 4-tuple and starts at a SYN (a later SYN on the
 * same tuple opens a new connection, as when a client port is reused). Each direction's
 * bytes are placed by sequence number relative to the initial sequence number, so
 * retransmissions and reordering on the capture interface do not change the result; a gap
 * (a byte never seen) throws, since a vector with a hole is useless. Streams are numbered in
 * order of their first packet, like Wireshark's `tcp.stream`.
 */

export interface Endpoint {
  readonly ip: string;
  readonly port: number;
}

export interface UdpDatagram {
  /** 1-based frame number, as Wireshark shows it. */
  readonly frame: number;
  readonly timeUs: number;
  readonly src: Endpoint;
  readonly dst: Endpoint;
  readonly payload: Uint8Array;
}

export interface TcpStream {
  /** 0-based index in order of the first packet, like Wireshark's `tcp.stream`. */
  readonly index: number;
  readonly firstFrame: number;
  readonly client: Endpoint;
  readonly server: Endpoint;
  /** Everything the client wrote, in order. */
  readonly clientBytes: Uint8Array;
  /** Everything the server wrote, in order. */
  readonly serverBytes: Uint8Array;
}

export interface Capture {
  readonly linkType: number;
  readonly udp: readonly UdpDatagram[];
  readonly tcp: readonly TcpStream[];
  /** Frames that were not IPv4/IPv6 UDP/TCP (ARP, fragments, …), counted, not parsed. */
  readonly skippedFrames: number;
}

const LINKTYPE_NULL = 0;
const LINKTYPE_ETHERNET = 1;
const LINKTYPE_RAW = 101;
const LINKTYPE_LOOP = 108;
const LINKTYPE_LINUX_SLL = 113;
const LINKTYPE_LINUX_SLL2 = 276;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100;

const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;

const TCP_SYN = 0x02;

/** Largest capture a test may load: vectors are small, a huge file is a mistake. */
const pcapBytesMax = 64 * 1024 * 1024;

export function readPcap(file: Uint8Array): Capture {
  if (file.length > pcapBytesMax) throw new Error(`pcap: file larger than ${pcapBytesMax} bytes`);
  if (file.length < 24) throw new Error('pcap: file shorter than the global header');
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const magicLE = view.getUint32(0, true);
  let littleEndian: boolean;
  let nanoseconds: boolean;
  if (magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d) {
    littleEndian = true;
    nanoseconds = magicLE === 0xa1b23c4d;
  } else {
    const magicBE = view.getUint32(0, false);
    if (magicBE !== 0xa1b2c3d4 && magicBE !== 0xa1b23c4d) {
      throw new Error('pcap: not a classic pcap file (pcapng is not supported)');
    }
    littleEndian = false;
    nanoseconds = magicBE === 0xa1b23c4d;
  }
  const linkType = view.getUint32(20, littleEndian) & 0x0fffffff;

  const udp: UdpDatagram[] = [];
  const assembler = new TcpAssembler();
  let skippedFrames = 0;
  let offset = 24;
  let frame = 0;
  while (offset < file.length) {
    if (offset + 16 > file.length) throw new Error(`pcap: truncated record header at ${offset}`);
    const seconds = view.getUint32(offset, littleEndian);
    const fraction = view.getUint32(offset + 4, littleEndian);
    const capturedBytes = view.getUint32(offset + 8, littleEndian);
    const originalBytes = view.getUint32(offset + 12, littleEndian);
    offset += 16;
    if (offset + capturedBytes > file.length) throw new Error(`pcap: truncated frame ${frame + 1}`);
    frame += 1;
    const data = file.subarray(offset, offset + capturedBytes);
    offset += capturedBytes;
    if (capturedBytes !== originalBytes) throw new Error(`pcap: frame ${frame} was cut by snaplen`);
    const timeUs = seconds * 1e6 + (nanoseconds ? Math.floor(fraction / 1000) : fraction);
    const ip = linkPayload(linkType, data);
    if (ip === undefined) {
      skippedFrames += 1;
      continue;
    }
    const transport = parseIp(ip);
    if (transport === undefined) {
      skippedFrames += 1;
      continue;
    }
    if (transport.protocol === IPPROTO_UDP) {
      udp.push(parseUdp(frame, timeUs, transport));
    } else if (transport.protocol === IPPROTO_TCP) {
      assembler.add(frame, transport);
    } else {
      skippedFrames += 1;
    }
  }
  return { linkType, udp, tcp: assembler.finish(), skippedFrames };
}

/** Strip the link layer; undefined for frames that carry no IP packet. */
function linkPayload(linkType: number, data: Uint8Array): Uint8Array | undefined {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  switch (linkType) {
    case LINKTYPE_ETHERNET: {
      if (data.length < 14) return undefined;
      let etherType = view.getUint16(12);
      let start = 14;
      if (etherType === ETHERTYPE_VLAN) {
        if (data.length < 18) return undefined;
        etherType = view.getUint16(16);
        start = 18;
      }
      return isIpEtherType(etherType) ? data.subarray(start) : undefined;
    }
    case LINKTYPE_LINUX_SLL:
      if (data.length < 16) return undefined;
      return isIpEtherType(view.getUint16(14)) ? data.subarray(16) : undefined;
    case LINKTYPE_LINUX_SLL2:
      if (data.length < 20) return undefined;
      return isIpEtherType(view.getUint16(0)) ? data.subarray(20) : undefined;
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP: {
      // The 4-byte address family is in the capturing host's byte order (NULL) or big-endian
      // (LOOP); the IP version nibble tells us what follows either way.
      if (data.length < 4) return undefined;
      return data.subarray(4);
    }
    case LINKTYPE_RAW:
      return data;
    default:
      throw new Error(`pcap: unsupported link type ${linkType}`);
  }
}

function isIpEtherType(etherType: number): boolean {
  return etherType === ETHERTYPE_IPV4 || etherType === ETHERTYPE_IPV6;
}

interface TransportSegment {
  readonly protocol: number;
  readonly srcIp: string;
  readonly dstIp: string;
  readonly segment: Uint8Array;
}

function parseIp(packet: Uint8Array): TransportSegment | undefined {
  if (packet.length < 1) return undefined;
  const version = (packet[0] ?? 0) >> 4;
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  if (version === 4) {
    if (packet.length < 20) return undefined;
    const headerBytes = ((packet[0] ?? 0) & 0x0f) * 4;
    const totalBytes = view.getUint16(2);
    const flagsFragment = view.getUint16(6);
    const moreFragments = (flagsFragment & 0x2000) !== 0;
    const fragmentOffset = flagsFragment & 0x1fff;
    if (moreFragments || fragmentOffset !== 0) return undefined;
    if (headerBytes < 20 || totalBytes < headerBytes || totalBytes > packet.length) {
      throw new Error('pcap: malformed IPv4 header');
    }
    return {
      protocol: packet[9] ?? 0,
      srcIp: packet.subarray(12, 16).join('.'),
      dstIp: packet.subarray(16, 20).join('.'),
      // Ethernet pads short frames: the IP total length, not the frame, bounds the segment.
      segment: packet.subarray(headerBytes, totalBytes),
    };
  }
  if (version === 6) {
    if (packet.length < 40) return undefined;
    const payloadBytes = view.getUint16(4);
    if (40 + payloadBytes > packet.length) throw new Error('pcap: malformed IPv6 header');
    return {
      protocol: packet[6] ?? 0,
      srcIp: ipv6Text(packet.subarray(8, 24)),
      dstIp: ipv6Text(packet.subarray(24, 40)),
      segment: packet.subarray(40, 40 + payloadBytes),
    };
  }
  return undefined;
}

function ipv6Text(bytes: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2)
    groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return groups.join(':');
}

function parseUdp(frame: number, timeUs: number, t: TransportSegment): UdpDatagram {
  const s = t.segment;
  if (s.length < 8) throw new Error(`pcap: frame ${frame}: truncated UDP header`);
  const view = new DataView(s.buffer, s.byteOffset, s.byteLength);
  const udpBytes = view.getUint16(4);
  if (udpBytes < 8 || udpBytes > s.length) throw new Error(`pcap: frame ${frame}: bad UDP length`);
  return {
    frame,
    timeUs,
    src: { ip: t.srcIp, port: view.getUint16(0) },
    dst: { ip: t.dstIp, port: view.getUint16(2) },
    payload: s.slice(8, udpBytes),
  };
}

interface Direction {
  isn: number | undefined;
  /** Payload pieces keyed by offset from isn + 1. */
  readonly pieces: Map<number, Uint8Array>;
}

interface Connection {
  readonly index: number;
  readonly firstFrame: number;
  readonly client: Endpoint;
  readonly server: Endpoint;
  readonly toServer: Direction;
  readonly toClient: Direction;
}

class TcpAssembler {
  private readonly open = new Map<string, Connection>();
  private readonly all: Connection[] = [];

  add(frame: number, t: TransportSegment): void {
    const s = t.segment;
    if (s.length < 20) throw new Error(`pcap: frame ${frame}: truncated TCP header`);
    const view = new DataView(s.buffer, s.byteOffset, s.byteLength);
    const srcPort = view.getUint16(0);
    const dstPort = view.getUint16(2);
    const seq = view.getUint32(4);
    const headerBytes = ((s[12] ?? 0) >> 4) * 4;
    const flags = s[13] ?? 0;
    if (headerBytes < 20 || headerBytes > s.length)
      throw new Error(`pcap: frame ${frame}: bad TCP header`);
    const payload = s.subarray(headerBytes);
    const a = `${t.srcIp}:${srcPort}`;
    const b = `${t.dstIp}:${dstPort}`;
    const key = a < b ? `${a}|${b}` : `${b}|${a}`;
    const isSyn = (flags & TCP_SYN) !== 0;
    const isAck = (flags & 0x10) !== 0;
    let conn = this.open.get(key);
    if (isSyn && !isAck && conn !== undefined && conn.toServer.isn !== seq) {
      // A fresh SYN on a known tuple: the port was reused for a new connection.
      conn = undefined;
    }
    if (conn === undefined) {
      const fromClient = !isSyn || !isAck;
      const src = { ip: t.srcIp, port: srcPort };
      const dst = { ip: t.dstIp, port: dstPort };
      conn = {
        index: this.all.length,
        firstFrame: frame,
        client: fromClient ? src : dst,
        server: fromClient ? dst : src,
        toServer: { isn: undefined, pieces: new Map() },
        toClient: { isn: undefined, pieces: new Map() },
      };
      this.open.set(key, conn);
      this.all.push(conn);
    }
    const fromClient = conn.client.ip === t.srcIp && conn.client.port === srcPort;
    const dir = fromClient ? conn.toServer : conn.toClient;
    if (isSyn) {
      dir.isn = seq;
      return;
    }
    if (payload.length === 0) return;
    if (dir.isn === undefined) {
      throw new Error(
        `pcap: frame ${frame}: TCP data before the SYN (capture started mid-connection)`,
      );
    }
    const relative = (seq - dir.isn - 1 + 0x100000000) % 0x100000000;
    const previous = dir.pieces.get(relative);
    if (previous === undefined || previous.length < payload.length) {
      dir.pieces.set(relative, payload.slice());
    }
  }

  finish(): TcpStream[] {
    return this.all.map((c) => ({
      index: c.index,
      firstFrame: c.firstFrame,
      client: c.client,
      server: c.server,
      clientBytes: assemble(c.toServer, c.index),
      serverBytes: assemble(c.toClient, c.index),
    }));
  }
}

function assemble(dir: Direction, index: number): Uint8Array {
  const offsets = [...dir.pieces.keys()].sort((x, y) => x - y);
  let total = 0;
  for (const o of offsets) {
    const piece = dir.pieces.get(o);
    if (piece === undefined) continue;
    if (o > total) throw new Error(`pcap: TCP stream ${index} has a gap at byte ${total}`);
    total = Math.max(total, o + piece.length);
  }
  const out = new Uint8Array(total);
  for (const o of offsets) {
    const piece = dir.pieces.get(o);
    if (piece !== undefined) out.set(piece, o);
  }
  return out;
}
