import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../../src/agent/package-root.ts';

describe('packageRoot', () => {
  it("is the repository's root from src/, whatever the depth", () => {
    const root = new URL('../../', import.meta.url).href;
    assert.equal(packageRoot().href, root);
    assert.equal(packageRoot(new URL('../../src/agent/http/app.ts', import.meta.url)).href, root);
    assert.equal(
      packageRoot(new URL('../../dist/bundle/cli/chunks/x.js', import.meta.url)).href,
      root,
    );
  });

  it('stops at the nearest package.json, and says so when there is none', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hearsay-root-'));
    try {
      mkdirSync(join(dir, 'pkg', 'a', 'b'), { recursive: true });
      writeFileSync(join(dir, 'pkg', 'package.json'), '{}');
      const from = pathToFileURL(join(dir, 'pkg', 'a', 'b', 'm.js'));
      assert.equal(packageRoot(from).href, pathToFileURL(join(dir, 'pkg/')).href);
      assert.throws(() => packageRoot('file:///m.js'), /no package\.json above file:\/\/\/m\.js/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
