/**
 * `POST /v1/leave`: leave the cluster gracefully and stop, as a SIGTERM would.
 *
 * The answer (202 `{status: "leaving"}`) goes out first; then the agent's owner is told
 * (`requestLeave`, which the process glue in run.ts turns into the same path a signal takes:
 * Serf's leave intent, memberlist's leave, shutdown, exit 0). From then on `GET /v1/health`
 * answers 503. Asking twice is fine: the second answer is the same 202. An agent embedded
 * without an owner that can stop it answers 501.
 */

import type { HttpApp } from './app.ts';
import { errorBody } from './errors.ts';

export interface LeaveDeps {
  readonly requestLeave: (() => void) | undefined;
  /** Record that a leave was asked for (health reads it). */
  readonly markLeaving: () => void;
}

export function registerLeaveRoute(app: HttpApp, deps: LeaveDeps): void {
  app.post('/v1/leave', async (_request, reply) => {
    const requestLeave = deps.requestLeave;
    if (requestLeave === undefined) {
      return reply.code(501).send(errorBody(501, 'this agent cannot be stopped over HTTP'));
    }
    deps.markLeaving();
    // After the answer is written: the leave ends in closing this very server.
    reply.raw.once('finish', () => setImmediate(requestLeave));
    return reply.code(202).send({ status: 'leaving' });
  });
}
