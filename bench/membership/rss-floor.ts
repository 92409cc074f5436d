/**
 * Where an idle agent's resident memory goes: a ladder of Node processes, each loading one
 * more of what `hearsay agent` loads, then the agent itself and a Serf agent, measured the
 * same way in the same run.
 *
 *   npx node bench/membership/rss-floor.ts [--settle-ms 5000] [--json bench/out/rss-floor.json]
 *
 * Steps (each a fresh process that loads its modules, opens what the agent opens, then idles;
 * measured after `--settle-ms`; the Node steps under the agent's own V8 flags,
 * bin/agent-node-flags.js):
 *   node              bare Node, one interval timer
 *   + builtins        a UDP socket and a TCP listener bound, an HTTP server listening,
 *                     child_process loaded: what any agent in Node needs (node:crypto only
 *                     with encryption or an API token, so not here)
 *   + the rest        prom-client (a registry with the default process metrics), msgpackr,
 *                     commander
 *   hearsay agent     `bin/hearsay.js agent --bind 127.0.0.1:0 --http 127.0.0.1:0`
 *   serf agent        Debian's serf, `-bind 127.0.0.1:0`, when installed
 *
 * For each: VmRSS (what the target and Serf's figure count), its anonymous and
 * file-backed parts, and PSS (proportional set size, /proc/PID/smaps_rollup): file pages of
 * the node binary are shared by every Node process on the machine, so RSS counts them once
 * per agent while PSS splits them between the processes mapping them. Run on its own, PSS
 * still includes whatever other Node processes happen to share; the anonymous part is the
 * memory an agent alone costs.
 */

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { AGENT_NODE_FLAGS } from '../../bin/agent-node-flags.js';
import { HEARSAY_BIN_PATH } from './hearsay-cluster.ts';

const { values } = parseArgs({
  options: {
    'settle-ms': { type: 'string', default: '5000' },
    json: { type: 'string', default: 'bench/out/rss-floor.json' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(
    'usage: npx node bench/membership/rss-floor.ts [--settle-ms 5000] [--json bench/out/rss-floor.json]',
  );
  process.exit(0);
}
const SETTLE_MS = Number(values['settle-ms']);
if (!Number.isInteger(SETTLE_MS) || SETTLE_MS < 500 || SETTLE_MS > 120_000) {
  console.error(`--settle-ms must be an integer from 500 to 120000, got "${values['settle-ms']}"`);
  process.exit(2);
}

const IDLE = 'setInterval(() => {}, 1000);';
const BUILTINS = `
const dgram = require('node:dgram'); const net = require('node:net');
const http = process.getBuiltinModule('node:http'); require('node:child_process');
dgram.createSocket('udp4').bind(0, '127.0.0.1');
net.createServer().listen(0, '127.0.0.1');
http.createServer((q, s) => s.end()).listen(0, '127.0.0.1');`;
const REST = `
const Registry = require('prom-client/lib/registry'); const reg = new Registry();
require('prom-client/lib/counter'); require('prom-client/lib/gauge'); require('prom-client/lib/histogram');
require('prom-client/lib/defaultMetrics')({ register: reg }); reg.metrics();
require('msgpackr').pack({ a: 1 }); new (require('commander').Command)('x');`;

interface Step {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
}

const steps: Step[] = [
  { name: 'node', command: process.execPath, args: [...AGENT_NODE_FLAGS, '-e', IDLE] },
  {
    name: '+ builtins',
    command: process.execPath,
    args: [...AGENT_NODE_FLAGS, '-e', BUILTINS + IDLE],
  },
  {
    name: '+ prom-client, msgpackr, commander',
    command: process.execPath,
    args: [...AGENT_NODE_FLAGS, '-e', BUILTINS + REST + IDLE],
  },
  {
    name: 'hearsay agent',
    command: process.execPath,
    args: [
      HEARSAY_BIN_PATH,
      'agent',
      '--name',
      'rss-floor',
      '--bind',
      '127.0.0.1:0',
      '--http',
      '127.0.0.1:0',
    ],
  },
];
const serfPath = spawnSync('sh', ['-c', 'command -v serf'], { encoding: 'utf8' }).stdout.trim();
if (serfPath !== '') {
  steps.push({
    name: 'serf agent',
    command: serfPath,
    args: ['agent', '-node', 'rss-floor', '-bind', '127.0.0.1:0', '-rpc-addr', '127.0.0.1:0'],
  });
}

interface Row {
  readonly step: string;
  readonly rssMiB: number;
  readonly anonMiB: number;
  readonly fileMiB: number;
  readonly pssMiB: number;
}

function kib(text: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  if (m === null) throw new Error(`no ${field} in /proc status`);
  return Number(m[1]);
}

function measure(pid: number, step: string): Row {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  return {
    step,
    rssMiB: kib(status, 'VmRSS') / 1024,
    anonMiB: kib(status, 'RssAnon') / 1024,
    fileMiB: kib(status, 'RssFile') / 1024,
    pssMiB: kib(rollup, 'Pss') / 1024,
  };
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

async function run(step: Step): Promise<Row> {
  const child = spawn(step.command, step.args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => {
    stderr = (stderr + s).slice(-4_096);
  });
  try {
    await Promise.race([
      new Promise((resolve) => setTimeout(resolve, SETTLE_MS)),
      exited(child).then(() => {
        throw new Error(`${step.name} exited early (${child.exitCode}): ${stderr}`);
      }),
    ]);
    return measure(child.pid!, step.name);
  } finally {
    child.kill('SIGKILL');
    await exited(child);
  }
}

const rows: Row[] = [];
for (const step of steps) {
  console.error(`rss-floor: ${step.name} (settling ${SETTLE_MS} ms)`);
  rows.push(await run(step));
}

const f = (x: number): string => x.toFixed(1);
console.log('| process | RSS MiB | anonymous MiB | file-backed MiB | PSS MiB |');
console.log('| --- | --- | --- | --- | --- |');
for (const r of rows) {
  console.log(
    `| ${r.step} | ${f(r.rssMiB)} | ${f(r.anonMiB)} | ${f(r.fileMiB)} | ${f(r.pssMiB)} |`,
  );
}
mkdirSync(dirname(values.json), { recursive: true });
writeFileSync(values.json, `${JSON.stringify({ settleMs: SETTLE_MS, rows }, null, 2)}\n`);
