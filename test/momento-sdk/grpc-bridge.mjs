// Native gRPC (HTTP/2 without TLS) in front of the fake's binary gRPC-Web (HTTP/1.1), so that
// Momento's Node SDK (@gomomento/sdk, on @grpc/grpc-js), which speaks only HTTP/2, can call the
// fake. It translates the way a gRPC-Web gateway does, in reverse, and nothing else: data frames
// pass through byte for byte, the trailer frame becomes HTTP/2 trailers, a trailers-only answer
// stays trailers-only. Metadata headers (authorization, cache, agent, ...) pass through.
import http from 'node:http';
import http2 from 'node:http2';
import { once } from 'node:events';

// Request headers that belong to HTTP/2 or to native gRPC, not to gRPC-Web over HTTP/1.1.
const dropped = new Set(['content-type', 'te', 'content-length', 'grpc-accept-encoding']);
// Response headers copied into a trailers-only answer.
const statusHeaders = ['grpc-status', 'grpc-message', 'err'];

function parseTrailerBlock(bytes) {
  const trailers = {};
  for (const line of bytes.toString('latin1').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return trailers;
}

function answer(stream, res, body) {
  const head = { ':status': 200, 'content-type': 'application/grpc' };
  if (res.headers['grpc-status'] !== undefined) {
    for (const name of statusHeaders) {
      if (res.headers[name] !== undefined) head[name] = res.headers[name];
    }
    stream.respond(head, { endStream: true });
    return;
  }
  if (res.statusCode !== 200) {
    // What grpc-js would make of the HTTP status, as a status it can read.
    head['grpc-status'] = '2';
    head['grpc-message'] = encodeURIComponent(`HTTP ${res.statusCode}`);
    stream.respond(head, { endStream: true });
    return;
  }
  const frames = [];
  let trailers = { 'grpc-status': '13', 'grpc-message': 'no trailer frame' };
  for (let pos = 0; pos + 5 <= body.length; ) {
    const end = pos + 5 + body.readUInt32BE(pos + 1);
    if (body[pos] & 0x80) trailers = parseTrailerBlock(body.subarray(pos + 5, end));
    else frames.push(body.subarray(pos, end));
    pos = end;
  }
  stream.respond(head, { waitForTrailers: true });
  stream.on('wantTrailers', () => stream.sendTrailers(trailers));
  for (const frame of frames) stream.write(frame);
  stream.end();
}

export async function startBridge(fakeUrl) {
  const target = new URL(fakeUrl);
  const agent = new http.Agent({ keepAlive: true });
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', () => {
      const body = Buffer.concat(chunks);
      const forward = { 'content-type': 'application/grpc-web', 'content-length': body.length };
      for (const [name, value] of Object.entries(headers)) {
        if (!name.startsWith(':') && !dropped.has(name)) forward[name] = value;
      }
      const req = http.request(
        { agent, host: target.hostname, port: target.port, method: 'POST', path: headers[':path'], headers: forward },
        (res) => {
          const parts = [];
          res.on('data', (c) => parts.push(c));
          res.on('end', () => answer(stream, res, Buffer.concat(parts)));
        },
      );
      req.on('error', (e) =>
        stream.respond(
          { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '14', 'grpc-message': encodeURIComponent(e.message) },
          { endStream: true },
        ),
      );
      req.end(body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const sessions = new Set();
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  return {
    endpoint: `127.0.0.1:${server.address().port}`,
    async stop() {
      for (const s of sessions) s.destroy();
      agent.destroy();
      server.close();
    },
  };
}
