/**
 * The page's client of the agent's HTTP API, on the page's own origin.
 *
 * An agent started with an API token wants it on every `/v1/*` call. The page takes it
 * from its own URL (`/?token=T`, so a bookmark carries it), sends it as `Authorization:
 * Bearer T` on fetches, and as `?token=T` on the event stream because EventSource cannot
 * set headers. Failures become an `ApiError` whose message is the agent's own error text
 * when it sent one, so the page can show why rather than a status number.
 */

/** Longest a poll may take before it counts as failed (the next one is due soon). */
export const REQUEST_TIMEOUT_MS = 5000;

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.name = 'ApiError';
    /** HTTP status, or 0 when the agent could not be reached. */
    this.status = status;
  }
}

/** The `token` query parameter of a page URL's search part, or null. */
export function tokenFromSearch(search) {
  const token = new URLSearchParams(search).get('token');
  return token === null || token === '' ? null : token;
}

export function createApi({ token = null, fetchImpl = globalThis.fetch.bind(globalThis) } = {}) {
  const headers = (extra) =>
    token === null ? extra : { ...extra, authorization: `Bearer ${token}` };

  async function call(method, path, body) {
    let res;
    try {
      res = await fetchImpl(path, {
        method,
        headers: headers(
          body === undefined
            ? { accept: 'application/json' }
            : { accept: 'application/json', 'content-type': 'application/json' },
        ),
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      throw new ApiError(
        0,
        `agent unreachable (${err?.name === 'TimeoutError' ? 'timeout' : 'network error'})`,
      );
    }
    let json = null;
    try {
      json = await res.json();
    } catch {
      // Not JSON: reported below by status, or as a bad answer.
    }
    if (!res.ok) {
      const why = typeof json?.message === 'string' ? json.message : res.statusText;
      throw new ApiError(res.status, `${method} ${path}: ${res.status} ${why}`);
    }
    if (json === null) throw new ApiError(res.status, `${method} ${path}: answer is not JSON`);
    return json;
  }

  return {
    members: () => call('GET', '/v1/members'),
    info: () => call('GET', '/v1/info'),
    /** Broadcast a user event; resolves with the agent's answer (`{ltime}`). */
    sendEvent: (name, payload) => call('POST', '/v1/events', { name, payload }),
    /** URL for `new EventSource(...)`. */
    eventsUrl: () =>
      token === null ? '/v1/events' : `/v1/events?token=${encodeURIComponent(token)}`,
  };
}
