/**
 * node:crypto, loaded on first use rather than when a module that may need it is imported.
 *
 * Why: node:crypto's JavaScript layer over OpenSSL costs a process memory for good once
 * loaded, and an agent needs it only for encryption and an API token. An agent with neither
 * never loads it (bench/RESULTS.md, "2026-11-22 (stop 14)"). `process.getBuiltinModule`
 * caches the module, so every call after the first is a lookup.
 */

import type * as Crypto from 'node:crypto';

let loaded: typeof Crypto | undefined;

export function nodeCrypto(): typeof Crypto {
  loaded ??= process.getBuiltinModule('node:crypto');
  return loaded;
}
