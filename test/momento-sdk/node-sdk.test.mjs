// Momento's Node SDK (@gomomento/sdk, native gRPC over HTTP/2 via @grpc/grpc-js) as a second
// referee of the fake's messages, statuses and metadata. The fake speaks HTTP/1.1 gRPC-Web only,
// so the SDK reaches it through grpc-bridge.mjs (HTTP/2 gRPC -> binary gRPC-Web): this checks
// what the fake answers, not its gRPC-Web framing (the web SDK and grpc-web check that).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

import { startFake } from './fake.mjs';
import { startBridge } from './grpc-bridge.mjs';

const require = createRequire(import.meta.url);
const sdk = require('@gomomento/sdk');
const sdkVersion = require('@gomomento/sdk/package.json').version;
const { CollectionTtl, ExpiresIn, MomentoErrorCode, TopicRole } = sdk;

let fake;
let bridge;
let cache;

function credentials(apiKey) {
  const endpoint = bridge.endpoint;
  return sdk.CredentialProvider.fromString({
    apiKey,
    endpointOverrides: {
      cacheEndpoint: endpoint,
      controlEndpoint: endpoint,
      tokenEndpoint: endpoint,
      secureConnection: false,
    },
  });
}

function cacheClient(apiKey) {
  return new sdk.CacheClient({
    configuration: sdk.Configurations.Laptop.v1(),
    credentialProvider: credentials(apiKey),
    defaultTtlSeconds: 60,
  });
}

function expectType(response, type) {
  assert.equal(response.type, type, `expected ${type}, got ${response.toString()}`);
  return response;
}

function expectError(response, code) {
  expectType(response, 'Error');
  assert.equal(response.errorCode(), code, response.toString());
  return response;
}

const badKey = Buffer.from(JSON.stringify({ endpoint: '127.0.0.1', api_key: 'wrong' })).toString(
  'base64',
);

before(async () => {
  fake = await startFake();
  bridge = await startBridge(fake.url);
  cache = cacheClient(fake.apiKey);
});
after(async () => {
  cache?.close();
  await bridge?.stop();
  await fake?.stop();
});

test(`the SDK under test is @gomomento/sdk ${sdkVersion}`, () => {
  assert.match(sdkVersion, /^1\.118\./);
});

describe('collections', () => {
  test('sorted sets: put, fetch by score, length by score, remove, missing', async () => {
    const ttl = new CollectionTtl(60, true);
    const elements = { p1: 1700000000000, p2: 1700000001500 };
    expectType(await cache.sortedSetPutElements('video', 'players', elements, { ttl }), 'Success');
    const recent = await cache.sortedSetFetchByScore('video', 'players', { minScore: 1700000001000 });
    assert.deepEqual(expectType(recent, 'Hit').valueArray(), [{ value: 'p2', score: 1700000001500 }]);
    const n = await cache.sortedSetLengthByScore('video', 'players', { minScore: 1700000000000 });
    assert.equal(expectType(n, 'Hit').length(), 2);
    expectType(await cache.sortedSetRemoveElements('video', 'players', ['p2']), 'Success');
    const left = expectType(await cache.sortedSetFetchByScore('video', 'players'), 'Hit');
    assert.deepEqual(left.valueArray(), [{ value: 'p1', score: 1700000000000 }]);
    expectType(await cache.sortedSetFetchByScore('video', 'nothing'), 'Miss');
    expectType(await cache.sortedSetLengthByScore('video', 'nothing'), 'Miss');
  });

  test('dictionaries: set, fetch, get, length, delete, increment, missing', async () => {
    const ttl = new CollectionTtl(3600, true);
    const items = { p1: '{"a":1}', p2: '{"a":2}' };
    expectType(await cache.dictionarySetFields('video', 'stats', items, { ttl }), 'Success');
    assert.deepEqual(expectType(await cache.dictionaryFetch('video', 'stats'), 'Hit').valueRecord(), items);
    const some = expectType(await cache.dictionaryGetFields('video', 'stats', ['p2', 'x']), 'Hit');
    assert.deepEqual(
      some.responses.map((r) => r.type),
      ['Hit', 'Miss'],
    );
    assert.equal(expectType(await cache.dictionaryLength('video', 'stats'), 'Hit').length(), 2);
    expectType(await cache.dictionaryRemoveFields('video', 'stats', ['p1']), 'Success');
    assert.deepEqual(expectType(await cache.dictionaryFetch('video', 'stats'), 'Hit').valueRecord(), {
      p2: '{"a":2}',
    });
    const inc = await cache.dictionaryIncrement('video', 'counts', 'p1', 5);
    assert.equal(expectType(inc, 'Success').value(), 5);
    expectType(await cache.dictionaryFetch('video', 'nothing'), 'Miss');
    expectType(await cache.dictionaryGetFields('video', 'nothing', ['a']), 'Miss');
    expectType(await cache.dictionaryLength('video', 'nothing'), 'Miss');
  });
});

describe('GenerateDisposableToken', () => {
  const scope = {
    permissions: [
      { role: TopicRole.PublishOnly, cache: 'video', topic: 'stream' },
      { role: TopicRole.SubscribeOnly, cache: 'video', topic: 'viewerCount' },
    ],
  };

  test('mints a token for the time asked', async () => {
    const auth = new sdk.AuthClient({ credentialProvider: credentials(fake.apiKey) });
    const now = Math.floor(Date.now() / 1000);
    const r = await auth.generateDisposableToken(scope, ExpiresIn.seconds(900), { tokenId: 'p-1' });
    const minted = expectType(r, 'Success');
    const wrapper = JSON.parse(Buffer.from(minted.authToken, 'base64').toString());
    assert.equal(wrapper.endpoint, '127.0.0.1');
    assert.ok(minted.expiresAt.epoch() >= now + 900 && minted.expiresAt.epoch() <= now + 902);
    // The token works on the fake's HTTP API, where the players publish.
    const publish = (topic) =>
      fetch(`${fake.url}/topics/video/${topic}`, {
        method: 'POST',
        headers: { authorization: minted.authToken, 'content-type': 'text/plain' },
        body: 'hello',
      });
    assert.equal((await publish('stream')).status, 204);
    assert.equal((await publish('viewerCount')).status, 403);
  });

  test('a bad key is an authentication error', async () => {
    const auth = new sdk.AuthClient({ credentialProvider: credentials(badKey) });
    const r = await auth.generateDisposableToken(scope, ExpiresIn.minutes(15));
    expectError(r, MomentoErrorCode.AUTHENTICATION_ERROR);
  });
});

describe('errors', () => {
  test('cache not found, bad key', async () => {
    expectError(await cache.dictionaryFetch('no-such-cache', 'x'), MomentoErrorCode.CACHE_NOT_FOUND_ERROR);
    const bad = cacheClient(badKey);
    expectError(await bad.dictionaryLength('video', 'x'), MomentoErrorCode.AUTHENTICATION_ERROR);
    bad.close();
  });

  test('throttling: LIMIT_EXCEEDED with the cause from `err`', async () => {
    await fake.faults({ fail_status: 429, fail_count: 1, path_prefix: '/cache_client.Scs/' });
    const r = await cache.dictionaryLength('video', 'stats');
    expectError(r, MomentoErrorCode.LIMIT_EXCEEDED_ERROR);
    assert.equal(r.innerException().errCause, 'operations_rate_limit_exceeded');
  });

  test('a percent-encoded grpc-message arrives decoded', async () => {
    const message = 'débit dépassé: 100% (a=1&b=2)';
    // Not retried: the Node SDK retries UNAVAILABLE on idempotent calls, not DEADLINE_EXCEEDED.
    await fake.faults({ fail_status: 504, fail_count: 1, message, path_prefix: '/cache_client.Scs/' });
    const r = await cache.dictionaryFetch('video', 'stats');
    expectError(r, MomentoErrorCode.TIMEOUT_ERROR);
    // grpc-js words its details "<code> <NAME>: <grpc-message>".
    assert.equal(r.innerException().transportDetails().grpc.details, `4 DEADLINE_EXCEEDED: ${message}`);
  });
});
