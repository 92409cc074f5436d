/**
 * Serf's ack payload: its Vivaldi network coordinate (serf-layer.md §9).
 *
 * Every UDP ack a Serf node sends carries `01 | msgpack Coordinate{Adjustment, Error,
 * Height, Vec}` (keys sorted, every number a float64 `cb`). Serf skips the update for a nil
 * payload and logs a version byte other than 1; `decodePingPayload` reports the version so
 * the caller can do the same, and decodes the coordinate only for version 1.
 */

import { RemoteError } from '../../../core/errors.ts';
import { readStruct } from '../bodies.ts';
import { GoMsgpackReader, truncatedError } from '../go-msgpack-reader.ts';
import { GoMsgpackWriter } from '../go-msgpack-writer.ts';
import type { SerfLimits } from './limits.ts';

export const PING_PAYLOAD_VERSION = 1;

export interface Coordinate {
  readonly vec: readonly number[];
  readonly error: number;
  readonly adjustment: number;
  readonly height: number;
}

export function encodePingPayload(c: Coordinate): Uint8Array {
  const w = new GoMsgpackWriter(160);
  w.byte(PING_PAYLOAD_VERSION);
  w.mapHeader(4);
  w.string('Adjustment');
  w.float64(c.adjustment);
  w.string('Error');
  w.float64(c.error);
  w.string('Height');
  w.float64(c.height);
  w.string('Vec');
  w.arrayHeader(c.vec.length);
  for (const x of c.vec) w.float64(x);
  return w.finish();
}

/** Decodes an ack payload. An unknown version is `HEARSAY_ERR_DECODE_VERSION`. */
export function decodePingPayload(payload: Uint8Array, limits: SerfLimits): Coordinate {
  if (payload.length === 0) throw truncatedError('ping payload: empty');
  if (payload[0] !== PING_PAYLOAD_VERSION) {
    throw new RemoteError(
      'HEARSAY_ERR_DECODE_VERSION',
      `ping payload: unknown version ${payload[0]}`,
    );
  }
  const r = new GoMsgpackReader(payload, 1);
  let vec: number[] = [];
  let error = 0;
  let adjustment = 0;
  let height = 0;
  readStruct(r, 'Coordinate', (key) => {
    switch (key) {
      case 'Vec': {
        const n =
          r.arrayHeaderOrNil(
            'Coordinate.Vec',
            limits.coordinateDimensionsMax,
            'coordinateDimensionsMax',
          ) ?? 0;
        vec = [];
        for (let i = 0; i < n; i++) vec.push(r.float64('Coordinate.Vec[]'));
        return true;
      }
      case 'Error':
        error = r.float64('Coordinate.Error');
        return true;
      case 'Adjustment':
        adjustment = r.float64('Coordinate.Adjustment');
        return true;
      case 'Height':
        height = r.float64('Coordinate.Height');
        return true;
      default:
        return false;
    }
  });
  r.expectEnd('Coordinate');
  return { vec, error, adjustment, height };
}
