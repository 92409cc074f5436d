/**
 * `process_cpu_user_seconds_total`, `process_cpu_system_seconds_total` and
 * `process_cpu_seconds_total`: the three counters of prom-client's `processCpuTotal` default
 * metric, with its names, help texts and values (the CPU used since the process started,
 * read from `process.cpuUsage()` at each scrape).
 *
 * Why ours: prom-client's module loads `@opentelemetry/api` (51 modules) at its top level
 * for exemplars, which the agent does not use; in an idle agent that is about 0.3 MiB of
 * memory (bench/RESULTS.md, "2026-11-22 (stop 16)"), against the memory target. The
 * other default metrics are prom-client's own (prom-client-parts.ts).
 */

import { Counter, type Registry } from './prom-client-parts.ts';

const MICROS_PER_SECOND = 1e6;

export function registerProcessCpuMetrics(registry: Registry): void {
  let last = { user: 0, system: 0 };
  const user: Counter = new Counter({
    name: 'process_cpu_user_seconds_total',
    help: 'Total user CPU time spent in seconds.',
    registers: [registry],
    // This one family's `collect` sets all three, as prom-client's does.
    collect() {
      const now = process.cpuUsage();
      const userSeconds = (now.user - last.user) / MICROS_PER_SECOND;
      const systemSeconds = (now.system - last.system) / MICROS_PER_SECOND;
      last = now;
      user.inc(userSeconds);
      system.inc(systemSeconds);
      total.inc(userSeconds + systemSeconds);
    },
  });
  const system = new Counter({
    name: 'process_cpu_system_seconds_total',
    help: 'Total system CPU time spent in seconds.',
    registers: [registry],
  });
  const total = new Counter({
    name: 'process_cpu_seconds_total',
    help: 'Total user and system CPU time spent in seconds.',
    registers: [registry],
  });
}
