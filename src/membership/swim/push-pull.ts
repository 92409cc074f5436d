/**
 * Push/pull helpers: our table as push/pull node states, and memberlist's protocol
 * compatibility check (memberlist-wire.md §7.2, memberlist `verifyProtocol`).
 *
 * The check takes, over every *alive* entry of the received list and of our own table, the
 * largest protocol minimum, the smallest protocol maximum and the same for the delegate
 * versions; then every entry of both lists, whatever its state, must speak versions inside
 * those ranges. An entry without `Vsn` counts as all zeros — in our table too, which is how
 * memberlist behaves: one alive member that never sent versions fails every exchange.
 */

import type { PushNodeState, Vsn } from '../wire/messages.ts';
import { NODE_STATE } from '../wire/messages.ts';
import type { MemberRecord } from './member-table.ts';

const ZERO_VSN: Vsn = [0, 0, 0, 0, 0, 0];

export function pushNodeStateOf(rec: MemberRecord): PushNodeState {
  return {
    name: rec.name,
    addr: rec.ip,
    port: rec.port,
    meta: rec.meta,
    incarnation: rec.incarnation,
    state: NODE_STATE[rec.state],
    vsn: rec.vsn,
  };
}

/** Null when compatible; otherwise memberlist's reason, naming the first offending node. */
export function incompatibility(
  remote: readonly PushNodeState[],
  local: readonly MemberRecord[],
): string | null {
  let pMinMax = 0;
  let pMaxMin = 255;
  let dMinMax = 0;
  let dMaxMin = 255;
  for (const r of remote) {
    if (r.state !== NODE_STATE.alive || r.vsn === null) continue;
    if (r.vsn[0] > pMinMax) pMinMax = r.vsn[0];
    if (r.vsn[1] < pMaxMin) pMaxMin = r.vsn[1];
    if (r.vsn[3] > dMinMax) dMinMax = r.vsn[3];
    if (r.vsn[4] < dMaxMin) dMaxMin = r.vsn[4];
  }
  for (const n of local) {
    if (n.state !== 'alive') continue;
    const v = n.vsn ?? ZERO_VSN;
    if (v[0] > pMinMax) pMinMax = v[0];
    if (v[1] < pMaxMin) pMaxMin = v[1];
    if (v[3] > dMinMax) dMinMax = v[3];
    if (v[4] < dMaxMin) dMaxMin = v[4];
  }
  const check = (name: string, v: Vsn): string | null => {
    if (v[2] < pMinMax || v[2] > pMaxMin) {
      return `Node '${name}' protocol version (${v[2]}) is incompatible: [${pMinMax}, ${pMaxMin}]`;
    }
    if (v[5] < dMinMax || v[5] > dMaxMin) {
      return `Node '${name}' delegate protocol version (${v[5]}) is incompatible: [${dMinMax}, ${dMaxMin}]`;
    }
    return null;
  };
  for (const r of remote) {
    const problem = check(r.name, r.vsn ?? ZERO_VSN);
    if (problem !== null) return problem;
  }
  for (const n of local) {
    const problem = check(n.name, n.vsn ?? ZERO_VSN);
    if (problem !== null) return problem;
  }
  return null;
}
