/**
 * The SWIM and Lifeguard reproductions, quick versions (200 nodes, fixed seeds), held to
 * the papers' relations. Tolerances come from the spread we measured, as in
 * reproduce.test.ts: 4 standard errors of our mean where a mean is compared with an
 * expectation (a true match fails with probability ~6e-5).
 *
 * Measured spread behind the Lifeguard thresholds (quick settings, seeds 1–6): with 10% of
 * the members slowed by 15 s, Lifeguard off marked 271–299 live healthy members dead and
 * on 0–2; failed probes of healthy members were 558–576 off against 77–83 on. The tests
 * ask for the paper's 50× on the first and 4× on the second (4 Poisson sds below the off
 * counts over 4 sds above the on counts). The alternative tuning (suspicionMult 2) marked
 * 71–80 dead against off's 271–298 (3.4–3.8×, the paper says 3×); 4 Poisson sds each way
 * leave 2×, which is what the test asks.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LAN_CONFIG } from '../../src/membership/swim/config.ts';
import { QUICK_LIFEGUARD, QUICK_SWIM } from '../../src/sim/reproduce/index.ts';
import {
  formatLifeguardRepro,
  LIFEGUARD_FP_REDUCTION_MIN,
  runLifeguardRepro,
} from '../../src/sim/reproduce/lifeguard.ts';
import type { Summary } from '../../src/sim/reproduce/stats.ts';
import {
  formatSwimRepro,
  runSwimRepro,
  SWIM_FIRST_DETECTION_PERIODS,
  swimFirstDetectionPeriods,
} from '../../src/sim/reproduce/swim.ts';

const swim = runSwimRepro(QUICK_SWIM);
const lifeguard = runLifeguardRepro(QUICK_LIFEGUARD);

function assertNear(label: string, ours: Summary, expected: number): void {
  const tol = 4 * ours.se;
  assert.ok(
    Math.abs(ours.mean - expected) <= tol,
    `${label}: ours ${ours.mean.toFixed(3)} ± se ${ours.se.toFixed(3)} vs ${expected.toFixed(3)} (tolerance ${tol.toFixed(3)})`,
  );
}

test('mass join: every seed converges to every table listing all n alive', () => {
  assert.equal(swim.join.notConverged, 0);
  assert.equal(swim.join.convergedSeconds.runs, QUICK_SWIM.seeds);
  assert.ok(swim.join.messagesPerNode.mean > 0);
});

test('SWIM first detection: ⌈X⌉ matches T′/(1 − e^−q_f), whose q_f → 1 limit is e/(e − 1)', () => {
  const d = swim.detection;
  assert.equal(d.victims, QUICK_SWIM.seeds * QUICK_SWIM.crashRounds * QUICK_SWIM.crashVictims);
  assert.equal(d.firstPingWhole.runs, d.victims, 'every victim was probed');
  assertNear('⌈X⌉', d.firstPingWhole, d.expectedFirstPingWhole);
  // The expectation is the paper's formula at our q_f; at q_f = 1 it is e/(e − 1).
  assert.ok(Math.abs(swimFirstDetectionPeriods(1) - SWIM_FIRST_DETECTION_PERIODS) < 1e-12);
  assert.ok(Math.abs(d.expectedFirstPingWhole - SWIM_FIRST_DETECTION_PERIODS) < 0.1);
});

test('memberlist first detection: first ping after 1/q_f periods, first suspicion one probe interval later', () => {
  const d = swim.detection;
  assertNear('X', d.firstPing, d.expectedFirstPing);
  assertNear('first suspicion', d.firstSuspicion, d.expectedFirstPing + 1);
});

test('a crashed member is declared dead everywhere: after the suspicion timeout, spread in O(log n) periods', () => {
  const d = swim.detection;
  assert.equal(d.undetected, 0);
  const minPeriods = swim.suspicionMinMs / LAN_CONFIG.probeIntervalMs;
  // Nobody declares before its own suspicion has lasted the minimum timeout.
  assert.ok(d.firstDead.mean >= d.firstSuspicion.mean + minPeriods - 1e-9);
  // Confirmations bring it to the minimum: well below the unconfirmed maximum.
  assert.ok(
    d.firstDead.mean < d.firstSuspicion.mean + swim.suspicionMaxMs / LAN_CONFIG.probeIntervalMs / 2,
  );
  // Dissemination within push gossip's log-time yardstick.
  assert.ok(
    d.dissemination.mean + 4 * d.dissemination.se <= swim.gossipRoundsPeriods,
    `dissemination ${d.dissemination.mean} vs ${swim.gossipRoundsPeriods}`,
  );
});

test('no false positives without faults, nor under 5% or 10% loss with the TCP fallback', () => {
  for (const row of lifeguard.phases.filter((p) => p.phase.slowedFraction === 0 && p.tcpFallback)) {
    for (const [config, f] of [
      ['off', row.off],
      ['on', row.on],
    ] as const) {
      const label = `${row.phase.name}, lifeguard ${config}`;
      assert.equal(f.healthyDeadMarks, 0, label);
      // Not even a failed probe: one fails only if UDP, three helpers and TCP all fail.
      assert.equal(f.healthyAccusations, 0, label);
    }
  }
});

test('without the TCP fallback, loss fails probes, and suspicion with refutation absorbs them', () => {
  // 10% loss fails about 0.8% of probes (a direct and three indirect exchanges all losing
  // a datagram): ~28 expected here. At n = 1000 the full run saw 2 dead marks in 435
  // (plain SWIM) and none with Lifeguard; a tenth is far above either.
  const udp10 = lifeguard.phases.find((p) => p.phase.loss === 0.1 && !p.tcpFallback);
  assert.ok(udp10 !== undefined);
  for (const f of [udp10.off, udp10.on]) {
    assert.ok(f.healthyAccusations > 0);
    assert.ok(f.healthyDeadMarks <= f.healthyAccusations / 10);
  }
});

test(`Lifeguard: slowed members make far fewer false positives (paper: > ${LIFEGUARD_FP_REDUCTION_MIN}×)`, () => {
  const slowed = lifeguard.phases.filter((p) => p.phase.slowedFraction > 0);
  assert.ok(slowed.length > 0);
  for (const row of slowed) {
    const { off, on } = row;
    assert.ok(off.healthyDeadMarks > 0, `${row.phase.name}: plain SWIM shows false positives`);
    assert.ok(
      off.healthyDeadMarks >= LIFEGUARD_FP_REDUCTION_MIN * Math.max(1, on.healthyDeadMarks),
      `${row.phase.name}: off ${off.healthyDeadMarks} vs on ${on.healthyDeadMarks}`,
    );
    assert.ok(
      off.healthyAccusations >= 4 * on.healthyAccusations,
      `${row.phase.name}: failed probes off ${off.healthyAccusations} vs on ${on.healthyAccusations}`,
    );
  }
});

test('Lifeguard costs little detection latency for real crashes', () => {
  const off = lifeguard.detectionOff.firstDead;
  const on = lifeguard.detectionOn.firstDead;
  assert.equal(lifeguard.detectionOff.undetected + lifeguard.detectionOn.undetected, 0);
  const se = Math.sqrt(off.se ** 2 + on.se ** 2);
  assert.ok(
    Math.abs(on.mean - off.mean) <= 4 * se,
    `first dead mark: off ${off.mean.toFixed(2)} on ${on.mean.toFixed(2)} (4 se = ${(4 * se).toFixed(2)})`,
  );
});

test('alternative tuning: shorter suspicion detects sooner by exactly the timeout saved, and still halves false positives', () => {
  const t = lifeguard.tuned;
  assert.ok(t !== null);
  const off = lifeguard.detectionOff.firstDead;
  const tuned = t.detection.firstDead;
  // Plain SWIM waits its fixed minimum; with suspicionMult 2 no confirmation is expected
  // (k = 0), so the tuned timer is its own minimum: the difference is the two minimums'.
  const savedPeriods = (lifeguard.suspicionMinMs - t.suspicionMinMs) / LAN_CONFIG.probeIntervalMs;
  const se = Math.sqrt(off.se ** 2 + tuned.se ** 2);
  assert.ok(
    Math.abs(off.mean - tuned.mean - savedPeriods) <= 4 * se,
    `saved ${(off.mean - tuned.mean).toFixed(2)} periods, expected ${savedPeriods.toFixed(2)} ± ${(4 * se).toFixed(2)}`,
  );
  for (const s of t.slowed) {
    const offMarks = lifeguard.phases.find((p) => p.phase.name === s.phase.name)!.off
      .healthyDeadMarks;
    assert.ok(
      offMarks >= 2 * s.figures.healthyDeadMarks,
      `${s.phase.name}: off ${offMarks} vs tuned ${s.figures.healthyDeadMarks}`,
    );
  }
});

test('the reports print ours beside the papers', () => {
  const s = formatSwimRepro(swim);
  assert.match(s, /1\.58 paper/);
  assert.match(s, /first suspicion/);
  const l = formatLifeguardRepro(lifeguard);
  assert.match(l, /> 50×/);
  assert.match(l, /Detection latency/);
});
