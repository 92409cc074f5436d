/**
 * Shape checks for messages handed to `SwimNode.handleMessage`.
 *
 * Messages from the wire codec are already validated (types, ranges, lengths); these
 * checks are the cheap backstop for everything else a host or a test may deliver — a
 * typed object whose fields are missing or of the wrong kind must be dropped and counted,
 * never crash the node halfway through a state change. They check kinds and ranges only,
 * not meaning (the state machine decides that).
 */

import type { SwimMessage } from '../types.ts';

/** Deepest compound/compress/hasCrc nesting accepted (the codec's default `nestingDepthMax`). */
export const NESTING_DEPTH_MAX = 4;

const isU32 = (v: unknown): boolean =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
const isU16 = (v: unknown): boolean =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffff;
const isStr = (v: unknown): boolean => typeof v === 'string';
const isBytes = (v: unknown): boolean => v instanceof Uint8Array;
const isBytesOrNull = (v: unknown): boolean => v === null || v instanceof Uint8Array;
const isAddr = (v: unknown): boolean =>
  v instanceof Uint8Array && (v.length === 4 || v.length === 16);
const isSourceAddr = (v: unknown): boolean =>
  v instanceof Uint8Array && (v.length === 0 || v.length === 4 || v.length === 16);

function isVsn(v: unknown): boolean {
  if (v === null) return true;
  if (!Array.isArray(v) || v.length !== 6) return false;
  for (const x of v)
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x > 255) return false;
  return true;
}

type Obj = Record<string, unknown>;

/** True when `msg` has the fields its `type` promises, with the right kinds and ranges. */
export function wellFormed(msg: unknown, depth = 0): msg is SwimMessage {
  if (typeof msg !== 'object' || msg === null || depth > NESTING_DEPTH_MAX) return false;
  const m = msg as Obj;
  switch (m.type) {
    case 'ping':
      return (
        isU32(m.seqNo) &&
        isStr(m.node) &&
        isSourceAddr(m.sourceAddr) &&
        isU16(m.sourcePort) &&
        isStr(m.sourceNode)
      );
    case 'indirectPing':
      return (
        isU32(m.seqNo) &&
        isAddr(m.target) &&
        isU16(m.port) &&
        isStr(m.node) &&
        typeof m.nack === 'boolean' &&
        isSourceAddr(m.sourceAddr) &&
        isU16(m.sourcePort) &&
        isStr(m.sourceNode)
      );
    case 'ack':
      return isU32(m.seqNo) && isBytesOrNull(m.payload);
    case 'nack':
      return isU32(m.seqNo);
    case 'suspect':
    case 'dead':
      return isU32(m.incarnation) && isStr(m.node) && isStr(m.from);
    case 'alive':
      return (
        isU32(m.incarnation) &&
        isStr(m.node) &&
        isAddr(m.addr) &&
        isU16(m.port) &&
        isBytesOrNull(m.meta) &&
        isVsn(m.vsn)
      );
    case 'user':
      return isBytes(m.payload);
    case 'err':
      return isStr(m.error);
    case 'compound':
      return Array.isArray(m.parts) && m.parts.every((p) => wellFormed(p, depth + 1));
    case 'compress':
    case 'hasCrc':
      return wellFormed(m.message, depth + 1);
    case 'pushPull':
      return (
        typeof m.join === 'boolean' &&
        isBytes(m.userState) &&
        Array.isArray(m.nodes) &&
        m.nodes.every((s: unknown) => {
          if (typeof s !== 'object' || s === null) return false;
          const n = s as Obj;
          return (
            isStr(n.name) &&
            isAddr(n.addr) &&
            isU16(n.port) &&
            isBytesOrNull(n.meta) &&
            isU32(n.incarnation) &&
            typeof n.state === 'number' &&
            Number.isInteger(n.state) &&
            isVsn(n.vsn)
          );
        })
      );
    default:
      return false;
  }
}
