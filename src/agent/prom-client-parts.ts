/**
 * The parts of prom-client the agent uses, each loaded from its own module rather than
 * through the package's index.
 *
 * Why: prom-client's index also loads its Pushgateway client, which loads `node:https` and
 * with it TLS, and `node:zlib`; the agent pushes nothing, and those cost an idle agent about
 * 1.5 MiB of memory (bench/RESULTS.md, "2026-11-22 (stop 13)"). The paths are prom-client
 * 15's layout (package.json pins the major version); the types are the package's own, and
 * test/agent/metrics.test.ts exercises each part, so a change of layout fails the tests, not
 * an agent.
 */

import { createRequire } from 'node:module';
import type * as Prom from 'prom-client';

const load = createRequire(import.meta.url);

export const Registry: typeof Prom.Registry = load('prom-client/lib/registry');
export type Registry = Prom.Registry;
export const Counter: typeof Prom.Counter = load('prom-client/lib/counter');
export type Counter<T extends string = string> = Prom.Counter<T>;
export const Gauge: typeof Prom.Gauge = load('prom-client/lib/gauge');
export type Gauge<T extends string = string> = Prom.Gauge<T>;
export const Histogram: typeof Prom.Histogram = load('prom-client/lib/histogram');
export type Histogram<T extends string = string> = Prom.Histogram<T>;

/** What prom-client's default metrics take (`collectDefaultMetrics`'s options). */
export type DefaultMetricsConfig =
  Prom.DefaultMetricsCollectorConfiguration<Prom.RegistryContentType>;

/**
 * prom-client's default metrics but one, each from its own module: prom-client's
 * `collectDefaultMetrics` loads them all through `lib/defaultMetrics`, and with
 * `processCpuTotal` comes `@opentelemetry/api`; the agent registers its own CPU counters,
 * the same three families (process-cpu-metrics.ts). Same order, same families otherwise.
 */
const DEFAULT_METRICS_BUT_CPU = [
  'processStartTime',
  'osMemoryHeap',
  'processOpenFileDescriptors',
  'processMaxFileDescriptors',
  'eventLoopLag',
  ...(typeof process.getActiveResourcesInfo === 'function' ? ['processResources'] : []),
  'processHandles',
  'processRequests',
  'heapSizeAndUsed',
  'heapSpacesSizeAndUsed',
  'version',
  'gc',
] as const;

type DefaultMetric = (
  registry: DefaultMetricsConfig['register'],
  config: DefaultMetricsConfig,
) => void;

/** Registers prom-client's default metrics, except the CPU counters, in `config.register`. */
export function collectDefaultMetricsButCpu(config: DefaultMetricsConfig): void {
  for (const name of DEFAULT_METRICS_BUT_CPU) {
    (load(`prom-client/lib/metrics/${name}`) as DefaultMetric)(config.register, config);
  }
}
