/**
 * Bearer-token authentication for the HTTP API.
 *
 * With a token configured (`--http-token`), every API route — `/v1/…` and `/metrics` —
 * needs `Authorization: Bearer TOKEN`; anything else is 401 with `WWW-Authenticate: Bearer`.
 * The one exception to the header is `GET /v1/events`, which also takes `?token=TOKEN`,
 * because a browser's `EventSource` cannot set headers. Paths outside the API (the
 * dashboard page at `/` and its static assets) stay open: the page holds no data and asks
 * for the token itself.
 *
 * The comparison is constant-time in the secret: both sides are hashed (SHA-256) first, so
 * neither the length nor a common prefix of the token leaks through timing. A token in a URL
 * ends up in logs and error messages unless removed: `redactUrl` does that for ours.
 */

import { nodeCrypto } from '../../net/security/node-crypto.ts';

/** Paths that need the token when one is set: the API and the metrics. */
export function pathNeedsAuth(path: string): boolean {
  return path === '/metrics' || path === '/v1' || path.startsWith('/v1/');
}

/** The paths where `?token=` may stand in for the header (EventSource cannot set one). */
export function pathTakesQueryToken(method: string, path: string): boolean {
  return method === 'GET' && path === '/v1/events';
}

function digest(text: string): Buffer {
  return nodeCrypto().createHash('sha256').update(text, 'utf8').digest();
}

/** A checker for `token`; compares in constant time. */
export function tokenChecker(token: string): (presented: string) => boolean {
  const expected = digest(token);
  const { timingSafeEqual } = nodeCrypto();
  return (presented) => timingSafeEqual(digest(presented), expected);
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/** The token in an `Authorization: Bearer …` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  return BEARER.exec(header)?.[1];
}

const TOKEN_PARAM = /([?&]token=)[^&#]*/gi;

/** `url` with the value of any `token` query parameter replaced, for logs and messages. */
export function redactUrl(url: string): string {
  return url.replace(TOKEN_PARAM, '$1REDACTED');
}
