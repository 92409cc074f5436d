/**
 * A recording event-handler script for tests, usable by hearsay and Serf agents alike: each
 * run writes one file in its folder with the SERF_* and HEARSAY_* variables it got and its
 * stdin (written under a temporary name, then renamed, so a reader never sees half a
 * record), and a query run answers on stdout with `answer from NODE to QUERY`.
 *
 * `records()` reads what the runs wrote; `waitRecord` polls for one matching a condition,
 * with a deadline. The folder is the caller's (a temp dir it removes).
 */

import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface HandlerRecord {
  readonly env: Readonly<Record<string, string>>;
  readonly stdin: string;
}

const POLL_MS = 50;

export class HandlerRecorder {
  readonly dir: string;
  /** The script's path: pass it to `--event-handler` / `-event-handler`. */
  readonly script: string;

  constructor(folder: string) {
    this.dir = join(folder, 'records');
    mkdirSync(this.dir, { recursive: true });
    this.script = join(folder, 'record-handler.sh');
    writeFileSync(
      this.script,
      [
        '#!/bin/sh',
        `f=$(mktemp "${this.dir}/run.XXXXXXXX")`,
        `{ env | grep -E '^(SERF|HEARSAY)_'; echo '--stdin--'; cat; } > "$f"`,
        'mv "$f" "$f.rec"',
        'if [ "$SERF_EVENT" = query ]; then printf "answer from %s to %s" "$SERF_SELF_NAME" "$SERF_QUERY_NAME"; fi',
        '',
      ].join('\n'),
    );
    chmodSync(this.script, 0o755);
  }

  records(): HandlerRecord[] {
    const out: HandlerRecord[] = [];
    for (const file of readdirSync(this.dir)) {
      if (!file.endsWith('.rec')) continue;
      const text = readFileSync(join(this.dir, file), 'utf8');
      const cut = text.indexOf('--stdin--\n');
      const env: Record<string, string> = {};
      for (const line of text.slice(0, cut).split('\n')) {
        const eq = line.indexOf('=');
        if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1);
      }
      out.push({ env, stdin: text.slice(cut + '--stdin--\n'.length) });
    }
    return out;
  }

  /** Records of user event `name`. */
  userEvents(name: string): HandlerRecord[] {
    return this.records().filter(
      (r) => r.env.SERF_EVENT === 'user' && r.env.SERF_USER_EVENT === name,
    );
  }

  async waitRecord(
    ok: (r: HandlerRecord) => boolean,
    deadlineMs: number,
    what: string,
  ): Promise<HandlerRecord> {
    const startMs = performance.now();
    for (;;) {
      const found = this.records().find(ok);
      if (found !== undefined) return found;
      if (performance.now() - startMs > deadlineMs) {
        throw new Error(
          `no handler record for ${what} within ${deadlineMs} ms; records: ${JSON.stringify(this.records())}`,
        );
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
}
