/**
 * The msgpack bodies of memberlist's messages: one writer and one reader per Go struct.
 *
 * Writers put the keys in byte-wise sorted order (go-msgpack sorts struct fields by name)
 * and leave out `omitempty` fields that are zero, so a body we write is byte-identical to a
 * Go node's. Readers accept keys in any order, skip unknown keys, leave missing ones at Go's
 * zero value, and check every value's type, range and length (see `go-msgpack-reader.ts`).
 *
 * Field checks beyond Go's: addresses must be 4 or 16 bytes (IPv4 or IPv6; Go would carry
 * any length into `net.IP` and fail later), optional source addresses 0, 4 or 16; `Vsn` must
 * be empty or exactly 6 bytes (a Go node indexes bytes 3..5 of any non-empty Vsn and
 * crashes on 1..5); names, meta and error texts have named limits.
 *
 * The framing around bodies (type bytes, compound tables, CRC, compression, push/pull
 * layout) is in `packet-codec.ts` and `stream-codec.ts`.
 */

import { assert } from '../../core/errors.ts';
import { type GoMsgpackReader, malformedError, oversizeError } from './go-msgpack-reader.ts';
import type { GoMsgpackWriter } from './go-msgpack-writer.ts';
import type { MemberlistLimits } from './limits.ts';
import type {
  Ack,
  Alive,
  Dead,
  ErrResp,
  IndirectPing,
  Nack,
  Ping,
  PushNodeState,
  Suspect,
  Vsn,
} from './messages.ts';

/** More keys than any of our structs has, times a margin for unknown keys a newer peer adds. */
const STRUCT_KEYS_MAX = 64;
/** An IP address is 4 or 16 bytes; anything we read as one is at most this long. */
const ADDR_BYTES_MAX = 16;
const VSN_BYTES = 6;

// ---------------------------------------------------------------------------------------
// Shared field helpers

export function readAddr(r: GoMsgpackReader, what: string, optional: boolean): Uint8Array {
  const addr = r.bytes0(what, ADDR_BYTES_MAX, 'an IP address length (16)');
  if (addr.length === 4 || addr.length === 16 || (optional && addr.length === 0)) return addr;
  throw malformedError(`${what}: an IP address is 4 or 16 bytes, got ${addr.length}`);
}

function readName(r: GoMsgpackReader, what: string, limits: MemberlistLimits): string {
  return r.string(what, limits.nameBytesMax, 'nameBytesMax');
}

function readMeta(r: GoMsgpackReader, what: string, limits: MemberlistLimits): Uint8Array | null {
  return r.bytesOrNil(what, limits.metaBytesMax, 'metaBytesMax');
}

function readVsn(r: GoMsgpackReader, what: string): Vsn | null {
  const raw = r.bytesOrNil(what, 255, 'a Vsn length (6)');
  if (raw === null || raw.length === 0) return null;
  if (raw.length !== VSN_BYTES) {
    throw malformedError(`${what}: Vsn is 6 bytes, got ${raw.length}`);
  }
  return [raw[0]!, raw[1]!, raw[2]!, raw[3]!, raw[4]!, raw[5]!];
}

function writeVsn(w: GoMsgpackWriter, vsn: Vsn | null): void {
  if (vsn === null) {
    w.nil();
    return;
  }
  // A fixstr header of the tuple's length (tests write short ones to check the reader).
  assert(vsn.length < 32, `Vsn of ${vsn.length} bytes`);
  w.byte(0xa0 | vsn.length);
  for (const v of vsn) {
    if (!(Number.isInteger(v) && v >= 0 && v <= 0xff)) assert(false, `Vsn out of range: ${vsn}`);
    w.byte(v);
  }
}

/** Iterates a struct map's keys; `field` reads the value of a known key and returns true. */
export function readStruct(
  r: GoMsgpackReader,
  what: string,
  field: (key: string) => boolean,
): void {
  const n = r.mapHeaderOrNil(what, STRUCT_KEYS_MAX, 'the struct key limit (64)');
  if (n === null) throw malformedError(`${what}: body is nil`);
  for (let i = 0; i < n; i++) {
    const key = r.key(what);
    if (key === undefined || !field(key)) r.skip(`${what}.${key ?? '?'}`);
  }
}

// ---------------------------------------------------------------------------------------
// ping: Node, SeqNo, SourceAddr?, SourceNode?, SourcePort?

export function writePing(w: GoMsgpackWriter, m: Ping): void {
  const optional =
    (m.sourceAddr.length > 0 ? 1 : 0) +
    (m.sourcePort !== 0 ? 1 : 0) +
    (m.sourceNode !== '' ? 1 : 0);
  w.mapHeader(2 + optional);
  w.string('Node');
  w.string(m.node);
  w.string('SeqNo');
  w.uintN(32, m.seqNo);
  if (m.sourceAddr.length > 0) {
    w.string('SourceAddr');
    w.raw(m.sourceAddr);
  }
  if (m.sourceNode !== '') {
    w.string('SourceNode');
    w.string(m.sourceNode);
  }
  if (m.sourcePort !== 0) {
    w.string('SourcePort');
    w.uintN(16, m.sourcePort);
  }
}

export function readPing(r: GoMsgpackReader, limits: MemberlistLimits): Ping {
  let seqNo = 0;
  let node = '';
  let sourceAddr: Uint8Array = new Uint8Array(0);
  let sourcePort = 0;
  let sourceNode = '';
  readStruct(r, 'ping', (key) => {
    switch (key) {
      case 'SeqNo':
        seqNo = r.uint(32, 'ping.SeqNo');
        return true;
      case 'Node':
        node = readName(r, 'ping.Node', limits);
        return true;
      case 'SourceAddr':
        sourceAddr = readAddr(r, 'ping.SourceAddr', true);
        return true;
      case 'SourcePort':
        sourcePort = r.uint(16, 'ping.SourcePort');
        return true;
      case 'SourceNode':
        sourceNode = readName(r, 'ping.SourceNode', limits);
        return true;
      default:
        return false;
    }
  });
  return { type: 'ping', seqNo, node, sourceAddr, sourcePort, sourceNode };
}

// ---------------------------------------------------------------------------------------
// indirectPing: Nack, Node, Port, SeqNo, SourceAddr?, SourceNode?, SourcePort?, Target

export function writeIndirectPing(w: GoMsgpackWriter, m: IndirectPing): void {
  const optional =
    (m.sourceAddr.length > 0 ? 1 : 0) +
    (m.sourcePort !== 0 ? 1 : 0) +
    (m.sourceNode !== '' ? 1 : 0);
  w.mapHeader(5 + optional);
  w.string('Nack');
  w.bool(m.nack);
  w.string('Node');
  w.string(m.node);
  w.string('Port');
  w.uintN(16, m.port);
  w.string('SeqNo');
  w.uintN(32, m.seqNo);
  if (m.sourceAddr.length > 0) {
    w.string('SourceAddr');
    w.raw(m.sourceAddr);
  }
  if (m.sourceNode !== '') {
    w.string('SourceNode');
    w.string(m.sourceNode);
  }
  if (m.sourcePort !== 0) {
    w.string('SourcePort');
    w.uintN(16, m.sourcePort);
  }
  w.string('Target');
  w.raw(m.target);
}

export function readIndirectPing(r: GoMsgpackReader, limits: MemberlistLimits): IndirectPing {
  let seqNo = 0;
  let target: Uint8Array = new Uint8Array(0);
  let port = 0;
  let node = '';
  let nack = false;
  let sourceAddr: Uint8Array = new Uint8Array(0);
  let sourcePort = 0;
  let sourceNode = '';
  readStruct(r, 'indirectPing', (key) => {
    switch (key) {
      case 'SeqNo':
        seqNo = r.uint(32, 'indirectPing.SeqNo');
        return true;
      case 'Target':
        target = readAddr(r, 'indirectPing.Target', false);
        return true;
      case 'Port':
        port = r.uint(16, 'indirectPing.Port');
        return true;
      case 'Node':
        node = readName(r, 'indirectPing.Node', limits);
        return true;
      case 'Nack':
        nack = r.bool('indirectPing.Nack');
        return true;
      case 'SourceAddr':
        sourceAddr = readAddr(r, 'indirectPing.SourceAddr', true);
        return true;
      case 'SourcePort':
        sourcePort = r.uint(16, 'indirectPing.SourcePort');
        return true;
      case 'SourceNode':
        sourceNode = readName(r, 'indirectPing.SourceNode', limits);
        return true;
      default:
        return false;
    }
  });
  if (target.length === 0) throw malformedError('indirectPing.Target: missing');
  return {
    type: 'indirectPing',
    seqNo,
    target,
    port,
    node,
    nack,
    sourceAddr,
    sourcePort,
    sourceNode,
  };
}

// ---------------------------------------------------------------------------------------
// ack: Payload, SeqNo

/**
 * Ack payloads are the ping delegate's bytes; memberlist bounds nothing, so the packet
 * (or stream) size is the only limit — the caller's reader ends there.
 */
export function writeAck(w: GoMsgpackWriter, m: Ack): void {
  w.mapHeader(2);
  w.string('Payload');
  w.rawOrNil(m.payload);
  w.string('SeqNo');
  w.uintN(32, m.seqNo);
}

export function readAck(r: GoMsgpackReader): Ack {
  let seqNo = 0;
  let payload: Uint8Array | null = null;
  readStruct(r, 'ack', (key) => {
    switch (key) {
      case 'SeqNo':
        seqNo = r.uint(32, 'ack.SeqNo');
        return true;
      case 'Payload':
        payload = r.bytesOrNil('ack.Payload', r.remaining, 'the message length');
        return true;
      default:
        return false;
    }
  });
  return { type: 'ack', seqNo, payload };
}

// ---------------------------------------------------------------------------------------
// nack: SeqNo

export function writeNack(w: GoMsgpackWriter, m: Nack): void {
  w.mapHeader(1);
  w.string('SeqNo');
  w.uintN(32, m.seqNo);
}

export function readNack(r: GoMsgpackReader): Nack {
  let seqNo = 0;
  readStruct(r, 'nack', (key) => {
    if (key !== 'SeqNo') return false;
    seqNo = r.uint(32, 'nack.SeqNo');
    return true;
  });
  return { type: 'nack', seqNo };
}

// ---------------------------------------------------------------------------------------
// suspect / dead: From, Incarnation, Node

export function writeSuspectOrDead(w: GoMsgpackWriter, m: Suspect | Dead): void {
  w.mapHeader(3);
  w.string('From');
  w.string(m.from);
  w.string('Incarnation');
  w.uintN(32, m.incarnation);
  w.string('Node');
  w.string(m.node);
}

export function readSuspectOrDead<T extends 'suspect' | 'dead'>(
  r: GoMsgpackReader,
  type: T,
  limits: MemberlistLimits,
): {
  readonly type: T;
  readonly incarnation: number;
  readonly node: string;
  readonly from: string;
} {
  let incarnation = 0;
  let node = '';
  let from = '';
  readStruct(r, type, (key) => {
    switch (key) {
      case 'Incarnation':
        incarnation = r.uint(32, `${type}.Incarnation`);
        return true;
      case 'Node':
        node = readName(r, `${type}.Node`, limits);
        return true;
      case 'From':
        from = readName(r, `${type}.From`, limits);
        return true;
      default:
        return false;
    }
  });
  return { type, incarnation, node, from };
}

// ---------------------------------------------------------------------------------------
// alive: Addr, Incarnation, Meta, Node, Port, Vsn

export function writeAlive(w: GoMsgpackWriter, m: Alive): void {
  w.mapHeader(6);
  w.string('Addr');
  w.raw(m.addr);
  w.string('Incarnation');
  w.uintN(32, m.incarnation);
  w.string('Meta');
  w.rawOrNil(m.meta);
  w.string('Node');
  w.string(m.node);
  w.string('Port');
  w.uintN(16, m.port);
  w.string('Vsn');
  writeVsn(w, m.vsn);
}

export function readAlive(r: GoMsgpackReader, limits: MemberlistLimits): Alive {
  let incarnation = 0;
  let node = '';
  let addr: Uint8Array = new Uint8Array(0);
  let port = 0;
  let meta: Uint8Array | null = null;
  let vsn: Vsn | null = null;
  readStruct(r, 'alive', (key) => {
    switch (key) {
      case 'Incarnation':
        incarnation = r.uint(32, 'alive.Incarnation');
        return true;
      case 'Node':
        node = readName(r, 'alive.Node', limits);
        return true;
      case 'Addr':
        addr = readAddr(r, 'alive.Addr', false);
        return true;
      case 'Port':
        port = r.uint(16, 'alive.Port');
        return true;
      case 'Meta':
        meta = readMeta(r, 'alive.Meta', limits);
        return true;
      case 'Vsn':
        vsn = readVsn(r, 'alive.Vsn');
        return true;
      default:
        return false;
    }
  });
  if (addr.length === 0) throw malformedError('alive.Addr: missing');
  return { type: 'alive', incarnation, node, addr, port, meta, vsn };
}

// ---------------------------------------------------------------------------------------
// err: Error

export function writeErr(w: GoMsgpackWriter, m: ErrResp): void {
  w.mapHeader(1);
  w.string('Error');
  w.string(m.error);
}

export function readErr(r: GoMsgpackReader, limits: MemberlistLimits): ErrResp {
  let error = '';
  readStruct(r, 'err', (key) => {
    if (key !== 'Error') return false;
    error = r.string('err.Error', limits.errorTextBytesMax, 'errorTextBytesMax');
    return true;
  });
  return { type: 'err', error };
}

// ---------------------------------------------------------------------------------------
// compress: Algo, Buf

/** Writes the compress struct around an already-compressed buffer. */
export function writeCompressBody(w: GoMsgpackWriter, algo: number, buf: Uint8Array): void {
  w.mapHeader(2);
  w.string('Algo');
  w.uintN(8, algo);
  w.string('Buf');
  w.raw(buf);
}

export function readCompressBody(r: GoMsgpackReader): { algo: number; buf: Uint8Array } {
  let algo = 0;
  let buf: Uint8Array = new Uint8Array(0);
  readStruct(r, 'compress', (key) => {
    switch (key) {
      case 'Algo':
        algo = r.uint(8, 'compress.Algo');
        return true;
      case 'Buf':
        buf = r.bytes0('compress.Buf', r.remaining, 'the message length');
        return true;
      default:
        return false;
    }
  });
  return { algo, buf };
}

// ---------------------------------------------------------------------------------------
// pushPullHeader: Join, Nodes, UserStateLen

export function writePushPullHeader(
  w: GoMsgpackWriter,
  join: boolean,
  nodes: number,
  userStateBytes: number,
): void {
  w.mapHeader(3);
  w.string('Join');
  w.bool(join);
  w.string('Nodes');
  w.int(nodes);
  w.string('UserStateLen');
  w.int(userStateBytes);
}

export function readPushPullHeader(
  r: GoMsgpackReader,
  limits: MemberlistLimits,
): { join: boolean; nodes: number; userStateBytes: number } {
  let join = false;
  let nodes = 0;
  let userStateBytes = 0;
  readStruct(r, 'pushPullHeader', (key) => {
    switch (key) {
      case 'Join':
        join = r.bool('pushPullHeader.Join');
        return true;
      case 'Nodes':
        nodes = r.int('pushPullHeader.Nodes');
        return true;
      case 'UserStateLen':
        userStateBytes = r.int('pushPullHeader.UserStateLen');
        return true;
      default:
        return false;
    }
  });
  if (nodes < 0) throw malformedError(`pushPullHeader.Nodes: negative (${nodes})`);
  if (userStateBytes < 0)
    throw malformedError(`pushPullHeader.UserStateLen: negative (${userStateBytes})`);
  if (nodes > limits.pushPullNodesMax) {
    throw oversizeError('pushPullHeader.Nodes', nodes, 'pushPullNodesMax', limits.pushPullNodesMax);
  }
  if (userStateBytes > limits.userStateBytesMax) {
    throw oversizeError(
      'pushPullHeader.UserStateLen',
      userStateBytes,
      'userStateBytesMax',
      limits.userStateBytesMax,
    );
  }
  return { join, nodes, userStateBytes };
}

// ---------------------------------------------------------------------------------------
// pushNodeState: Addr, Incarnation, Meta, Name, Port, State, Vsn

export function writePushNodeState(w: GoMsgpackWriter, s: PushNodeState): void {
  w.mapHeader(7);
  w.string('Addr');
  w.raw(s.addr);
  w.string('Incarnation');
  w.uintN(32, s.incarnation);
  w.string('Meta');
  w.rawOrNil(s.meta);
  w.string('Name');
  w.string(s.name);
  w.string('Port');
  w.uintN(16, s.port);
  w.string('State');
  w.int(s.state);
  w.string('Vsn');
  writeVsn(w, s.vsn);
}

export function readPushNodeState(r: GoMsgpackReader, limits: MemberlistLimits): PushNodeState {
  let name = '';
  let addr: Uint8Array = new Uint8Array(0);
  let port = 0;
  let meta: Uint8Array | null = null;
  let incarnation = 0;
  let state = 0;
  let vsn: Vsn | null = null;
  readStruct(r, 'pushNodeState', (key) => {
    switch (key) {
      case 'Name':
        name = readName(r, 'pushNodeState.Name', limits);
        return true;
      case 'Addr':
        addr = readAddr(r, 'pushNodeState.Addr', false);
        return true;
      case 'Port':
        port = r.uint(16, 'pushNodeState.Port');
        return true;
      case 'Meta':
        meta = readMeta(r, 'pushNodeState.Meta', limits);
        return true;
      case 'Incarnation':
        incarnation = r.uint(32, 'pushNodeState.Incarnation');
        return true;
      case 'State':
        state = r.int('pushNodeState.State');
        return true;
      case 'Vsn':
        vsn = readVsn(r, 'pushNodeState.Vsn');
        return true;
      default:
        return false;
    }
  });
  if (addr.length === 0) throw malformedError('pushNodeState.Addr: missing');
  return { name, addr, port, meta, incarnation, state, vsn };
}

// ---------------------------------------------------------------------------------------
// userMsgHeader: UserMsgLen

export function writeUserMsgHeader(w: GoMsgpackWriter, bytes: number): void {
  w.mapHeader(1);
  w.string('UserMsgLen');
  w.int(bytes);
}

export function readUserMsgHeader(r: GoMsgpackReader, limits: MemberlistLimits): number {
  let bytes = 0;
  readStruct(r, 'userMsgHeader', (key) => {
    if (key !== 'UserMsgLen') return false;
    bytes = r.int('userMsgHeader.UserMsgLen');
    return true;
  });
  if (bytes < 0) throw malformedError(`userMsgHeader.UserMsgLen: negative (${bytes})`);
  if (bytes > limits.streamUserMsgBytesMax) {
    throw oversizeError(
      'userMsgHeader.UserMsgLen',
      bytes,
      'streamUserMsgBytesMax',
      limits.streamUserMsgBytesMax,
    );
  }
  return bytes;
}
