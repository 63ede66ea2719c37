// What Momento's web SDK (@gomomento/sdk-web) puts on the wire, recorded from its own requests
// to the fake: the headers docs/momento.md (section 10) attributes to it, and its request
// messages for the golden inputs streampulse's builders are unit-tested against.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

import { startFake } from './fake.mjs';
import { authClient, cacheClient, recorded, sdk, sdkVersion } from './web-sdk.mjs';

const { CollectionTtl, ExpiresIn, TopicRole } = sdk;

let fake;

before(async () => {
  fake = await startFake();
});
after(async () => {
  await fake?.stop();
});

function expectType(response, type) {
  assert.equal(response.type, type, `expected ${type}, got ${response.toString()}`);
  return response;
}

// What docs/momento.md section 10 says the web SDK sends, checked on the SDK itself.
test('the headers the web SDK sends', async () => {
  const innerKey = JSON.parse(Buffer.from(fake.apiKey, 'base64').toString()).api_key;
  const client = cacheClient(fake.apiKey, fake.url);
  const from = recorded.length;
  expectType(await client.dictionaryLength('video', 'none'), 'Miss');
  expectType(await client.dictionaryLength('video', 'none'), 'Miss');
  const [first, second] = recorded.slice(from).map((r) => r.headers);
  assert.equal(first['content-type'], 'application/grpc-web-text');
  assert.equal(first.accept, 'application/grpc-web-text');
  assert.equal(first['x-grpc-web'], '1');
  assert.equal(first['x-user-agent'], 'grpc-web-javascript/0.1');
  assert.equal(first.authorization, innerKey);
  assert.equal(first.cache, 'video');
  assert.match(first['grpc-timeout'], /^\d+m$/);
  assert.equal(first.agent, `js-web:cache:${sdkVersion}`);
  assert.match(first['runtime-version'], /^js-web:/);
  // Only the first call of a client says who is calling.
  assert.equal(second.agent, undefined);
  assert.equal(second['runtime-version'], undefined);
  assert.equal(second.cache, 'video');

  const tokenFrom = recorded.length;
  await authClient(fake.apiKey, fake.url).generateDisposableToken(
    { permissions: [{ role: TopicRole.PublishOnly, cache: 'video', topic: 'stream' }] },
    ExpiresIn.minutes(1),
  );
  const token = recorded[tokenFrom];
  assert.ok(token.url.endsWith('/token.Token/GenerateDisposableToken'), token.url);
  assert.equal(token.headers.agent, `js-web:auth:${sdkVersion}`);
  for (const absent of ['authorization', 'cache', 'grpc-timeout']) {
    assert.equal(token.headers[absent], undefined, absent);
  }
});

// The protobuf message in a recorded text-mode request body, as hex.
function messageHex(record) {
  const frame = Buffer.from(record.body, 'base64');
  assert.equal(frame[0], 0);
  assert.equal(frame.readUInt32BE(1), frame.length - 5);
  return frame.subarray(5).toString('hex');
}

// The same inputs and hex as test/unit/momento_messages_test.cpp gives streampulse's builders
// (docs/momento.md §11.6): both sides equal the vectors, so they equal each other. Increment is
// the SDK's alone (streampulse does not increment): its vector is checked here only.
test("the SDK's request messages are the golden vectors streampulse is tested against", async () => {
  const client = cacheClient(fake.apiKey, fake.url);
  const start = recorded.length;
  const calls = [
    [
      () => client.sortedSetPutElement('video', 'activePlayers', 'p1', 1700000000000, {
        ttl: new CollectionTtl(10, true),
      }),
      '0a0d616374697665506c6179657273120d0a0270311100008056febc784218904e2001',
    ],
    [
      () => client.sortedSetFetchByScore('video', 'activePlayers', { minScore: 1700000000000 }),
      '0a0d616374697665506c617965727318012a0f12090900008056febc78421a003001',
    ],
    [
      () => client.sortedSetLengthByScore('video', 'activePlayers', { minScore: 1700000000000 }),
      '0a0d616374697665506c61796572731100008056febc78423a00',
    ],
    [
      () => client.sortedSetRemoveElements('video', 'activePlayers', ['p1', 'p2']),
      '0a0d616374697665506c61796572731a080a0270310a027032',
    ],
    [
      () => client.dictionarySetField('video', 'analytics', 'p1', '{}', {
        ttl: new CollectionTtl(3600, true),
      }),
      '0a09616e616c797469637312080a02703112027b7d1880dddb012001',
    ],
    [
      () => client.dictionaryIncrement('video', 'acct-1', 'p1', 1, { ttl: new CollectionTtl(10, true) }),
      '0a06616363742d3112027031180120904e2801',
    ],
    [() => client.dictionaryLength('video', 'acct-1'), '0a06616363742d31'],
    [
      () => client.dictionaryGetFields('video', 'analytics', ['p1', 'p2']),
      '0a09616e616c79746963731202703112027032',
    ],
    [() => client.dictionaryFetch('video', 'analytics'), '0a09616e616c7974696373'],
  ];
  for (const [call, hex] of calls) {
    const from = recorded.length;
    await call();
    assert.equal(recorded.length, from + 1);
    assert.equal(messageHex(recorded[from]), hex, recorded[from].url);
  }
  // The whole text-mode body, as momento_grpc_web_test.cpp requires of streampulse's framing.
  const lengthCall = recorded.slice(start).find((r) => r.url.endsWith('/DictionaryLength'));
  assert.equal(lengthCall.body, 'AAAAAAgKBmFjY3QtMQ==');
  // The viewer token of ViewerTokenHasTwoTopicPermissions (auth_token KEY, 900 s, player-1).
  const keyKEY = Buffer.from(JSON.stringify({ endpoint: '127.0.0.1', api_key: 'KEY' })).toString(
    'base64',
  );
  const from = recorded.length;
  await authClient(keyKEY, fake.url).generateDisposableToken(
    {
      permissions: [
        { role: TopicRole.PublishOnly, cache: 'video', topic: 'stream' },
        { role: TopicRole.SubscribeOnly, cache: 'video', topic: 'viewerCount' },
      ],
    },
    ExpiresIn.seconds(900),
    { tokenId: 'player-1' },
  );
  assert.equal(
    messageHex(recorded[from]),
    '0a0308840712034b45591a3912370a17121508031a070a05766964656f2a080a0673747265616d' +
      '0a1c121a08021a070a05766964656f2a0d0a0b766965776572436f756e742208706c617965722d31',
  );
});
