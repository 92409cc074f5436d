/**
 * The gossip keyring of this node, as Serf's `serf keys` manages it (but for this node only;
 * run it against each agent, or use a query, to change a whole cluster):
 *
 *   GET    /v1/keys          → {primary, keys}  (base64; primary null when gossip is plaintext)
 *   POST   /v1/keys          {key}  install a key (others can then decrypt with it)
 *   PUT    /v1/keys/primary  {key}  make an installed key the one this node encrypts with
 *   DELETE /v1/keys          {key}  remove a key that is not the primary
 *
 * Each change answers with the keyring after it. The schema checks that `key` is padded
 * base64 of a plausible length; whether it is a valid AES key, installed, or the primary is
 * the cluster's to judge, and its refusal is a 400 naming `body/key`.
 */

import type { FastifyInstance } from 'fastify';
import type { AgentClusterServices, KeyringView } from '../cluster.ts';
import { clientErrorOf, httpError } from './errors.ts';
import { isBase64 } from './payload.ts';

const KEY_SCHEMA = {
  body: {
    type: 'object',
    required: ['key'],
    additionalProperties: false,
    // A 32-byte key is 44 base64 characters.
    properties: { key: { type: 'string', minLength: 1, maxLength: 64 } },
  },
} as const;

const KEYRING_SCHEMA = {
  200: {
    type: 'object',
    required: ['primary', 'keys'],
    properties: {
      primary: { type: ['string', 'null'] },
      keys: { type: 'array', items: { type: 'string' } },
    },
  },
} as const;

type KeyCluster = Pick<AgentClusterServices, 'listKeys' | 'installKey' | 'useKey' | 'removeKey'>;

function view(cluster: KeyCluster): KeyringView {
  const k = cluster.listKeys();
  return { primary: k.primary, keys: [...k.keys] };
}

export function registerKeysRoutes(app: FastifyInstance, cluster: KeyCluster): void {
  const change =
    (action: (key: string) => Promise<void>) =>
    async (request: { body: unknown }): Promise<KeyringView> => {
      const { key } = request.body as { key: string };
      if (!isBase64(key)) throw httpError(400, 'body/key', 'must be padded base64 (RFC 4648)');
      try {
        await action(key);
      } catch (err) {
        throw clientErrorOf(err) ?? err;
      }
      return view(cluster);
    };
  const options = { schema: { ...KEY_SCHEMA, response: KEYRING_SCHEMA } };
  app.get('/v1/keys', { schema: { response: KEYRING_SCHEMA } }, async () => view(cluster));
  app.post(
    '/v1/keys',
    options,
    change((k) => cluster.installKey(k)),
  );
  app.put(
    '/v1/keys/primary',
    options,
    change((k) => cluster.useKey(k)),
  );
  app.delete(
    '/v1/keys',
    options,
    change((k) => cluster.removeKey(k)),
  );
}
