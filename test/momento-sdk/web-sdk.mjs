// Loads Momento's web SDK (@gomomento/sdk-web) under Node: it expects a browser's
// XMLHttpRequest (xhr2 stands in, as in the SDK's own tests) and navigator.userAgent (for its
// runtime-version header). Clients are pointed at the fake with explicit endpoint overrides,
// so requests go to http://127.0.0.1:<port>/<package>.<Service>/<Method> like to web.cache.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

// Every request the SDK makes, as it set it: {method, url, headers (lower-case names), body}.
export const recorded = [];
class RecordingXMLHttpRequest extends require('xhr2') {
  open(method, url, ...rest) {
    this.record = { method, url, headers: {} };
    return super.open(method, url, ...rest);
  }
  setRequestHeader(name, value) {
    this.record.headers[name.toLowerCase()] = value;
    return super.setRequestHeader(name, value);
  }
  send(body) {
    recorded.push({ ...this.record, body });
    return super.send(body);
  }
}
globalThis.XMLHttpRequest ??= RecordingXMLHttpRequest;
if (globalThis.navigator === undefined) {
  Object.defineProperty(globalThis, 'navigator', {
    value: { userAgent: `Node.js/${process.versions.node}` },
    configurable: true,
  });
}
export const sdk = require('@gomomento/sdk-web');
export const sdkVersion = require('@gomomento/sdk-web/package.json').version;

// A credential provider that sends every service of this key to `url`.
export function credentialsFor(apiKey, url) {
  return sdk.CredentialProvider.fromString({
    apiKey,
    endpointOverrides: { cacheEndpoint: url, controlEndpoint: url, tokenEndpoint: url },
  });
}

export function cacheClient(apiKey, url) {
  return new sdk.CacheClient({
    configuration: sdk.Configurations.Laptop.v1(),
    credentialProvider: credentialsFor(apiKey, url),
    defaultTtlSeconds: 60,
  });
}

export function authClient(apiKey, url) {
  return new sdk.AuthClient({ credentialProvider: credentialsFor(apiKey, url) });
}

export function topicClient(apiKey, url) {
  return new sdk.TopicClient({
    configuration: sdk.TopicConfigurations.Default.latest(),
    credentialProvider: credentialsFor(apiKey, url),
  });
}

// The SDK speaks text mode only. For binary gRPC-Web, the same generated stubs with grpc-web's
// client in binary format (which sends application/grpc-web+proto): grpc-web's own parser then
// reads the fake's binary answers.
const requireFromSdk = createRequire(require.resolve('@gomomento/sdk-web'));
const grpcWeb = requireFromSdk('grpc-web');
export const generated = requireFromSdk('@gomomento/generated-types-webtext');
export const cachePb = requireFromSdk('@gomomento/generated-types-webtext/dist/cacheclient_pb');

export function binaryScsClient(url) {
  const client = new generated.cache.ScsClient(url, null, {});
  client.client_ = new grpcWeb.GrpcWebClientBase({ format: 'binary' });
  return client;
}

// Calls a method of a generated client; resolves to {err, response}.
export function callRaw(client, method, request, metadata) {
  return new Promise((resolve) => {
    client[method](request, metadata, (err, response) => resolve({ err, response }));
  });
}
