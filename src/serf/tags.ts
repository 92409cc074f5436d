/**
 * Our own node meta: the tags, encoded once (serf-layer.md §2).
 *
 * memberlist compares meta as bytes — to fire update events and to decide whether an alive
 * message about ourselves must be refuted — so a node must encode its tags once and reuse
 * the bytes until they change. We encode with byte-wise sorted keys (`sortedTags`), which
 * is one of the orders Go's random map order may produce, so every Serf agent reads it.
 *
 * Serf protocol 3 and later (the agent speaks 5) put `ff | msgpack map` in the meta; before
 * that, the meta is the raw value of the `role` tag and other tags are not sent. Meta longer
 * than memberlist's 512 bytes is refused, as Serf refuses such tags at start and in `tags`:
 * a `ConfigError` naming the field, raised before anything is sent.
 */

import { ConfigError } from '../core/errors.ts';
import { GoMsgpackWriter } from '../membership/wire/go-msgpack-writer.ts';
import { writeStringMap } from '../membership/wire/serf/codec.ts';
import { META_BYTES_MAX, sortedTags, TAGS_MAGIC_BYTE } from '../membership/wire/serf/tags.ts';

/** Serf protocol version from which tags travel as a map (`ff | map`). */
export const TAGS_MAP_PROTOCOL_MIN = 3;

export type TagsInput = Readonly<Record<string, string>> | ReadonlyMap<string, string>;

/** Copies `tags` into a sorted `Map`, checking every key and value is a string. */
export function normalizeTags(tags: TagsInput, field: string): Map<string, string> {
  if (tags === null || typeof tags !== 'object') {
    throw new ConfigError(field, `must be a map or object of strings, got ${String(tags)}`);
  }
  const entries = tags instanceof Map ? [...tags.entries()] : Object.entries(tags);
  for (const [k, v] of entries) {
    if (typeof k !== 'string' || typeof v !== 'string') {
      throw new ConfigError(field, `keys and values must be strings (tag ${String(k)})`);
    }
  }
  return sortedTags(new Map(entries));
}

/** Meta bytes for our tags under Serf `protocolVersion`; `ConfigError(field)` if > 512 bytes. */
export function encodeOwnMeta(
  tags: ReadonlyMap<string, string>,
  protocolVersion: number,
  field: string,
): Uint8Array {
  let meta: Uint8Array;
  if (protocolVersion < TAGS_MAP_PROTOCOL_MIN) {
    meta = new TextEncoder().encode(tags.get('role') ?? '');
  } else {
    const w = new GoMsgpackWriter(64);
    w.byte(TAGS_MAGIC_BYTE);
    writeStringMap(w, tags);
    meta = w.finish();
  }
  if (meta.length > META_BYTES_MAX) {
    throw new ConfigError(
      field,
      `tags encode to ${meta.length} bytes of node meta, more than memberlist's ${META_BYTES_MAX}`,
    );
  }
  return meta;
}
