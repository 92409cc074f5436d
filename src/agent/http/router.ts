/**
 * The HTTP API's route table: a method and a path to a route, with no pattern language
 * beyond what the API uses — exact paths, and a trailing `*` that takes the rest of the path
 * as the parameter `*` (the dashboard's `/ui/*`).
 *
 * Paths are matched after percent-decoding, so `/v1/%6dembers` is `/v1/members`, and a path
 * that does not decode is refused rather than guessed at. Nothing else is normalised: a
 * trailing slash, a doubled slash, `.` and `..` and letter case all make a different path,
 * which has no route. HEAD finds the GET route (node:http leaves the body out).
 */

export interface RouteMatch<R> {
  readonly route: R;
  readonly params: Readonly<Record<string, string>>;
}

export type RouteLookup<R> =
  | { readonly kind: 'found'; readonly match: RouteMatch<R> }
  | { readonly kind: 'none' }
  | { readonly kind: 'malformed' }
  | { readonly kind: 'param-too-long' };

export class Router<R> {
  readonly #exact = new Map<string, R>();
  /** Prefix routes (`/ui/` for `/ui/*`), longest first. */
  readonly #prefixes: { method: string; prefix: string; route: R }[] = [];
  readonly #paramCharsMax: number;

  constructor(paramCharsMax: number) {
    this.#paramCharsMax = paramCharsMax;
  }

  add(method: string, url: string, route: R): void {
    if (!url.startsWith('/')) throw new Error(`route ${method} ${url}: a path starts with /`);
    const star = url.indexOf('*');
    if (star >= 0 && (star !== url.length - 1 || !url.endsWith('/*'))) {
      throw new Error(`route ${method} ${url}: only a trailing /* is supported`);
    }
    const key = `${method} ${url}`;
    if (star < 0) {
      if (this.#exact.has(key)) throw new Error(`route ${key} is registered twice`);
      this.#exact.set(key, route);
      return;
    }
    const prefix = url.slice(0, -1);
    if (this.#prefixes.some((p) => p.method === method && p.prefix === prefix)) {
      throw new Error(`route ${key} is registered twice`);
    }
    this.#prefixes.push({ method, prefix, route });
    this.#prefixes.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  find(method: string, rawPath: string): RouteLookup<R> {
    let path = rawPath;
    if (path.includes('%')) {
      try {
        path = decodeURIComponent(path);
      } catch {
        return { kind: 'malformed' };
      }
    }
    const lookup = method === 'HEAD' ? 'GET' : method;
    const exact = this.#exact.get(`${lookup} ${path}`);
    if (exact !== undefined) return { kind: 'found', match: { route: exact, params: {} } };
    for (const p of this.#prefixes) {
      if (p.method !== lookup || !path.startsWith(p.prefix)) continue;
      const rest = path.slice(p.prefix.length);
      if (rest.length > this.#paramCharsMax) return { kind: 'param-too-long' };
      return { kind: 'found', match: { route: p.route, params: { '*': rest } } };
    }
    return { kind: 'none' };
  }
}
