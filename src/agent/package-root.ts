/**
 * The directory holding hearsay's package.json, found by walking up from this module.
 *
 * Why not a fixed relative path: the same module runs from src/, from the compiled dist/ and
 * from the bundle in dist/bundle/ (scripts/bundle.ts), each a different depth below the
 * package, and a path that is right in one is wrong in another.
 */

import { existsSync } from 'node:fs';

export function packageRoot(from: string | URL = import.meta.url): URL {
  let dir = new URL('./', from);
  for (;;) {
    if (existsSync(new URL('package.json', dir))) return dir;
    const parent = new URL('../', dir);
    if (parent.href === dir.href) throw new Error(`no package.json above ${String(from)}`);
    dir = parent;
  }
}
