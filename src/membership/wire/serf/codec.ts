/**
 * Bytes of Serf's messages: `serfType | go-msgpack body`, byte-exact with a Serf agent.
 *
 * Same dialect and rules as memberlist's bodies (`../bodies.ts`): struct keys sorted
 * byte-wise on the way out, any order on the way in, unknown keys skipped, every value's
 * type/range/length checked, only `RemoteError` thrown. Go maps keep their wire order in a
 * `Map` (Go writes them in random order, so there is no canonical order to restore).
 *
 * Wire key order per body (serf-layer.md §3):
 *   join          LTime, Node
 *   leave         LTime, Node, Prune
 *   userEvent     CC, LTime, Name, Payload
 *   query         Addr, Filters, Flags, ID, LTime, Name, Payload, Port, RelayFactor,
 *                 SourceNode, Timeout
 *   queryResponse Flags, From, ID, LTime, Payload
 *   pushPull      EventLTime, Events[{Events[{Name, Payload}], LTime} | nil], LTime,
 *                 LeftMembers, QueryLTime, StatusLTimes
 *   conflictResponse  Member{Addr, DelegateCur, DelegateMax, DelegateMin, Name, Port,
 *                 ProtocolCur, ProtocolMax, ProtocolMin, Status, Tags} | nil
 *   keyRequest    Key
 *   keyResponse   Keys, Message, PrimaryKey, Result
 *   relay         {DestAddr{IP, Port, Zone}, DestName} followed by a whole Serf message
 *
 * Stricter than Serf, like the memberlist codecs: trailing bytes after a body are
 * MALFORMED, an unknown Serf type is UNKNOWN_TYPE (Serf logs and ignores it), a relay
 * inside a relay is MALFORMED (Serf would forward it once more; nobody sends it).
 */

import { RemoteError } from '../../../core/errors.ts';
import { readAddr, readStruct } from '../bodies.ts';
import { GoMsgpackReader, malformedError, truncatedError } from '../go-msgpack-reader.ts';
import { GoMsgpackWriter } from '../go-msgpack-writer.ts';
import type { SerfLimits } from './limits.ts';
import {
  SERF_MESSAGE_TYPE,
  type SerfEventRecord,
  type SerfEventSlot,
  type SerfJoin,
  type SerfKeyRequest,
  type SerfKeyResponse,
  type SerfLeave,
  type SerfMember,
  type SerfMessage,
  type SerfPushPull,
  type SerfQuery,
  type SerfQueryResponse,
  type SerfRelayAddr,
  type SerfUserEvent,
} from './messages.ts';

// ---------------------------------------------------------------------------------------
// Encoding

export function encodeSerfMessage(m: SerfMessage): Uint8Array {
  const w = new GoMsgpackWriter(m.type === 'pushPull' ? 1024 : 128);
  writeSerfMessage(w, m);
  return w.finish();
}

function writeSerfMessage(w: GoMsgpackWriter, m: SerfMessage): void {
  w.byte(SERF_MESSAGE_TYPE[m.type]);
  switch (m.type) {
    case 'join':
      w.mapHeader(2);
      w.string('LTime');
      w.uint(m.ltime);
      w.string('Node');
      w.string(m.node);
      return;
    case 'leave':
      w.mapHeader(3);
      w.string('LTime');
      w.uint(m.ltime);
      w.string('Node');
      w.string(m.node);
      w.string('Prune');
      w.bool(m.prune);
      return;
    case 'userEvent':
      w.mapHeader(4);
      w.string('CC');
      w.bool(m.cc);
      w.string('LTime');
      w.uint(m.ltime);
      w.string('Name');
      w.string(m.name);
      w.string('Payload');
      w.rawOrNil(m.payload);
      return;
    case 'query':
      writeQuery(w, m);
      return;
    case 'queryResponse':
      w.mapHeader(5);
      w.string('Flags');
      w.uintN(32, m.flags);
      w.string('From');
      w.string(m.from);
      w.string('ID');
      w.uintN(32, m.id);
      w.string('LTime');
      w.uint(m.ltime);
      w.string('Payload');
      w.rawOrNil(m.payload);
      return;
    case 'pushPull':
      writePushPull(w, m);
      return;
    case 'conflictResponse':
      if (m.member === null) w.nil();
      else writeMember(w, m.member);
      return;
    case 'keyRequest':
      w.mapHeader(1);
      w.string('Key');
      w.rawOrNil(m.key);
      return;
    case 'keyResponse':
      w.mapHeader(4);
      w.string('Keys');
      writeStrings(w, m.keys);
      w.string('Message');
      w.string(m.message);
      w.string('PrimaryKey');
      w.string(m.primaryKey);
      w.string('Result');
      w.bool(m.result);
      return;
    case 'relay':
      w.mapHeader(2);
      w.string('DestAddr');
      w.mapHeader(3);
      w.string('IP');
      w.raw(m.destAddr.ip);
      w.string('Port');
      w.int(m.destAddr.port);
      w.string('Zone');
      w.string(m.destAddr.zone);
      w.string('DestName');
      w.string(m.destName);
      writeSerfMessage(w, m.message);
      return;
  }
}

function writeQuery(w: GoMsgpackWriter, m: SerfQuery): void {
  w.mapHeader(11);
  w.string('Addr');
  w.raw(m.addr);
  w.string('Filters');
  if (m.filters === null) w.nil();
  else {
    w.arrayHeader(m.filters.length);
    for (const f of m.filters) w.raw(f);
  }
  w.string('Flags');
  w.uintN(32, m.flags);
  w.string('ID');
  w.uintN(32, m.id);
  w.string('LTime');
  w.uint(m.ltime);
  w.string('Name');
  w.string(m.name);
  w.string('Payload');
  w.rawOrNil(m.payload);
  w.string('Port');
  w.uintN(16, m.port);
  w.string('RelayFactor');
  w.uintN(8, m.relayFactor);
  w.string('SourceNode');
  w.string(m.sourceNode);
  w.string('Timeout');
  w.int(m.timeoutNs);
}

function writePushPull(w: GoMsgpackWriter, m: SerfPushPull): void {
  w.mapHeader(6);
  w.string('EventLTime');
  w.uint(m.eventLTime);
  w.string('Events');
  if (m.events === null) w.nil();
  else {
    w.arrayHeader(m.events.length);
    for (const slot of m.events) {
      if (slot === null) {
        w.nil();
        continue;
      }
      w.mapHeader(2);
      w.string('Events');
      if (slot.events === null) w.nil();
      else {
        w.arrayHeader(slot.events.length);
        for (const e of slot.events) {
          w.mapHeader(2);
          w.string('Name');
          w.string(e.name);
          w.string('Payload');
          w.rawOrNil(e.payload);
        }
      }
      w.string('LTime');
      w.uint(slot.ltime);
    }
  }
  w.string('LTime');
  w.uint(m.ltime);
  w.string('LeftMembers');
  writeStrings(w, m.leftMembers);
  w.string('QueryLTime');
  w.uint(m.queryLTime);
  w.string('StatusLTimes');
  if (m.statusLTimes === null) w.nil();
  else {
    w.mapHeader(m.statusLTimes.size);
    for (const [name, ltime] of m.statusLTimes) {
      w.string(name);
      w.uint(ltime);
    }
  }
}

/** Serf's `Member` record (the body of a conflict response). */
export function writeMember(w: GoMsgpackWriter, m: SerfMember): void {
  w.mapHeader(11);
  w.string('Addr');
  w.raw(m.addr);
  w.string('DelegateCur');
  w.uintN(8, m.delegateCur);
  w.string('DelegateMax');
  w.uintN(8, m.delegateMax);
  w.string('DelegateMin');
  w.uintN(8, m.delegateMin);
  w.string('Name');
  w.string(m.name);
  w.string('Port');
  w.uintN(16, m.port);
  w.string('ProtocolCur');
  w.uintN(8, m.protocolCur);
  w.string('ProtocolMax');
  w.uintN(8, m.protocolMax);
  w.string('ProtocolMin');
  w.uintN(8, m.protocolMin);
  w.string('Status');
  w.int(m.status);
  w.string('Tags');
  writeStringMap(w, m.tags);
}

function writeStrings(w: GoMsgpackWriter, list: readonly string[] | null): void {
  if (list === null) {
    w.nil();
    return;
  }
  w.arrayHeader(list.length);
  for (const s of list) w.string(s);
}

/** A Go `map[string]string`, in the map's iteration order. */
export function writeStringMap(w: GoMsgpackWriter, map: ReadonlyMap<string, string> | null): void {
  if (map === null) {
    w.nil();
    return;
  }
  w.mapHeader(map.size);
  for (const [k, v] of map) {
    w.string(k);
    w.string(v);
  }
}

// ---------------------------------------------------------------------------------------
// Decoding

/** Decodes one Serf message filling `bytes` exactly. Throws only `RemoteError`. */
export function decodeSerfMessage(bytes: Uint8Array, limits: SerfLimits): SerfMessage {
  return decodeAt(new GoMsgpackReader(bytes), limits, false);
}

function decodeAt(r: GoMsgpackReader, limits: SerfLimits, inRelay: boolean): SerfMessage {
  if (r.remaining === 0) throw truncatedError('serf: empty message');
  const type = r.byte('serf: type');
  let m: SerfMessage;
  switch (type) {
    case SERF_MESSAGE_TYPE.join:
      m = readJoin(r, limits);
      break;
    case SERF_MESSAGE_TYPE.leave:
      m = readLeave(r, limits);
      break;
    case SERF_MESSAGE_TYPE.userEvent:
      m = readUserEvent(r, limits);
      break;
    case SERF_MESSAGE_TYPE.query:
      m = readQuery(r, limits);
      break;
    case SERF_MESSAGE_TYPE.queryResponse:
      m = readQueryResponse(r, limits);
      break;
    case SERF_MESSAGE_TYPE.pushPull:
      m = readPushPull(r, limits);
      break;
    case SERF_MESSAGE_TYPE.conflictResponse:
      m = { type: 'conflictResponse', member: r.nil() ? null : readMember(r, limits) };
      break;
    case SERF_MESSAGE_TYPE.keyRequest:
      m = readKeyRequest(r, limits);
      break;
    case SERF_MESSAGE_TYPE.keyResponse:
      m = readKeyResponse(r, limits);
      break;
    case SERF_MESSAGE_TYPE.relay: {
      if (inRelay) throw malformedError('serf relay: a relay inside a relay');
      const header = readRelayHeader(r, limits);
      // The rest of the bytes is the message to forward: decode it in place.
      m = { type: 'relay', ...header, message: decodeAt(r, limits, true) };
      break;
    }
    default:
      throw new RemoteError(
        'HEARSAY_ERR_DECODE_UNKNOWN_TYPE',
        `serf: unknown message type ${type}`,
      );
  }
  r.expectEnd(`serf ${m.type}`);
  return m;
}

function readName(r: GoMsgpackReader, what: string, limits: SerfLimits): string {
  return r.string(what, limits.nameBytesMax, 'nameBytesMax');
}

function readText(r: GoMsgpackReader, what: string, limits: SerfLimits): string {
  return r.string(what, limits.textBytesMax, 'textBytesMax');
}

function readPayload(r: GoMsgpackReader, what: string, limits: SerfLimits): Uint8Array | null {
  return r.bytesOrNil(what, limits.payloadBytesMax, 'payloadBytesMax');
}

function readJoin(r: GoMsgpackReader, limits: SerfLimits): SerfJoin {
  let ltime = 0n;
  let node = '';
  readStruct(r, 'serf join', (key) => {
    if (key === 'LTime') ltime = r.uint64('join.LTime');
    else if (key === 'Node') node = readName(r, 'join.Node', limits);
    else return false;
    return true;
  });
  return { type: 'join', ltime, node };
}

function readLeave(r: GoMsgpackReader, limits: SerfLimits): SerfLeave {
  let ltime = 0n;
  let node = '';
  let prune = false;
  readStruct(r, 'serf leave', (key) => {
    if (key === 'LTime') ltime = r.uint64('leave.LTime');
    else if (key === 'Node') node = readName(r, 'leave.Node', limits);
    else if (key === 'Prune') prune = r.bool('leave.Prune');
    else return false;
    return true;
  });
  return { type: 'leave', ltime, node, prune };
}

function readUserEvent(r: GoMsgpackReader, limits: SerfLimits): SerfUserEvent {
  let ltime = 0n;
  let name = '';
  let payload: Uint8Array | null = null;
  let cc = false;
  readStruct(r, 'serf userEvent', (key) => {
    if (key === 'LTime') ltime = r.uint64('userEvent.LTime');
    else if (key === 'Name') name = readText(r, 'userEvent.Name', limits);
    else if (key === 'Payload') payload = readPayload(r, 'userEvent.Payload', limits);
    else if (key === 'CC') cc = r.bool('userEvent.CC');
    else return false;
    return true;
  });
  return { type: 'userEvent', ltime, name, payload, cc };
}

function readQuery(r: GoMsgpackReader, limits: SerfLimits): SerfQuery {
  let ltime = 0n;
  let id = 0;
  let addr: Uint8Array = new Uint8Array(0);
  let port = 0;
  let sourceNode = '';
  let filters: Uint8Array[] | null = null;
  let flags = 0;
  let relayFactor = 0;
  let timeoutNs = 0n;
  let name = '';
  let payload: Uint8Array | null = null;
  readStruct(r, 'serf query', (key) => {
    switch (key) {
      case 'LTime':
        ltime = r.uint64('query.LTime');
        return true;
      case 'ID':
        id = r.uint(32, 'query.ID');
        return true;
      case 'Addr':
        addr = readAddr(r, 'query.Addr', false);
        return true;
      case 'Port':
        port = r.uint(16, 'query.Port');
        return true;
      case 'SourceNode':
        sourceNode = readName(r, 'query.SourceNode', limits);
        return true;
      case 'Filters': {
        const n = r.arrayHeaderOrNil('query.Filters', limits.filtersMax, 'filtersMax');
        if (n === null) {
          filters = null;
          return true;
        }
        const list: Uint8Array[] = [];
        for (let i = 0; i < n; i++) {
          list.push(r.bytes0('query.Filters[]', limits.payloadBytesMax, 'payloadBytesMax'));
        }
        filters = list;
        return true;
      }
      case 'Flags':
        flags = r.uint(32, 'query.Flags');
        return true;
      case 'RelayFactor':
        relayFactor = r.uint(8, 'query.RelayFactor');
        return true;
      case 'Timeout':
        timeoutNs = r.int64('query.Timeout');
        return true;
      case 'Name':
        name = readText(r, 'query.Name', limits);
        return true;
      case 'Payload':
        payload = readPayload(r, 'query.Payload', limits);
        return true;
      default:
        return false;
    }
  });
  if (addr.length === 0) throw malformedError('query.Addr: missing');
  return {
    type: 'query',
    ltime,
    id,
    addr,
    port,
    sourceNode,
    filters,
    flags,
    relayFactor,
    timeoutNs,
    name,
    payload,
  };
}

function readQueryResponse(r: GoMsgpackReader, limits: SerfLimits): SerfQueryResponse {
  let ltime = 0n;
  let id = 0;
  let from = '';
  let flags = 0;
  let payload: Uint8Array | null = null;
  readStruct(r, 'serf queryResponse', (key) => {
    if (key === 'LTime') ltime = r.uint64('queryResponse.LTime');
    else if (key === 'ID') id = r.uint(32, 'queryResponse.ID');
    else if (key === 'From') from = readName(r, 'queryResponse.From', limits);
    else if (key === 'Flags') flags = r.uint(32, 'queryResponse.Flags');
    else if (key === 'Payload') payload = readPayload(r, 'queryResponse.Payload', limits);
    else return false;
    return true;
  });
  return { type: 'queryResponse', ltime, id, from, flags, payload };
}

function readStrings(
  r: GoMsgpackReader,
  what: string,
  countMax: number,
  countLimitName: string,
  read: () => string,
): string[] | null {
  const n = r.arrayHeaderOrNil(what, countMax, countLimitName);
  if (n === null) return null;
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(read());
  return out;
}

function readPushPull(r: GoMsgpackReader, limits: SerfLimits): SerfPushPull {
  let ltime = 0n;
  let statusLTimes: Map<string, bigint> | null = null;
  let leftMembers: string[] | null = null;
  let eventLTime = 0n;
  let events: (SerfEventSlot | null)[] | null = null;
  let queryLTime = 0n;
  readStruct(r, 'serf pushPull', (key) => {
    switch (key) {
      case 'LTime':
        ltime = r.uint64('pushPull.LTime');
        return true;
      case 'EventLTime':
        eventLTime = r.uint64('pushPull.EventLTime');
        return true;
      case 'QueryLTime':
        queryLTime = r.uint64('pushPull.QueryLTime');
        return true;
      case 'LeftMembers':
        leftMembers = readStrings(r, 'pushPull.LeftMembers', limits.membersMax, 'membersMax', () =>
          readName(r, 'pushPull.LeftMembers[]', limits),
        );
        return true;
      case 'StatusLTimes': {
        const n = r.mapHeaderOrNil('pushPull.StatusLTimes', limits.membersMax, 'membersMax');
        if (n === null) {
          statusLTimes = null;
          return true;
        }
        const map = new Map<string, bigint>();
        for (let i = 0; i < n; i++) {
          const name = readName(r, 'pushPull.StatusLTimes key', limits);
          map.set(name, r.uint64('pushPull.StatusLTimes value'));
        }
        statusLTimes = map;
        return true;
      }
      case 'Events': {
        const n = r.arrayHeaderOrNil(
          'pushPull.Events',
          limits.pushPullEventSlotsMax,
          'pushPullEventSlotsMax',
        );
        if (n === null) {
          events = null;
          return true;
        }
        const slots: (SerfEventSlot | null)[] = [];
        for (let i = 0; i < n; i++) slots.push(r.nil() ? null : readEventSlot(r, limits));
        events = slots;
        return true;
      }
      default:
        return false;
    }
  });
  return { type: 'pushPull', ltime, statusLTimes, leftMembers, eventLTime, events, queryLTime };
}

function readEventSlot(r: GoMsgpackReader, limits: SerfLimits): SerfEventSlot {
  let ltime = 0n;
  let events: SerfEventRecord[] | null = null;
  readStruct(r, 'serf userEvents', (key) => {
    if (key === 'LTime') {
      ltime = r.uint64('userEvents.LTime');
      return true;
    }
    if (key !== 'Events') return false;
    const n = r.arrayHeaderOrNil('userEvents.Events', limits.eventsPerSlotMax, 'eventsPerSlotMax');
    if (n === null) {
      events = null;
      return true;
    }
    const list: SerfEventRecord[] = [];
    for (let i = 0; i < n; i++) {
      let name = '';
      let payload: Uint8Array | null = null;
      readStruct(r, 'serf userEvent record', (k) => {
        if (k === 'Name') name = readText(r, 'userEvent.Name', limits);
        else if (k === 'Payload') payload = readPayload(r, 'userEvent.Payload', limits);
        else return false;
        return true;
      });
      list.push({ name, payload });
    }
    events = list;
    return true;
  });
  return { ltime, events };
}

/** A Go `map[string]string` in wire order; null for nil. */
export function readStringMap(
  r: GoMsgpackReader,
  what: string,
  limits: SerfLimits,
): Map<string, string> | null {
  const n = r.mapHeaderOrNil(what, limits.tagsMax, 'tagsMax');
  if (n === null) return null;
  const map = new Map<string, string>();
  for (let i = 0; i < n; i++) {
    const k = readText(r, `${what} key`, limits);
    map.set(k, readText(r, `${what} value`, limits));
  }
  return map;
}

export function readMember(r: GoMsgpackReader, limits: SerfLimits): SerfMember {
  let name = '';
  let addr: Uint8Array = new Uint8Array(0);
  let port = 0;
  let tags: Map<string, string> | null = null;
  let status = 0;
  const v = {
    protocolMin: 0,
    protocolMax: 0,
    protocolCur: 0,
    delegateMin: 0,
    delegateMax: 0,
    delegateCur: 0,
  };
  readStruct(r, 'serf Member', (key) => {
    switch (key) {
      case 'Name':
        name = readName(r, 'Member.Name', limits);
        return true;
      case 'Addr':
        addr = readAddr(r, 'Member.Addr', true);
        return true;
      case 'Port':
        port = r.uint(16, 'Member.Port');
        return true;
      case 'Tags':
        tags = readStringMap(r, 'Member.Tags', limits);
        return true;
      case 'Status':
        status = r.int('Member.Status');
        return true;
      case 'ProtocolMin':
      case 'ProtocolMax':
      case 'ProtocolCur':
      case 'DelegateMin':
      case 'DelegateMax':
      case 'DelegateCur': {
        const field = (key[0]!.toLowerCase() + key.slice(1)) as keyof typeof v;
        v[field] = r.uint(8, `Member.${key}`);
        return true;
      }
      default:
        return false;
    }
  });
  return { name, addr, port, tags, status, ...v };
}

function readKeyRequest(r: GoMsgpackReader, limits: SerfLimits): SerfKeyRequest {
  let key: Uint8Array | null = null;
  readStruct(r, 'serf keyRequest', (k) => {
    if (k !== 'Key') return false;
    key = readPayload(r, 'keyRequest.Key', limits);
    return true;
  });
  return { type: 'keyRequest', key };
}

function readKeyResponse(r: GoMsgpackReader, limits: SerfLimits): SerfKeyResponse {
  let result = false;
  let message = '';
  let keys: string[] | null = null;
  let primaryKey = '';
  readStruct(r, 'serf keyResponse', (k) => {
    if (k === 'Result') result = r.bool('keyResponse.Result');
    else if (k === 'Message') message = readText(r, 'keyResponse.Message', limits);
    else if (k === 'PrimaryKey') primaryKey = readText(r, 'keyResponse.PrimaryKey', limits);
    else if (k === 'Keys')
      keys = readStrings(r, 'keyResponse.Keys', limits.keysMax, 'keysMax', () =>
        readText(r, 'keyResponse.Keys[]', limits),
      );
    else return false;
    return true;
  });
  return { type: 'keyResponse', result, message, keys, primaryKey };
}

function readRelayHeader(
  r: GoMsgpackReader,
  limits: SerfLimits,
): { destAddr: SerfRelayAddr; destName: string } {
  let destAddr: SerfRelayAddr = { ip: new Uint8Array(0), port: 0, zone: '' };
  let destName = '';
  readStruct(r, 'serf relayHeader', (key) => {
    if (key === 'DestName') {
      destName = readName(r, 'relayHeader.DestName', limits);
      return true;
    }
    if (key !== 'DestAddr') return false;
    let ip: Uint8Array = new Uint8Array(0);
    let port = 0;
    let zone = '';
    readStruct(r, 'relayHeader.DestAddr', (k) => {
      if (k === 'IP') ip = readAddr(r, 'relayHeader.DestAddr.IP', false);
      else if (k === 'Port') port = r.int('relayHeader.DestAddr.Port');
      else if (k === 'Zone') zone = readText(r, 'relayHeader.DestAddr.Zone', limits);
      else return false;
      return true;
    });
    if (port < 0 || port > 0xffff)
      throw malformedError(`relayHeader.DestAddr.Port: ${port} is not a port`);
    destAddr = { ip, port, zone };
    return true;
  });
  if (destAddr.ip.length === 0) throw malformedError('relayHeader.DestAddr.IP: missing');
  return { destAddr, destName };
}
