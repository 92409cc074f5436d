/**
 * `npm run bench`: every benchmark, each in its own process (so RSS and JIT state are its
 * own), then one markdown summary with the machine and date, for bench/RESULTS.md.
 *
 *   sim-throughput   deliveries/s, push-pull at 100,000 nodes, beside the bare engine
 *   sim-million      1,000,000 nodes push-pull to full coverage: wall time, peak RSS
 *   real-host        32 UDP processes on 127.0.0.1: time to last delivery, msgs/node
 *   member-memory    heap per member of a SWIM and a Serf node knowing 10,000 members
 *   rss-floor        an idle agent's RSS, step by step from bare Node, beside Serf's
 *   wire-codec       CPU per gossip packet: memberlist-format encode and decode, LZW
 *
 * `npm run bench -- --only sim-throughput` runs one.
 */

import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { only: { type: 'string' } } });
const BENCHES = [
  'sim-throughput',
  'sim-million',
  'real-host',
  'member-memory',
  'rss-floor',
  'wire-codec',
] as const;
/** Where each benchmark's script lives under bench/, and the Node flags it needs. */
const SCRIPTS: Record<(typeof BENCHES)[number], { path: string; nodeArgs: string[] }> = {
  'sim-throughput': { path: 'sim-throughput.ts', nodeArgs: [] },
  'sim-million': { path: 'sim-million.ts', nodeArgs: [] },
  'real-host': { path: 'real-host.ts', nodeArgs: [] },
  'member-memory': { path: 'membership/member-memory.ts', nodeArgs: ['--expose-gc'] },
  'rss-floor': { path: 'membership/rss-floor.ts', nodeArgs: [] },
  'wire-codec': { path: 'membership/wire-codec.ts', nodeArgs: [] },
};
const selected = values.only === undefined ? BENCHES : BENCHES.filter((b) => b === values.only);
if (selected.length === 0) {
  console.error(`bench: --only must be one of ${BENCHES.join(', ')}, got "${values.only}"`);
  process.exit(2);
}

function runScript(name: (typeof BENCHES)[number]): string {
  const { path, nodeArgs } = SCRIPTS[name];
  const r = spawnSync(process.execPath, [...nodeArgs, `bench/${path}`], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`bench/${path} failed (${r.status}):\n${r.stderr}`);
  return r.stdout;
}

const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const lines: string[] = [`## ${new Date().toISOString().slice(0, 10)} — ${machine}`, ''];
const results: Record<string, unknown> = {};

if (selected.includes('sim-throughput')) {
  const rows = JSON.parse(runScript('sim-throughput')) as {
    protocol: string;
    mode: string;
    nodes: number;
    deliveries: number;
    seconds: number;
    deliveriesPerSec: number;
  }[];
  results['sim-throughput'] = rows;
  lines.push(
    'Simulator throughput (`npm run bench -- --only sim-throughput`), 30 periods after construction:',
    '',
  );
  lines.push(
    '| protocol | mode | nodes | deliveries | seconds | deliveries/s | ratio to bare engine |',
  );
  lines.push('| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    const bare = rows.find((b) => b.protocol === 'bare' && b.mode === r.mode)!;
    lines.push(
      `| ${r.protocol} | ${r.mode} | ${r.nodes.toLocaleString('en-US')} | ${r.deliveries.toLocaleString('en-US')} | ${r.seconds.toFixed(2)} | ${Math.round(r.deliveriesPerSec).toLocaleString('en-US')} | ${(r.deliveriesPerSec / bare.deliveriesPerSec).toFixed(2)} |`,
    );
  }
  lines.push('');
}

if (selected.includes('sim-million')) {
  const r = JSON.parse(runScript('sim-million')) as {
    nodes: number;
    coverage: number;
    roundsToFull: number;
    messagesPerNode: number;
    wallSec: number;
    maxRssMiB: number;
  };
  results['sim-million'] = r;
  lines.push(
    'One million nodes, push-pull, one rumor, rounds mode (`npm run bench -- --only sim-million`):',
    '',
  );
  lines.push(
    '| nodes | coverage | rounds to full | msgs/node | wall s (target ≤ 60) | peak RSS MiB (target ≤ 4096) |',
  );
  lines.push('| --- | --- | --- | --- | --- | --- |');
  lines.push(
    `| ${r.nodes.toLocaleString('en-US')} | ${r.coverage} | ${r.roundsToFull} | ${r.messagesPerNode.toFixed(2)} | ${r.wallSec.toFixed(1)} | ${Math.round(r.maxRssMiB)} |`,
  );
  lines.push('');
}

/** Benchmarks that print their own markdown: each under a heading naming its command. */
const TEXT_BENCHES: [(typeof BENCHES)[number], string][] = [
  ['real-host', 'Real host, 32 processes on 127.0.0.1'],
  ['member-memory', 'Memory per member, one process'],
  ['rss-floor', 'Idle agent RSS, step by step, beside Serf'],
  ['wire-codec', 'CPU per gossip packet, memberlist wire format'],
];
for (const [name, heading] of TEXT_BENCHES) {
  if (!selected.includes(name)) continue;
  const out = runScript(name);
  results[name] = out;
  lines.push(`${heading} (\`npm run bench -- --only ${name}\`):`, '', out.trim(), '');
}

mkdirSync('bench/out', { recursive: true });
writeFileSync('bench/out/results.json', `${JSON.stringify(results, null, 2)}\n`);
console.log(lines.join('\n'));
