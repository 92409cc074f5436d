/**
 * `GET /metrics`: the agent's metrics in Prometheus' text format (metrics.ts), gathered at
 * scrape time.
 */

import type { AgentMetrics } from '../metrics.ts';
import type { HttpApp } from './app.ts';

export function registerMetricsRoute(app: HttpApp, metrics: AgentMetrics): void {
  app.get('/metrics', async (_request, reply) => {
    const text = await metrics.text();
    return reply.type(metrics.contentType).send(text);
  });
}
