/**
 * Renders our decoded objects in the notation of serf-capture.json's `decoded` field, so a
 * test can compare what we decode with what the capture index says each packet holds.
 *
 * The notation (from the index's `conventions`): Go field names; byte strings as text when
 * printable ASCII, else `{"$hex": …}`; IPv4 addresses dotted; `Vsn` as a list; `MetaTags`
 * beside `Meta`; wrappers as `hasCrc`/`compress`/`compound` objects with their lengths and
 * checksums; Serf messages under `serf`, with the known payloads decoded as
 * `PayloadDecoded` and ack coordinates as `serfPing`. Lengths and checksums are computed by
 * re-encoding our objects, which the capture test separately proves byte-identical.
 */

import { crc32 } from '../../../src/membership/wire/crc32.ts';
import { lzwCompress } from '../../../src/membership/wire/lzw.ts';
import type {
  Packet,
  PacketMessage,
  PushNodeState,
  Stream,
  StreamMessage,
} from '../../../src/membership/wire/messages.ts';
import { MESSAGE_TYPE } from '../../../src/membership/wire/messages.ts';
import { encodePacketMessage } from '../../../src/membership/wire/packet-codec.ts';
import { decodeSerfMessage } from '../../../src/membership/wire/serf/codec.ts';
import { decodePingPayload } from '../../../src/membership/wire/serf/coordinate.ts';
import { DEFAULT_SERF_LIMITS } from '../../../src/membership/wire/serf/limits.ts';
import type { SerfMember, SerfMessage } from '../../../src/membership/wire/serf/messages.ts';
import { SERF_MESSAGE_TYPE } from '../../../src/membership/wire/serf/messages.ts';
import { decodeTags } from '../../../src/membership/wire/serf/tags.ts';
import { encodeStreamMessage } from '../../../src/membership/wire/stream-codec.ts';
import { toHex } from './fixtures.ts';

type View = unknown;

function bytesView(b: Uint8Array | null): View {
  if (b === null) return null;
  for (const c of b) if (c < 0x20 || c > 0x7e) return { $hex: toHex(b) };
  return Buffer.from(b).toString('latin1');
}

function ipView(b: Uint8Array): View {
  return b.length === 4 ? b.join('.') : { $hex: toHex(b) };
}

function tagsView(meta: Uint8Array | null): View {
  return Object.fromEntries(decodeTags(meta, DEFAULT_SERF_LIMITS));
}

function nodeStateView(s: PushNodeState): View {
  return {
    Addr: ipView(s.addr),
    Incarnation: s.incarnation,
    Meta: bytesView(s.meta),
    Name: s.name,
    Port: s.port,
    State: s.state,
    Vsn: s.vsn === null ? null : [...s.vsn],
    MetaTags: tagsView(s.meta),
  };
}

function leafBody(m: PacketMessage | StreamMessage): View {
  switch (m.type) {
    case 'ping': {
      const body: Record<string, View> = { Node: m.node, SeqNo: m.seqNo };
      if (m.sourceAddr.length > 0) body.SourceAddr = ipView(m.sourceAddr);
      if (m.sourceNode !== '') body.SourceNode = m.sourceNode;
      if (m.sourcePort !== 0) body.SourcePort = m.sourcePort;
      return body;
    }
    case 'indirectPing': {
      const body: Record<string, View> = {
        Nack: m.nack,
        Node: m.node,
        Port: m.port,
        SeqNo: m.seqNo,
      };
      if (m.sourceAddr.length > 0) body.SourceAddr = ipView(m.sourceAddr);
      if (m.sourceNode !== '') body.SourceNode = m.sourceNode;
      if (m.sourcePort !== 0) body.SourcePort = m.sourcePort;
      body.Target = ipView(m.target);
      return body;
    }
    case 'ack': {
      let payload: View = null;
      if (m.payload !== null) {
        const c = decodePingPayload(m.payload, DEFAULT_SERF_LIMITS);
        payload = {
          $hex: toHex(m.payload),
          serfPing: {
            version: m.payload[0],
            coordinate: {
              Adjustment: c.adjustment,
              Error: c.error,
              Height: c.height,
              Vec: [...c.vec],
            },
          },
        };
      }
      return { Payload: payload, SeqNo: m.seqNo };
    }
    case 'nack':
      return { SeqNo: m.seqNo };
    case 'suspect':
    case 'dead':
      return { From: m.from, Incarnation: m.incarnation, Node: m.node };
    case 'alive':
      return {
        Addr: ipView(m.addr),
        Incarnation: m.incarnation,
        Meta: bytesView(m.meta),
        Node: m.node,
        Port: m.port,
        Vsn: m.vsn === null ? null : [...m.vsn],
        MetaTags: tagsView(m.meta),
      };
    case 'err':
      return { Error: m.error };
    default:
      throw new Error(`no leaf view for ${m.type}`);
  }
}

function memberView(m: SerfMember): View {
  return {
    Addr: ipView(m.addr),
    DelegateCur: m.delegateCur,
    DelegateMax: m.delegateMax,
    DelegateMin: m.delegateMin,
    Name: m.name,
    Port: m.port,
    ProtocolCur: m.protocolCur,
    ProtocolMax: m.protocolMax,
    ProtocolMin: m.protocolMin,
    Status: m.status,
    Tags: m.tags === null ? null : Object.fromEntries(m.tags),
  };
}

function serfBody(m: SerfMessage): View {
  switch (m.type) {
    case 'join':
      return { LTime: Number(m.ltime), Node: m.node };
    case 'leave':
      return { LTime: Number(m.ltime), Node: m.node, Prune: m.prune };
    case 'userEvent':
      return { CC: m.cc, LTime: Number(m.ltime), Name: m.name, Payload: bytesView(m.payload) };
    case 'query': {
      const body: Record<string, View> = {
        Addr: ipView(m.addr),
        Filters: m.filters === null ? null : m.filters.map(bytesView),
        Flags: m.flags,
        ID: m.id,
        LTime: Number(m.ltime),
        Name: m.name,
        Payload: bytesView(m.payload),
        Port: m.port,
        RelayFactor: m.relayFactor,
        SourceNode: m.sourceNode,
        Timeout: Number(m.timeoutNs),
      };
      if (m.payload !== null && m.payload[0] === SERF_MESSAGE_TYPE.keyRequest) {
        body.PayloadDecoded = serfView(decodeSerfMessage(m.payload, DEFAULT_SERF_LIMITS));
      }
      return body;
    }
    case 'queryResponse': {
      const body: Record<string, View> = {
        Flags: m.flags,
        From: m.from,
        ID: m.id,
        LTime: Number(m.ltime),
        Payload: bytesView(m.payload),
      };
      const t = m.payload?.[0];
      if (t === SERF_MESSAGE_TYPE.conflictResponse || t === SERF_MESSAGE_TYPE.keyResponse) {
        body.PayloadDecoded = serfView(decodeSerfMessage(m.payload!, DEFAULT_SERF_LIMITS));
      }
      return body;
    }
    case 'pushPull':
      return {
        EventLTime: Number(m.eventLTime),
        Events:
          m.events === null
            ? null
            : m.events.map((slot) =>
                slot === null
                  ? null
                  : {
                      Events:
                        slot.events === null
                          ? null
                          : slot.events.map((e) => ({
                              Name: e.name,
                              Payload: bytesView(e.payload),
                            })),
                      LTime: Number(slot.ltime),
                    },
              ),
        LTime: Number(m.ltime),
        LeftMembers: m.leftMembers === null ? null : [...m.leftMembers],
        QueryLTime: Number(m.queryLTime),
        StatusLTimes:
          m.statusLTimes === null
            ? null
            : Object.fromEntries([...m.statusLTimes].map(([k, v]) => [k, Number(v)])),
      };
    case 'conflictResponse':
      return m.member === null ? null : memberView(m.member);
    case 'keyRequest':
      return { Key: bytesView(m.key) };
    case 'keyResponse':
      return {
        Keys: m.keys === null ? null : [...m.keys],
        Message: m.message,
        PrimaryKey: m.primaryKey,
        Result: m.result,
      };
    case 'relay':
      throw new Error('relay has no body view');
  }
}

export function serfView(m: SerfMessage): View {
  if (m.type === 'relay') {
    return {
      serfType: SERF_MESSAGE_TYPE.relay,
      serfTypeName: 'relay',
      relayHeader: {
        DestAddr: { IP: ipView(m.destAddr.ip), Port: m.destAddr.port, Zone: m.destAddr.zone },
        DestName: m.destName,
      },
      inner: serfView(m.message),
    };
  }
  return { serfType: SERF_MESSAGE_TYPE[m.type], serfTypeName: m.type, body: serfBody(m) };
}

/** A UDP packet message in the index's notation (the value of `decoded.message`). */
export function packetView(p: Packet): View {
  switch (p.type) {
    case 'hasCrc': {
      const inner = encodePacketMessage(p.message);
      return {
        type: MESSAGE_TYPE.hasCrc,
        typeName: 'hasCrc',
        crc32: crc32(inner).toString(16).padStart(8, '0'),
        crcOk: true,
        inner: packetView(p.message),
      };
    }
    case 'compound':
      return {
        type: MESSAGE_TYPE.compound,
        typeName: 'compound',
        count: p.parts.length,
        lengths: p.parts.map((part) => encodePacketMessage(part).length),
        parts: p.parts.map(packetView),
      };
    case 'compress': {
      const plain = encodePacketMessage(p.message);
      return {
        type: MESSAGE_TYPE.compress,
        typeName: 'compress',
        algo: 0,
        compressedLen: lzwCompress(plain).length,
        plainLen: plain.length,
        inner: packetView(p.message),
      };
    }
    case 'user':
      return {
        type: MESSAGE_TYPE.user,
        typeName: 'user',
        serf: serfView(decodeSerfMessage(p.payload, DEFAULT_SERF_LIMITS)),
      };
    default:
      return { type: MESSAGE_TYPE[p.type], typeName: p.type, body: leafBody(p) };
  }
}

/** A stream in the index's notation (the whole `decoded` object minus `encryption`). */
export function streamView(s: Stream): Record<string, View> {
  const out: Record<string, View> = {};
  let m: StreamMessage;
  if (s.type === 'compress') {
    const plain = encodeStreamMessage(s.message);
    out.compress = {
      type: MESSAGE_TYPE.compress,
      algo: 0,
      compressedLen: lzwCompress(plain).length,
      plainLen: plain.length,
      trailingAfterCompress: 0,
    };
    m = s.message;
  } else {
    m = s;
  }
  out.type = MESSAGE_TYPE[m.type];
  out.typeName = m.type;
  if (m.type === 'pushPull') {
    out.header = { Join: m.join, Nodes: m.nodes.length, UserStateLen: m.userState.length };
    out.nodes = m.nodes.map(nodeStateView);
    out.userState = serfView(decodeSerfMessage(m.userState, DEFAULT_SERF_LIMITS));
  } else {
    out.body = leafBody(m);
  }
  return out;
}
