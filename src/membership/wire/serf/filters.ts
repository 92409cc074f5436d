/**
 * Serf query filters: each is `filterType | go-msgpack body` inside `query.Filters`
 * (serf-layer.md §6.2), and a node answers only if all match.
 *
 *   0 node: array of node names — our name is in the list;
 *   1 tag:  {Expr, Tag} — Go regexp `Expr` (unanchored) matches our value of tag `Tag`.
 *
 * Evaluating a Go regexp is the state machine's problem (and a hostile one); this file only
 * moves the bytes. No capture contains a filter: the layouts come from Serf's source.
 */

import { RemoteError } from '../../../core/errors.ts';
import { readStruct } from '../bodies.ts';
import { GoMsgpackReader, truncatedError } from '../go-msgpack-reader.ts';
import { GoMsgpackWriter } from '../go-msgpack-writer.ts';
import type { SerfLimits } from './limits.ts';

export const FILTER_TYPE = { node: 0, tag: 1 } as const;

export type QueryFilter =
  | { readonly type: 'node'; readonly nodes: readonly string[] }
  | { readonly type: 'tag'; readonly tag: string; readonly expr: string };

export function encodeFilter(f: QueryFilter): Uint8Array {
  const w = new GoMsgpackWriter(64);
  w.byte(FILTER_TYPE[f.type]);
  if (f.type === 'node') {
    w.arrayHeader(f.nodes.length);
    for (const n of f.nodes) w.string(n);
  } else {
    w.mapHeader(2);
    w.string('Expr');
    w.string(f.expr);
    w.string('Tag');
    w.string(f.tag);
  }
  return w.finish();
}

export function decodeFilter(bytes: Uint8Array, limits: SerfLimits): QueryFilter {
  if (bytes.length === 0) throw truncatedError('query filter: empty');
  const r = new GoMsgpackReader(bytes, 1);
  let f: QueryFilter;
  switch (bytes[0]) {
    case FILTER_TYPE.node: {
      const n = r.arrayHeaderOrNil('filterNode', limits.filterNodesMax, 'filterNodesMax') ?? 0;
      const nodes: string[] = [];
      for (let i = 0; i < n; i++)
        nodes.push(r.string('filterNode[]', limits.nameBytesMax, 'nameBytesMax'));
      f = { type: 'node', nodes };
      break;
    }
    case FILTER_TYPE.tag: {
      let tag = '';
      let expr = '';
      readStruct(r, 'filterTag', (key) => {
        if (key === 'Tag') tag = r.string('filterTag.Tag', limits.textBytesMax, 'textBytesMax');
        else if (key === 'Expr')
          expr = r.string('filterTag.Expr', limits.textBytesMax, 'textBytesMax');
        else return false;
        return true;
      });
      f = { type: 'tag', tag, expr };
      break;
    }
    default:
      throw new RemoteError(
        'HEARSAY_ERR_DECODE_UNKNOWN_TYPE',
        `query filter: unknown type ${bytes[0]}`,
      );
  }
  r.expectEnd('query filter');
  return f;
}
