/**
 * What the Serf comparisons print as the versions under test: hearsay's git revision (or
 * "working tree" outside a checkout) and the `serf` on the PATH with its Debian package
 * version.
 */

import { spawnSync } from 'node:child_process';

export function hearsayVersion(): string {
  const rev = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
  return rev.status === 0 ? `git ${rev.stdout.trim()}` : 'working tree';
}

export function serfVersion(): string {
  const v = spawnSync('serf', ['version'], { encoding: 'utf8' }).stdout.split('\n')[0]?.trim();
  const deb = spawnSync('dpkg-query', ['-W', `-f=${'$'}{Version}`, 'serf'], { encoding: 'utf8' });
  return deb.status === 0 ? `${v} (Debian serf ${deb.stdout.trim()})` : `${v}`;
}
