/**
 * The report writer's pure parts (chart specs, comparison plan, documents, parameter and
 * summary text) on synthetic results, plus headless SVG rendering of each chart. The
 * end-to-end `--out` run is in test/cli/sim-command.test.ts.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CHART_POINTS_MAX,
  type ChartSeries,
  coverageChartSpec,
  messageRate,
  messagesChartSpec,
  sirChartSpec,
  thin,
} from '../../src/sim/report/charts.ts';
import {
  COMPARISON_NODES_MAX,
  comparisonPlan,
  runComparison,
} from '../../src/sim/report/comparison.ts';
import { escapeHtml, renderHtml, renderMarkdown } from '../../src/sim/report/documents.ts';
import { jsonText } from '../../src/sim/report/json.ts';
import { paramsLine, replayArgs } from '../../src/sim/report/params.ts';
import { compileSpec, renderSvg } from '../../src/sim/report/render-svg.ts';
import { countsText, summaryRows } from '../../src/sim/report/summary.ts';
import type {
  DisseminationExperiment,
  DisseminationProtocolName,
  DisseminationResult,
  TimelinePoint,
} from '../../src/sim/types.ts';

const EXP: DisseminationExperiment = {
  protocol: 'rumor',
  variant: 'feedback-counter',
  k: 2,
  fanout: 1,
  ttl: Number.POSITIVE_INFINITY,
  nodes: 100,
  seed: 1,
  mode: 'rounds',
  periodMs: 200,
  network: {
    latency: { kind: 'uniform', minMs: 5, maxMs: 15 },
    loss: 0,
    duplicate: 0,
    uploadBytesPerSec: 0,
  },
  partitions: [{ atMs: 0, healMs: Number.POSITIVE_INFINITY, fraction: 0.5 }],
  crashes: [],
  durationMs: 20_000,
  antiEntropyPeriodMs: 0,
  messageBudgetPerPeriod: Number.POSITIVE_INFINITY,
};

/** A logistic-looking epidemic over `rounds` rounds on `nodes` nodes. */
function timeline(nodes: number, rounds: number): TimelinePoint[] {
  const out: TimelinePoint[] = [];
  for (let t = 0; t <= rounds; t++) {
    const informed = Math.min(nodes, 2 ** t);
    const removed = Math.floor(informed / 4);
    out.push({
      t,
      susceptible: nodes - informed,
      infected: informed - removed,
      removed,
      messages: 3 * t * nodes,
    });
  }
  return out;
}

function result(protocol: DisseminationProtocolName, nodes = 100): DisseminationResult {
  return {
    seed: 1,
    nodes,
    protocol,
    variant: protocol === 'rumor' ? 'feedback-counter' : null,
    mode: 'rounds',
    coverage: protocol === 'rumor' ? 0.95 : 1,
    residue: protocol === 'rumor' ? 0.05 : 0,
    roundsTo50: 6,
    roundsTo99: protocol === 'rumor' ? null : 8,
    roundsToFull: protocol === 'rumor' ? null : 9,
    timeTo50Ms: 1200,
    timeTo99Ms: protocol === 'rumor' ? null : 1600,
    timeToFullMs: protocol === 'rumor' ? null : 1800,
    tAve: 5.5,
    tLast: 9,
    messagesPerNode: 12.5,
    bytesPerNode: 80,
    redundancy: 1.3,
    deliveries: 130,
    messagesByType: { push: 100, feedback: 20, pull: 0 },
    droppedByReason: {},
    traceHash: '0123456789abcdef',
    virtualTimeMs: 1800,
    wallMs: 12.3,
    timeline: timeline(nodes, 10),
  };
}

const SERIES: ChartSeries[] = (['push', 'pull', 'push-pull', 'rumor'] as const).map((name) => ({
  name,
  nodes: 100,
  timeline: result(name).timeline,
}));

describe('chart specs', () => {
  it('thin keeps the first and last points and at most the limit', () => {
    const points = Array.from({ length: 10_001 }, (_, i) => i);
    const thinned = thin(points);
    assert.equal(thinned.length, CHART_POINTS_MAX);
    assert.equal(thinned[0], 0);
    assert.equal(thinned.at(-1), 10_000);
    assert.deepEqual(thin([1, 2, 3]), [1, 2, 3]);
  });

  it('SIR spec: three states per sample, compiles without warnings', () => {
    const spec = sirChartSpec(timeline(100, 10), { mode: 'rounds', title: 'sir' });
    const values = (spec.data as { values: Array<{ state: string }> }).values;
    assert.equal(values.length, 11 * 3);
    assert.deepEqual(
      [...new Set(values.map((v) => v.state))],
      ['susceptible', 'infected', 'removed'],
    );
    assert.ok(compileSpec(spec).marks);
  });

  it('coverage spec: informed fraction per protocol, in [0, 1]', () => {
    const spec = coverageChartSpec(SERIES, { mode: 'events', title: 'coverage' });
    const values = (spec.data as { values: Array<{ protocol: string; informed: number }> }).values;
    assert.deepEqual(
      [...new Set(values.map((v) => v.protocol))],
      ['push', 'pull', 'push-pull', 'rumor'],
    );
    assert.ok(values.every((v) => v.informed >= 0 && v.informed <= 1));
    assert.equal(values.at(-1)!.informed, 1);
    assert.ok(compileSpec(spec).marks);
  });

  it('message rate: per node and per period, from cumulative counts', () => {
    const points: TimelinePoint[] = [0, 10, 30, 30].map((messages, t) => ({
      t: t * 200,
      susceptible: 0,
      infected: 10,
      removed: 0,
      messages,
    }));
    assert.deepEqual(messageRate(points, 10, 200), [
      { t: 200, rate: 1 },
      { t: 400, rate: 2 },
      { t: 600, rate: 0 },
    ]);
    const spec = messagesChartSpec(SERIES, { mode: 'rounds', title: 'm', periodMs: 200 });
    assert.ok(compileSpec(spec).marks);
  });

  it('a bad spec is an error, not a silent warning', () => {
    const spec = sirChartSpec(timeline(10, 2), { mode: 'rounds', title: 'x' }) as {
      encoding: object;
    };
    const broken = { ...spec, encoding: { ...spec.encoding, x: { field: 't', type: 'nonsense' } } };
    assert.throws(() => compileSpec(broken as never), /nonsense|invalid/i);
  });
});

describe('SVG rendering', () => {
  it('renders each chart headless with its series names in the legend', async () => {
    const charts: Array<[ReturnType<typeof sirChartSpec>, string[]]> = [
      [
        sirChartSpec(timeline(100, 10), { mode: 'rounds', title: 'SIR' }),
        ['susceptible', 'infected', 'removed'],
      ],
      [
        coverageChartSpec(SERIES, { mode: 'rounds', title: 'Coverage' }),
        ['push', 'pull', 'push-pull', 'rumor'],
      ],
      [
        messagesChartSpec(SERIES, { mode: 'rounds', title: 'Messages', periodMs: 200 }),
        ['push', 'pull', 'push-pull', 'rumor'],
      ],
    ];
    for (const [spec, names] of charts) {
      const svg = await renderSvg(spec);
      assert.ok(svg.startsWith('<svg'), svg.slice(0, 40));
      assert.ok(svg.includes(`>${spec.title}</text>`));
      for (const name of names) assert.ok(svg.includes(`>${name}</text>`), name);
    }
  });
});

describe('protocol comparison plan', () => {
  it('reuses the main result for its own protocol when not capped', () => {
    const plan = comparisonPlan({ ...EXP, protocol: 'push-pull', nodes: 5000 });
    assert.equal(plan.capped, false);
    assert.equal(plan.nodes, 5000);
    assert.deepEqual(
      plan.runs.map((r) => [r.protocol, r.experiment?.nodes ?? 'main']),
      [
        ['push', 5000],
        ['pull', 5000],
        ['push-pull', 'main'],
        ['rumor', 5000],
      ],
    );
    assert.equal(plan.runs[0]!.experiment!.seed, EXP.seed);
    assert.deepEqual(plan.runs[0]!.experiment!.network, EXP.network);
    assert.deepEqual(plan.runs[0]!.experiment!.partitions, EXP.partitions);
  });

  it('caps every run, the main protocol included, above COMPARISON_NODES_MAX', () => {
    const plan = comparisonPlan({ ...EXP, protocol: 'anti-entropy', nodes: 1_000_000 });
    assert.equal(plan.capped, true);
    assert.equal(plan.nodes, COMPARISON_NODES_MAX);
    assert.deepEqual(
      plan.runs.map((r) => r.protocol),
      ['push', 'pull', 'push-pull', 'rumor', 'anti-entropy'],
    );
    assert.ok(plan.runs.every((r) => r.experiment?.nodes === COMPARISON_NODES_MAX));
  });

  it('runComparison runs what the plan asks and reuses the main result', () => {
    const main = result('push-pull');
    const ran: string[] = [];
    const c = runComparison(comparisonPlan({ ...EXP, protocol: 'push-pull' }), main, (exp) => {
      ran.push(exp.protocol);
      return result(exp.protocol);
    });
    assert.deepEqual(ran, ['push', 'pull', 'rumor']);
    assert.equal(c.results[2], main);
  });
});

describe('report documents and text', () => {
  const comparison = {
    nodes: 100_000,
    capped: true,
    results: SERIES.map((s) => result(s.name as DisseminationProtocolName)),
  };

  it('Markdown has the parameters, the summary, the charts and the cap note', () => {
    const md = renderMarkdown({ experiment: EXP, result: result('rumor'), comparison });
    assert.ok(md.includes(paramsLine(EXP)));
    for (const file of ['sir.svg', 'coverage.svg', 'messages.svg', 'result.json']) {
      assert.ok(md.includes(`(${file})`), file);
    }
    assert.match(md, /capped at 100,000 nodes/);
    assert.match(md, /\| rumor \| 95\.00% \| not reached \| not reached \|/);
    assert.match(md, /\| --partition \| 0:never:0\.5 \|/);
  });

  it('HTML embeds the charts and escapes text', () => {
    const html = renderHtml({ experiment: EXP, result: result('rumor'), comparison });
    assert.ok(html.startsWith('<!doctype html>'));
    for (const file of ['sir.svg', 'coverage.svg', 'messages.svg']) {
      assert.ok(html.includes(`<img src="${file}"`), file);
    }
    assert.equal(escapeHtml('<a href="x">&</a>'), '&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;');
  });

  it('parameter line: SEED first, flag syntax, none for empty fault lists', () => {
    const line = paramsLine(EXP);
    assert.match(line, /^SEED=1 nodes=100 protocol=rumor variant=feedback-counter k=2 /);
    assert.ok(line.includes('ttl=none'));
    assert.ok(line.includes('latency=uniform:5:15'));
    assert.ok(line.includes('partition=0:never:0.5'));
    assert.ok(line.includes('crash=none'));
    assert.ok(line.includes('budget=unlimited'));
    const args = replayArgs(EXP);
    assert.deepEqual(args.slice(0, 4), ['--seed', '1', '--nodes', '100']);
    assert.ok(!args.includes('--crash'));
  });

  it('summary rows: milestones never reached say so; counts are sorted and skip zeros', () => {
    const rows = new Map(summaryRows(result('rumor')).map((r) => [r.label, r.value]));
    assert.equal(rows.get('to 100% coverage'), 'not reached');
    assert.equal(rows.get('to 50% coverage'), '6 rounds (1,200 ms)');
    assert.equal(rows.get('coverage'), '95.000%');
    assert.equal(rows.get('messages by type'), 'feedback=20 push=100');
    assert.equal(rows.get('drops by reason'), 'none');
    assert.equal(countsText({ b: 2, a: 1 }), 'a=1 b=2');
  });

  it('JSON keeps Infinity distinguishable from null', () => {
    assert.deepEqual(JSON.parse(jsonText({ ttl: Number.POSITIVE_INFINITY, x: null })), {
      ttl: 'Infinity',
      x: null,
    });
  });
});
