/**
 * memberlist's keyring: an ordered list of AES keys, the first being the primary.
 *
 * Semantics copied from memberlist's `Keyring` (keyring.go), which Serf's key commands
 * drive through its internal queries:
 *   - keys are 16, 24 or 32 bytes (AES-128/192/256); `serf keygen` makes 32-byte keys;
 *   - everything is sealed with the primary key; opening tries every key, primary first;
 *   - `install` appends a key (no-op when present); `use` moves an installed key to the
 *     front, the others keeping their order; `remove` refuses the primary and is a no-op
 *     for unknown keys.
 *
 * Unlike Go's, this keyring is an immutable value: each change returns a new keyring, so a
 * packet being opened never sees the list change under it. The AES-GCM sealing itself is in
 * `seal.ts`.
 */

import { ConfigError } from '../../core/errors.ts';

export const KEY_BYTES_ALLOWED: readonly number[] = [16, 24, 32];

function validateKey(key: Uint8Array, field: string): void {
  if (!KEY_BYTES_ALLOWED.includes(key.length)) {
    throw new ConfigError(field, `an encryption key is 16, 24 or 32 bytes, got ${key.length}`);
  }
}

function sameKey(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Decodes a base64 key as `serf keygen` prints it; `field` names it in errors. */
export function keyFromBase64(text: string, field = 'encryptKey'): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
    throw new ConfigError(field, 'not valid base64');
  }
  const key = new Uint8Array(Buffer.from(text, 'base64'));
  validateKey(key, field);
  return key;
}

export class Keyring {
  /** Primary first. */
  readonly keys: readonly Uint8Array[];

  private constructor(keys: readonly Uint8Array[]) {
    this.keys = Object.freeze(keys.map((k) => k.slice()));
  }

  /** A keyring with `primary` first and `others` after it (duplicates dropped). */
  static create(primary: Uint8Array, others: readonly Uint8Array[] = []): Keyring {
    validateKey(primary, 'keyring.primary');
    const keys = [primary];
    others.forEach((key, i) => {
      validateKey(key, `keyring.keys[${i}]`);
      if (!keys.some((k) => sameKey(k, key))) keys.push(key);
    });
    return new Keyring(keys);
  }

  get primary(): Uint8Array {
    return this.keys[0]!;
  }

  has(key: Uint8Array): boolean {
    return this.keys.some((k) => sameKey(k, key));
  }

  install(key: Uint8Array): Keyring {
    validateKey(key, 'key');
    if (this.has(key)) return this;
    return new Keyring([...this.keys, key]);
  }

  use(key: Uint8Array): Keyring {
    if (!this.has(key)) throw new ConfigError('key', 'requested key is not in the keyring');
    return new Keyring([key, ...this.keys.filter((k) => !sameKey(k, key))]);
  }

  remove(key: Uint8Array): Keyring {
    if (sameKey(key, this.primary)) {
      throw new ConfigError('key', 'removing the primary key is not allowed');
    }
    return new Keyring(this.keys.filter((k) => !sameKey(k, key)));
  }
}
