/**
 * `GET /metrics`: the agent's metrics in Prometheus' text format (metrics.ts), gathered at
 * scrape time.
 */

import type { FastifyInstance } from 'fastify';
import type { AgentMetrics } from '../metrics.ts';

export function registerMetricsRoute(app: FastifyInstance, metrics: AgentMetrics): void {
  app.get('/metrics', async (_request, reply) => {
    const text = await metrics.text();
    return reply.type(metrics.contentType).send(text);
  });
}
