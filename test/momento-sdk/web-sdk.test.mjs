// Momento's web SDK (@gomomento/sdk-web, gRPC-Web text mode over XHR) as the referee of the
// fake: every collection call streampulse makes, GenerateDisposableToken, and the errors it
// handles. The SDK must accept the fake's answers and report what it would from Momento.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { startFake } from './fake.mjs';
import {
  authClient,
  binaryScsClient,
  cacheClient,
  cachePb,
  callRaw,
  sdk,
  sdkVersion,
  topicClient,
} from './web-sdk.mjs';

const { CollectionTtl, ExpiresIn, MomentoErrorCode, TopicRole } = sdk;

let fake;
let cache;

before(async () => {
  fake = await startFake();
  cache = cacheClient(fake.apiKey, fake.url);
});
after(async () => {
  await fake?.stop();
});

// Fails with the SDK's own description when the response is not of the expected type.
function expectType(response, type) {
  assert.equal(response.type, type, `expected ${type}, got ${response.toString()}`);
  return response;
}

function expectError(response, code) {
  expectType(response, 'Error');
  assert.equal(response.errorCode(), code, response.toString());
  return response;
}

test(`the SDK under test is @gomomento/sdk-web ${sdkVersion}`, () => {
  assert.match(sdkVersion, /^1\.118\./);
});

describe('sorted sets', () => {
  const set = 'activePlayers';
  const ttl = new CollectionTtl(60, true);

  test('SortedSetPut, then SortedSetFetch by score with scores', async () => {
    const elements = new Map([
      ['p1', 1700000000000],
      ['p2', 1700000001500],
      ['p3', 1700000003000],
    ]);
    expectType(await cache.sortedSetPutElements('video', set, elements, { ttl }), 'Success');
    const all = expectType(await cache.sortedSetFetchByScore('video', set), 'Hit');
    assert.deepEqual(all.valueArray(), [
      { value: 'p1', score: 1700000000000 },
      { value: 'p2', score: 1700000001500 },
      { value: 'p3', score: 1700000003000 },
    ]);
    const recent = expectType(
      await cache.sortedSetFetchByScore('video', set, { minScore: 1700000001500 }),
      'Hit',
    );
    assert.deepEqual(
      recent.valueArray().map((e) => e.value),
      ['p2', 'p3'],
    );
    const bounded = expectType(
      await cache.sortedSetFetchByScore('video', set, {
        minScore: 1700000000000,
        maxScore: 1700000001500,
        offset: 1,
        count: 1,
      }),
      'Hit',
    );
    assert.deepEqual(bounded.valueArray(), [{ value: 'p2', score: 1700000001500 }]);
  });

  test('SortedSetLengthByScore', async () => {
    const n = await cache.sortedSetLengthByScore('video', set, { minScore: 1700000001500 });
    assert.equal(expectType(n, 'Hit').length(), 2);
    const none = await cache.sortedSetLengthByScore('video', set, { minScore: 1800000000000 });
    expectType(none, 'Miss'); // the SDK reports found{length: 0} as a miss
  });

  test('SortedSetRemove', async () => {
    expectType(await cache.sortedSetRemoveElements('video', set, ['p1', 'p3']), 'Success');
    const left = expectType(await cache.sortedSetFetchByScore('video', set), 'Hit');
    assert.deepEqual(
      left.valueArray().map((e) => e.value),
      ['p2'],
    );
  });

  test('a set that does not exist is a miss', async () => {
    expectType(await cache.sortedSetFetchByScore('video', 'no-such-set'), 'Miss');
    expectType(await cache.sortedSetLengthByScore('video', 'no-such-set'), 'Miss');
    expectType(await cache.sortedSetRemoveElements('video', 'no-such-set', ['x']), 'Success');
  });
});

describe('dictionaries', () => {
  const dict = 'analytics';
  const ttl = new CollectionTtl(3600, true);

  test('DictionarySet, DictionaryFetch, DictionaryGet, DictionaryLength', async () => {
    const items = { p1: '{"bitrate":1}', p2: '{"bitrate":2}', 'p-é': 'ünïcode' };
    expectType(await cache.dictionarySetFields('video', dict, items, { ttl }), 'Success');
    const all = expectType(await cache.dictionaryFetch('video', dict), 'Hit');
    assert.deepEqual(all.valueRecord(), items);
    const some = expectType(await cache.dictionaryGetFields('video', dict, ['p2', 'nope', 'p-é']), 'Hit');
    assert.deepEqual(
      some.responses.map((r) => r.type),
      ['Hit', 'Miss', 'Hit'],
    );
    assert.deepEqual(some.valueRecord(), { p2: '{"bitrate":2}', 'p-é': 'ünïcode' });
    const n = expectType(await cache.dictionaryLength('video', dict), 'Hit');
    assert.equal(n.length(), 3);
  });

  test('DictionaryDelete of some fields', async () => {
    expectType(await cache.dictionaryRemoveFields('video', dict, ['p1', 'p-é']), 'Success');
    const left = expectType(await cache.dictionaryFetch('video', dict), 'Hit');
    assert.deepEqual(left.valueRecord(), { p2: '{"bitrate":2}' });
  });

  test('DictionaryIncrement', async () => {
    const first = expectType(await cache.dictionaryIncrement('video', 'counts', 'p1', 1), 'Success');
    assert.equal(first.value(), 1);
    const next = expectType(await cache.dictionaryIncrement('video', 'counts', 'p1', 41), 'Success');
    assert.equal(next.value(), 42);
    const notANumber = await cache.dictionaryIncrement('video', dict, 'p2', 1);
    expectError(notANumber, MomentoErrorCode.FAILED_PRECONDITION_ERROR);
  });

  test('a dictionary that does not exist is a miss', async () => {
    expectType(await cache.dictionaryFetch('video', 'no-such-dict'), 'Miss');
    expectType(await cache.dictionaryGetFields('video', 'no-such-dict', ['a', 'b']), 'Miss');
    expectType(await cache.dictionaryLength('video', 'no-such-dict'), 'Miss');
    expectType(await cache.dictionaryRemoveFields('video', 'no-such-dict', ['a']), 'Success');
  });
});

describe('GenerateDisposableToken', () => {
  const scope = {
    permissions: [
      { role: TopicRole.PublishOnly, cache: 'video', topic: 'stream' },
      { role: TopicRole.SubscribeOnly, cache: 'video', topic: 'viewerCount' },
    ],
  };

  test('mints a token the SDK can use, valid for the time asked', async () => {
    const before = Math.floor(Date.now() / 1000);
    const r = await authClient(fake.apiKey, fake.url).generateDisposableToken(
      scope,
      ExpiresIn.seconds(900),
      { tokenId: 'player-1' },
    );
    const minted = expectType(r, 'Success');
    const wrapper = JSON.parse(Buffer.from(minted.authToken, 'base64').toString());
    assert.equal(wrapper.endpoint, '127.0.0.1');
    assert.ok(wrapper.api_key.length > 0);
    const expires = minted.expiresAt.epoch();
    assert.ok(expires >= before + 900 && expires <= before + 902, `expires at ${expires}`);

    // The SDK's own topic client, with that token: publish allowed on stream only.
    const topics = topicClient(minted.authToken, fake.url);
    expectType(await topics.publish('video', 'stream', '{"playerId":"p1"}'), 'Success');
    const denied = await topics.publish('video', 'viewerCount', '3');
    expectError(denied, MomentoErrorCode.PERMISSION_ERROR);
    assert.deepEqual(await fake.state('topic/stream'), ['{"playerId":"p1"}']);
  });

  test('a bad key is an authentication error', async () => {
    const badKey = Buffer.from(JSON.stringify({ endpoint: '127.0.0.1', api_key: 'wrong' })).toString(
      'base64',
    );
    const r = await authClient(badKey, fake.url).generateDisposableToken(scope, ExpiresIn.minutes(15));
    expectError(r, MomentoErrorCode.AUTHENTICATION_ERROR);
  });
});

describe('errors', () => {
  test('a cache that does not exist is NOT_FOUND', async () => {
    const r = await cache.dictionaryFetch('no-such-cache', 'analytics');
    expectError(r, MomentoErrorCode.CACHE_NOT_FOUND_ERROR);
  });

  test('a bad key is UNAUTHENTICATED', async () => {
    const badKey = Buffer.from(JSON.stringify({ endpoint: '127.0.0.1', api_key: 'wrong' })).toString(
      'base64',
    );
    const r = await cacheClient(badKey, fake.url).sortedSetFetchByScore('video', 'activePlayers');
    expectError(r, MomentoErrorCode.AUTHENTICATION_ERROR);
  });

  test('throttling is a limit-exceeded error with its cause', async () => {
    await fake.faults({ fail_status: 429, fail_count: 1, path_prefix: '/cache_client.Scs/' });
    const r = await cache.sortedSetPutElements('video', 'activePlayers', { p9: 1 });
    expectError(r, MomentoErrorCode.LIMIT_EXCEEDED_ERROR);
    // The SDK read Momento's `err` metadata from the trailers-only answer's headers. (Its
    // wording, "Limit exceeded for this account", comes from grpc-message: 1.118 picks the
    // wording before it stores the cause.)
    assert.equal(r.innerException().errCause, 'operations_rate_limit_exceeded');
    assert.equal(r.innerException().transportDetails().grpc.metadata.err,
      'operations_rate_limit_exceeded');
  });

  test('grpc-message arrives percent-encoded and the SDK decodes it', async () => {
    const message = 'débit dépassé: 100% (a=1&b=2), "quoted"\ttab';
    await fake.faults({ fail_status: 503, fail_count: 1, message, path_prefix: '/cache_client.' });
    const r = await cache.dictionaryFetch('video', 'analytics');
    expectError(r, MomentoErrorCode.SERVER_UNAVAILABLE);
    assert.equal(r.innerException().transportDetails().grpc.details, message);
  });

  test('a topic message over 4 KB is a request-size limit', async () => {
    const minted = await authClient(fake.apiKey, fake.url).generateDisposableToken(
      { permissions: [{ role: TopicRole.PublishSubscribe, cache: 'video', topic: 'big' }] },
      ExpiresIn.minutes(5),
    );
    const topics = topicClient(expectType(minted, 'Success').authToken, fake.url);
    const r = await topics.publish('video', 'big', 'x'.repeat(4097));
    expectError(r, MomentoErrorCode.LIMIT_EXCEEDED_ERROR);
    assert.equal(r.innerException().errCause, 'request_size_limit_exceeded');
  });

  test('a dictionary over the item size is an item-size limit', async () => {
    const small = await startFake({ args: ['--max-item-bytes', '1024'] });
    try {
      const client = cacheClient(small.apiKey, small.url);
      const r = await client.dictionarySetFields('video', 'analytics', { p1: 'x'.repeat(2000) });
      expectError(r, MomentoErrorCode.LIMIT_EXCEEDED_ERROR);
      assert.equal(r.innerException().errCause, 'item_size_limit_exceeded');
    } finally {
      await small.stop();
    }
  });

  for (const [status, code] of [
    [500, MomentoErrorCode.INTERNAL_SERVER_ERROR],
    [503, MomentoErrorCode.SERVER_UNAVAILABLE],
    [504, MomentoErrorCode.TIMEOUT_ERROR],
  ]) {
    test(`an injected ${status} is ${code} (trailers-only answer)`, async () => {
      await fake.faults({ fail_status: status, fail_count: 1, path_prefix: '/cache_client.Scs/' });
      expectError(await cache.dictionaryLength('video', 'analytics'), code);
    });
  }
});

describe('binary gRPC-Web (grpc-web with the SDK stubs)', () => {
  const innerKey = () =>
    JSON.parse(Buffer.from(fake.apiKey, 'base64').toString()).api_key;

  test('answers and errors in binary mode', async () => {
    const client = binaryScsClient(fake.url);
    const request = new cachePb._DictionaryLengthRequest();
    request.setDictionaryName(new TextEncoder().encode('analytics'));
    const metadata = { authorization: innerKey(), cache: 'video' };
    const ok = await callRaw(client, 'dictionaryLength', request, metadata);
    assert.equal(ok.err, null);
    assert.equal(ok.response.getFound().getLength(), 1);
    const missing = await callRaw(client, 'dictionaryLength', request, { ...metadata, cache: 'x' });
    assert.equal(missing.err.code, 5); // NOT_FOUND
  });
});
