/**
 * The network coordinate we put in our acks (serf-layer.md §9).
 *
 * Serf answers every ping with `01 | Coordinate` and feeds the coordinates it receives into
 * its Vivaldi model. We do not run Vivaldi yet: we always send the coordinate a fresh Serf
 * node starts with (`coordinate.NewCoordinate(DefaultConfig())`: the origin of an
 * 8-dimensional space, error at `VivaldiErrorMax` 1.5, no adjustment, height at
 * `HeightMin` 10 µs). A Serf peer accepts it (finite, 8 dimensions, like its own) and
 * weighs it by its large error, so it barely moves the peer's estimate — which is honest:
 * we know nothing about our position. `serf rtt` against us therefore reports the peer's
 * own estimate only. Received coordinates are validated (a malformed one is counted) but
 * not used.
 */

import { encodePingPayload } from '../membership/wire/serf/coordinate.ts';

/** Serf's `coordinate.DefaultConfig()` values that shape a new coordinate. */
export const COORDINATE_DIMENSIONS = 8;
export const VIVALDI_ERROR_MAX = 1.5;
export const HEIGHT_MIN_SECONDS = 10.0e-6;

/** The ack payload bytes for Serf's initial coordinate (computed once: it never changes). */
export const INITIAL_COORDINATE_PAYLOAD: Uint8Array = encodePingPayload({
  vec: new Array<number>(COORDINATE_DIMENSIONS).fill(0),
  error: VIVALDI_ERROR_MAX,
  adjustment: 0,
  height: HEIGHT_MIN_SECONDS,
});
