/**
 * The HTTP API's error shape and the one way routes raise a client error.
 *
 * Every non-2xx answer has one body, `{statusCode, error, message}` (fastify's, which
 * served the API before app.ts), so a client reads
 * every failure the same way. A route that refuses a request throws `httpError(400, field,
 * detail)`: the message starts with the field or parameter at fault (`body/payload …`,
 * `querystring/tag …`), the way the schema errors name theirs (app.ts), and the app's error handling
 * turns it into the answer. A `ConfigError` from the cluster (an oversized event,
 * a malformed key) is the client's mistake too: `clientErrorOf` maps it to a 400 naming the
 * cluster's field under `body/`.
 */

import { ConfigError } from '../../core/errors.ts';

/** The error body of every non-2xx answer. */
export interface HttpErrorBody {
  readonly statusCode: number;
  readonly error: string;
  readonly message: string;
}

const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  408: 'Request Timeout',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

export function errorBody(statusCode: number, message: string): HttpErrorBody {
  return { statusCode, error: REASONS[statusCode] ?? 'Error', message };
}

/** An error a route raises on purpose; `statusCode` is the answer's status (app.ts). */
export class HttpError extends Error {
  readonly statusCode: number;
  constructor(statusCode: number, message: string) {
    super(message);
    this.name = 'HttpError';
    this.statusCode = statusCode;
  }
}

/** `field detail` with the status: `httpError(400, 'body/name', 'must not be empty')`. */
export function httpError(statusCode: number, field: string, detail: string): HttpError {
  return new HttpError(statusCode, `${field} ${detail}`);
}

/** A cluster refusal caused by the request (a `ConfigError`), as a 400; otherwise null. */
export function clientErrorOf(err: unknown): HttpError | null {
  if (!(err instanceof ConfigError)) return null;
  const detail = err.message.startsWith(`${err.field}: `)
    ? err.message.slice(err.field.length + 2)
    : err.message;
  return httpError(400, `body/${err.field}`, detail);
}
