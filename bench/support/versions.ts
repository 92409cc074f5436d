/**
 * What the Serf comparisons print as the versions under test: hearsay's git revision (or
 * "working tree" outside a checkout) and the `serf` on the PATH with its Debian package
 * version, and whether the hearsay agents run the build or the sources.
 */

import { spawnSync } from 'node:child_process';
import { buildState } from '../../bin/build-state.js';

export function hearsayVersion(): string {
  const rev = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
  return rev.status === 0 ? `git ${rev.stdout.trim()}` : 'working tree';
}

/** Which code `bin/hearsay.js` runs now, in words for a benchmark's report. */
export function hearsayRunsFrom(): string {
  switch (buildState()) {
    case 'fresh':
      return 'dist/bundle/ (compiled, bundled)';
    case 'missing':
      return 'src/ (no build: run `npm run build` for representative figures)';
    case 'stale':
      return 'src/ (the build is older than the sources: run `npm run build` for representative figures)';
  }
}

export function serfVersion(): string {
  const v = spawnSync('serf', ['version'], { encoding: 'utf8' }).stdout.split('\n')[0]?.trim();
  const deb = spawnSync('dpkg-query', ['-W', `-f=${'$'}{Version}`, 'serf'], { encoding: 'utf8' });
  return deb.status === 0 ? `${v} (Debian serf ${deb.stdout.trim()})` : `${v}`;
}
