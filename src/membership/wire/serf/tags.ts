/**
 * Serf node tags in memberlist node meta (serf-layer.md §2).
 *
 * From Serf protocol 3 on, meta is `ff | msgpack map<string,string>`; before, the whole meta
 * is the value of the single tag `role`. Decoding follows Serf: empty meta, or a first byte
 * other than 0xff, is the old form.
 *
 * Go writes the map in random order, computed once per alive message, so two encodings of
 * the same tags may differ; compare tags as maps. memberlist, however, compares meta as
 * *bytes* (to fire update events and to decide refutes), so a node must encode its own tags
 * once and reuse the bytes: `encodeTags` writes the map's iteration order, and `sortedTags`
 * builds a map with byte-wise sorted keys for a deterministic encoding.
 */

import { assert } from '../../../core/errors.ts';
import { GoMsgpackReader, malformedError } from '../go-msgpack-reader.ts';
import { GoMsgpackWriter } from '../go-msgpack-writer.ts';
import { readStringMap, writeStringMap } from './codec.ts';
import type { SerfLimits } from './limits.ts';

export const TAGS_MAGIC_BYTE = 0xff;
/** memberlist's `MetaMaxSize`: Serf refuses tags that encode longer. */
export const META_BYTES_MAX = 512;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Meta bytes for `tags`, in the map's iteration order. */
export function encodeTags(tags: ReadonlyMap<string, string>): Uint8Array {
  const w = new GoMsgpackWriter(64);
  w.byte(TAGS_MAGIC_BYTE);
  writeStringMap(w, tags);
  const meta = w.finish();
  assert(
    meta.length <= META_BYTES_MAX,
    `tags encode to ${meta.length} bytes (max ${META_BYTES_MAX})`,
  );
  return meta;
}

/** A tag map with byte-wise sorted keys (UTF-8 order), for a deterministic `encodeTags`. */
export function sortedTags(
  tags: Readonly<Record<string, string>> | ReadonlyMap<string, string>,
): Map<string, string> {
  const entries = tags instanceof Map ? [...tags.entries()] : Object.entries(tags);
  const encoder = new TextEncoder();
  const keyed = entries.map(([k, v]) => ({ k, v, bytes: encoder.encode(k) }));
  keyed.sort((a, b) => compareBytes(a.bytes, b.bytes));
  return new Map(keyed.map(({ k, v }) => [k, v]));
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Tags from meta bytes (wire order kept). Throws only `RemoteError`. */
export function decodeTags(meta: Uint8Array | null, limits: SerfLimits): Map<string, string> {
  if (meta === null || meta.length === 0) return new Map([['role', '']]);
  if (meta[0] !== TAGS_MAGIC_BYTE) {
    try {
      return new Map([['role', utf8.decode(meta)]]);
    } catch {
      throw malformedError('meta: role tag is not well-formed UTF-8');
    }
  }
  const r = new GoMsgpackReader(meta, 1);
  const tags = readStringMap(r, 'meta tags', limits);
  r.expectEnd('meta tags');
  return tags ?? new Map();
}
