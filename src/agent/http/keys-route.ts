/**
 * The gossip keyring, two ways.
 *
 * This node's keyring alone:
 *
 *   GET    /v1/keys          → {primary, keys}  (base64; primary null when gossip is plaintext)
 *   POST   /v1/keys          {key}  install a key (others can then decrypt with it)
 *   PUT    /v1/keys/primary  {key}  make an installed key the one this node encrypts with
 *   DELETE /v1/keys          {key}  remove a key that is not the primary
 *
 * Each change answers with the keyring after it. The schema checks that `key` is padded
 * base64 of a plausible length; whether it is a valid AES key, installed, or the primary is
 * the cluster's to judge, and its refusal is a 400 naming `body/key`.
 *
 * Every member's keyring, as `serf keys` does it (Serf's internal key queries, this node
 * answering too; `AgentClusterServices.clusterKeys`), the same four requests under
 * `/v1/cluster/keys`:
 *
 *   GET    /v1/cluster/keys          → list every member's keys
 *   POST   /v1/cluster/keys          {key}  install everywhere
 *   PUT    /v1/cluster/keys/primary  {key}  make it the primary everywhere
 *   DELETE /v1/cluster/keys          {key}  remove it everywhere
 *
 *   → 200 {numNodes, numResp, numErr, messages, keys?, primaryKeys?}
 *
 * Serf's KeyResponse: members asked (the live ones), answered, failed; each failing member's
 * message; for the list, each key with how many members have it and how many encrypt with
 * it. The answer comes when every member has answered or at the query's deadline (Serf's
 * default query timeout, a few seconds). It is a 200 whenever the operation ran, even if
 * some members refused or stayed silent: those are facts about the cluster, reported in the
 * counts (as Serf's RPC reports them beside its error string), not a fault of the request or
 * of this agent, and `numErr == 0 && numResp == numNodes` is success everywhere. A key that
 * is not a base64 AES key is a 400 naming `body/key` before anything is sent. Operations run
 * one at a time (Serf's KeyManager holds a lock); a few may wait, the next is a 503.
 *
 * Why a path of its own rather than `?scope=cluster` on `/v1/keys`: the two answer different
 * things — one node's keyring at once, or counts over the cluster after a query — so one
 * path per shape keeps each route's schema, each client call and each cached or logged URL
 * unambiguous, and an old client of `/v1/keys` can never get the other shape by a stray
 * parameter. The request bodies and methods are the same, so the mapping from `serf keys
 * -install/-use/-remove/-list` is the same under either prefix.
 */

import { isRemoteError } from '../../core/errors.ts';
import type {
  AgentClusterServices,
  ClusterKeyAction,
  ClusterKeysResult,
  KeyringView,
} from '../cluster.ts';
import type { HttpApp, HttpReply, HttpRequest } from './app.ts';
import { clientErrorOf, errorBody, httpError } from './errors.ts';
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

const COUNTS = { type: 'object', additionalProperties: { type: 'integer' } } as const;

const CLUSTER_KEYS_SCHEMA = {
  200: {
    type: 'object',
    required: ['numNodes', 'numResp', 'numErr', 'messages'],
    properties: {
      numNodes: { type: 'integer' },
      numResp: { type: 'integer' },
      numErr: { type: 'integer' },
      messages: { type: 'object', additionalProperties: { type: 'string' } },
      keys: COUNTS,
      primaryKeys: COUNTS,
    },
  },
} as const;

type KeyCluster = Pick<
  AgentClusterServices,
  'listKeys' | 'installKey' | 'useKey' | 'removeKey' | 'clusterKeys'
>;

function view(cluster: KeyCluster): KeyringView {
  const k = cluster.listKeys();
  return { primary: k.primary, keys: [...k.keys] };
}

export function registerKeysRoutes(app: HttpApp, cluster: KeyCluster): void {
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
  registerClusterKeysRoutes(app, cluster);
}

function registerClusterKeysRoutes(app: HttpApp, cluster: KeyCluster): void {
  const run =
    (action: ClusterKeyAction) =>
    async (request: HttpRequest, reply: HttpReply): Promise<ClusterKeysResult | HttpReply> => {
      let key: string | undefined;
      if (action !== 'list') {
        key = (request.body as { key: string }).key;
        if (!isBase64(key)) throw httpError(400, 'body/key', 'must be padded base64 (RFC 4648)');
      }
      try {
        return await cluster.clusterKeys(action, key);
      } catch (err) {
        const refused = clientErrorOf(err);
        if (refused !== null) throw refused;
        if (isRemoteError(err) && err.code === 'HEARSAY_ERR_QUEUE_FULL') {
          return reply
            .code(503)
            .send(errorBody(503, 'too many cluster key operations waiting; try again later'));
        }
        throw err;
      }
    };
  const response = { response: CLUSTER_KEYS_SCHEMA };
  const withKey = { schema: { ...KEY_SCHEMA, ...response } };
  app.get('/v1/cluster/keys', { schema: response }, run('list'));
  app.post('/v1/cluster/keys', withKey, run('install'));
  app.put('/v1/cluster/keys/primary', withKey, run('use'));
  app.delete('/v1/cluster/keys', withKey, run('remove'));
}
