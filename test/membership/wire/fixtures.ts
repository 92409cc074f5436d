/**
 * Loads the captured Serf/memberlist vectors (test/fixtures/memberlist, copied from the
 * shared reference so the suite runs on a clone) and the golden vectors made with Go's own
 * libraries (test/fixtures/memberlist/golden, see gen.go there).
 */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Keyring, keyFromBase64 } from '../../../src/net/security/keyring.ts';
import { type Capture, readPcap } from '../../support/pcap.ts';

const DIR = fileURLToPath(new URL('../../fixtures/memberlist/', import.meta.url));

export interface CaptureVector {
  readonly id: string;
  readonly capture: string;
  readonly frame?: number;
  readonly tcpStream?: number;
  readonly direction: string;
  readonly transport: 'udp' | 'tcp';
  readonly structure: string;
  readonly description: string;
  readonly hex: string;
  readonly decoded: Record<string, unknown>;
  readonly keyUsed?: 'key1' | 'key2';
}

export interface CaptureIndex {
  readonly encryptionKeys: Record<'key1' | 'key2', { base64: string; hex: string }>;
  readonly vectors: readonly CaptureVector[];
}

export const MEMBERLIST_CAPTURES = [
  'serf-plain.pcap',
  'serf-encrypted.pcap',
  'serf-extra.pcap',
  'harness-join-plain.pcap',
  'harness-join-encrypted.pcap',
] as const;

let index: CaptureIndex | undefined;

export function captureIndex(): CaptureIndex {
  index ??= JSON.parse(readFileSync(`${DIR}serf-capture.json`, 'utf8')) as CaptureIndex;
  return index;
}

/** The memberlist vectors (v001-v077); the rest are Serf agent RPC, another protocol. */
export function memberlistVectors(): CaptureVector[] {
  return captureIndex().vectors.filter(
    (v) => v.capture !== 'serf-rpc-cli.pcap' && v.capture !== 'serf-rpc-client.pcap',
  );
}

const captures = new Map<string, Capture>();

export function capture(name: string): Capture {
  let c = captures.get(name);
  if (c === undefined) {
    c = readPcap(new Uint8Array(readFileSync(`${DIR}${name}`)));
    captures.set(name, c);
  }
  return c;
}

export function key(name: 'key1' | 'key2'): Uint8Array {
  return keyFromBase64(captureIndex().encryptionKeys[name].base64);
}

/** Both keys of the capture, key1 (the initial primary) first. */
export function captureKeyring(): Keyring {
  return Keyring.create(key('key1'), [key('key2')]);
}

export function fromHex(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export interface GoldenLzw {
  readonly name: string;
  readonly kind: 'lcg' | 'text' | 'runs';
  readonly seed: number;
  readonly length: number;
  readonly alphabet: number;
  readonly hex: string;
}

export interface Golden {
  readonly msgpack: readonly { readonly name: string; readonly hex: string }[];
  readonly lzw: readonly GoldenLzw[];
}

let golden: Golden | undefined;

export function goldenVectors(): Golden {
  golden ??= JSON.parse(readFileSync(`${DIR}golden/golden.json`, 'utf8')) as Golden;
  return golden;
}

export function goldenMsgpack(name: string): Uint8Array {
  const v = goldenVectors().msgpack.find((x) => x.name === name);
  if (v === undefined) throw new Error(`no golden msgpack vector ${name}`);
  return fromHex(v.hex);
}

/** gen.go's `input`: the same deterministic inputs the golden LZW vectors compress. */
export function goldenLzwInput(v: GoldenLzw): Uint8Array {
  const out = new Uint8Array(v.length);
  const words = ['alive ', 'suspect ', 'dead ', 'node-', 'serf ', '127.0.0.1:7946 ', '\n'];
  let x = v.seed >>> 0;
  for (let i = 0; i < v.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const r = x >>> 16;
    if (v.kind === 'lcg') out[i] = r % v.alphabet;
    else if (v.kind === 'text') {
      const w = words[r % words.length]!;
      out[i] = w.charCodeAt(i % w.length);
    } else out[i] = 0x61 + (Math.floor(i / (1 + (r % 7))) % 3);
  }
  return out;
}
