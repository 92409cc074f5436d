/**
 * The gossip keyring in the data directory (Serf's `-keyring-file`): `DIR/keyring.json`, a
 * JSON array of base64 keys, primary first, mode 0600 (it is the cluster's secret).
 *
 * Why: keys change at run time (`POST /v1/keys`, `serf keys` from any Serf agent). Without
 * the file a restarted agent would come back with only its `--encrypt` key, which after a
 * rotation the cluster no longer uses, and could not rejoin. So with `--data-dir` the file is
 * rewritten (temporary file, then rename) after every change, and at start it wins over
 * `--encrypt`; an `--encrypt` key missing from it is added after its keys, so an old key in
 * a unit file cannot displace the rotated primary.
 *
 * A file that cannot be used (not JSON, not an array of keys, over `KEYRING_BYTES_MAX`) is
 * moved aside to `keyring.json.corrupt` with a warning, and the agent starts from
 * `--encrypt` alone, as without the file.
 */

import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { keyFromBase64 } from '../net/security/keyring.ts';

export const KEYRING_FILE = 'keyring.json';
/** A keyring of a few dozen keys is already a rotation that was never finished. */
export const KEYRING_KEYS_MAX = 64;
export const KEYRING_BYTES_MAX = 64 * 1024;

export type KeyringRead =
  | { readonly kind: 'none' }
  | { readonly kind: 'ok'; readonly keys: readonly Uint8Array[] }
  | { readonly kind: 'corrupt'; readonly reason: string };

export function keyringPath(dir: string): string {
  return join(dir, KEYRING_FILE);
}

export async function readKeyringFile(dir: string): Promise<KeyringRead> {
  const path = keyringPath(dir);
  let text: string;
  try {
    const bytes = await readFile(path);
    if (bytes.length > KEYRING_BYTES_MAX) {
      return aside(path, `is ${bytes.length} bytes, over ${KEYRING_BYTES_MAX}`);
    }
    text = bytes.toString('utf8');
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return { kind: 'none' };
    return { kind: 'corrupt', reason: `cannot be read: ${(err as Error).message}` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return aside(path, 'is not JSON');
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || parsed.length > KEYRING_KEYS_MAX) {
    return aside(path, `must be a JSON array of 1 to ${KEYRING_KEYS_MAX} base64 keys`);
  }
  const keys: Uint8Array[] = [];
  for (const [i, k] of parsed.entries()) {
    try {
      if (typeof k !== 'string') throw new Error('not a string');
      keys.push(keyFromBase64(k, `[${i}]`));
    } catch {
      return aside(path, `entry ${i} is not a base64 AES key of 16, 24 or 32 bytes`);
    }
  }
  return { kind: 'ok', keys };
}

async function aside(path: string, reason: string): Promise<KeyringRead> {
  try {
    await rename(path, `${path}.corrupt`);
    return { kind: 'corrupt', reason: `${reason}; moved to ${KEYRING_FILE}.corrupt` };
  } catch {
    return { kind: 'corrupt', reason };
  }
}

export async function writeKeyringFile(dir: string, keys: readonly Uint8Array[]): Promise<void> {
  const path = keyringPath(dir);
  const tmp = `${path}.tmp`;
  const text = `${JSON.stringify(keys.map((k) => Buffer.from(k).toString('base64')))}\n`;
  await writeFile(tmp, text, { mode: 0o600 });
  await rename(tmp, path);
}

/** The keys to start with: the file's, then `--encrypt`'s if it is not among them. */
export function startingKeys(
  fromFile: readonly Uint8Array[],
  encryptKey: Uint8Array | null,
): Uint8Array[] {
  const keys = [...fromFile];
  if (encryptKey !== null && !keys.some((k) => Buffer.compare(k, encryptKey) === 0)) {
    keys.push(encryptKey);
  }
  return keys;
}

/**
 * Rewrites the file after each change, one write at a time in the order asked; a failed
 * write goes to `onError` (the member keeps running with its keys in memory).
 */
export function keyringSaver(
  dir: string,
  onError: (err: unknown) => void,
): (keys: readonly Uint8Array[]) => Promise<void> {
  let chain: Promise<void> = Promise.resolve();
  return (keys) => {
    const copy = keys.map((k) => k.slice());
    chain = chain.then(() => writeKeyringFile(dir, copy).catch(onError));
    return chain;
  };
}
