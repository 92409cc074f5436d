/**
 * The dashboard's static files: `GET /` is web/index.html, `GET /ui/PATH` is web/PATH.
 *
 * The files are read once, when the route is registered, into a table keyed by their path
 * under web/; a request is a lookup in that table and nothing else. So no request ever
 * reaches the file system, and a path with `..`, `%2F` or a NUL can name only what is in
 * the table: directory traversal has nothing to traverse. Symbolic links under web/ are
 * not followed, so the table holds only files that are really there. The price is that
 * an edit to web/ shows after the agent restarts, which is how a deployed agent behaves
 * anyway. Only names made of `[A-Za-z0-9._-]` with a known extension are loaded (no
 * dotfiles, no editor backups), and the table is bounded in files and bytes.
 *
 * Caching: every answer carries a strong ETag (the content's length and CRC-32) and
 * `Cache-Control: no-cache`, so a browser revalidates each time and gets a 304 while the files are the
 * same: after an upgrade it never runs a stale script against a new API.
 *
 * The page is served with a Content-Security-Policy that allows only this origin: the
 * dashboard must work where nothing outside is reachable, and the policy makes a stray
 * CDN link fail loudly in development rather than silently in the field. `Referrer-Policy:
 * no-referrer` keeps a `?token=` in the page's URL from leaking through links.
 *
 * The files are public (no token): they hold no data; the API calls the page makes carry
 * the token.
 */

import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from '../../membership/wire/crc32.ts';
import { packageRoot } from '../package-root.ts';
import type { HttpApp, HttpReply, HttpRequest } from './app.ts';

/** web/ in the package, next to src/. */
export const DASHBOARD_DIR_DEFAULT = fileURLToPath(new URL('web/', packageRoot()));

export interface DashboardLimits {
  /** Files loaded from web/; the rest are ignored with a log line. */
  readonly filesMax: number;
  /** Largest single file; a bigger one is skipped (the dashboard is a few small modules). */
  readonly fileBytesMax: number;
  /** All files together. */
  readonly totalBytesMax: number;
  /** Subdirectory depth walked under web/. */
  readonly depthMax: number;
}

export const DASHBOARD_LIMITS_DEFAULT: DashboardLimits = {
  filesMax: 64,
  fileBytesMax: 1024 * 1024,
  totalBytesMax: 4 * 1024 * 1024,
  depthMax: 2,
};

export const DASHBOARD_CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
};

export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export interface StaticFile {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
}

export interface DashboardFiles {
  /** Path under web/ with `/` separators (`app.js`, `lib/chart.js`) → file. */
  readonly files: ReadonlyMap<string, StaticFile>;
  /** Why files were left out (limits, unreadable directory); empty when all loaded. */
  readonly skipped: readonly string[];
}

const NAME_OK = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/**
 * A strong ETag for `body`: its length and CRC-32. The tag only has to change when a file
 * does, and two versions of one file with the same length and checksum are not a practical
 * concern; a cryptographic hash would load node:crypto into every agent for this alone
 * (net/security/node-crypto.ts).
 */
export function dashboardEtag(body: Uint8Array): string {
  return `"${body.length.toString(36)}-${crc32(body).toString(16).padStart(8, '0')}"`;
}

/** Read the servable files under `dir` (none when it is missing), within `limits`. */
export function loadDashboardFiles(
  dir: string = DASHBOARD_DIR_DEFAULT,
  limits: DashboardLimits = DASHBOARD_LIMITS_DEFAULT,
): DashboardFiles {
  const files = new Map<string, StaticFile>();
  const skipped: string[] = [];
  let totalBytes = 0;
  const walk = (absDir: string, prefix: string, depth: number): void => {
    let names: string[];
    try {
      names = readdirSync(absDir).sort();
    } catch (err) {
      skipped.push(`${prefix || '.'}: ${(err as Error).message}`);
      return;
    }
    for (const name of names) {
      if (!NAME_OK.test(name)) continue;
      const abs = join(absDir, name);
      const rel = prefix + name;
      // lstat: a symbolic link is neither a file nor a directory here, so nothing outside
      // web/ is ever loaded through one.
      const stat = lstatSync(abs, { throwIfNoEntry: false });
      if (stat === undefined) continue;
      if (stat.isDirectory()) {
        if (depth < limits.depthMax) walk(abs, `${rel}/`, depth + 1);
        else skipped.push(`${rel}/: deeper than ${limits.depthMax} levels`);
        continue;
      }
      const contentType = DASHBOARD_CONTENT_TYPES[extname(name)];
      if (!stat.isFile() || contentType === undefined) continue;
      if (files.size >= limits.filesMax) {
        skipped.push(`${rel}: more than ${limits.filesMax} files`);
        continue;
      }
      if (stat.size > limits.fileBytesMax || totalBytes + stat.size > limits.totalBytesMax) {
        skipped.push(`${rel}: over the size limit`);
        continue;
      }
      const body = readFileSync(abs);
      totalBytes += body.length;
      const etag = dashboardEtag(body);
      files.set(rel, { body, contentType, etag });
    }
  };
  walk(dir, '', 0);
  return { files, skipped };
}

function send(request: HttpRequest, reply: HttpReply, file: StaticFile, html: boolean) {
  reply
    .header('cache-control', 'no-cache')
    .header('etag', file.etag)
    .header('x-content-type-options', 'nosniff');
  if (html) {
    reply.header('content-security-policy', DASHBOARD_CSP).header('referrer-policy', 'no-referrer');
  }
  const match = request.headers['if-none-match'];
  if (match?.split(/\s*,\s*/).includes(file.etag)) {
    return reply.code(304).send();
  }
  return reply.type(file.contentType).send(file.body);
}

export interface DashboardRouteOptions {
  readonly dir?: string;
  readonly limits?: DashboardLimits;
}

export function registerDashboardRoute(app: HttpApp, options: DashboardRouteOptions = {}): void {
  const { files, skipped } = loadDashboardFiles(options.dir, options.limits);
  if (skipped.length > 0) app.log.warn({ skipped }, 'dashboard: some files in web/ not served');

  app.get('/', async (request, reply) => {
    const index = files.get('index.html');
    if (index === undefined) {
      return reply.code(404).send({
        statusCode: 404,
        error: 'Not Found',
        message: 'the dashboard files (web/index.html) are missing from this installation',
      });
    }
    return send(request, reply, index, true);
  });

  app.get('/ui/*', async (request, reply) => {
    const path = (request.params as { '*': string })['*'];
    const file = files.get(path);
    if (file === undefined) {
      reply.callNotFound();
      return reply;
    }
    return send(request, reply, file, extname(path) === '.html');
  });
}
