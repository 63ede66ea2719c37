// A tiny HTTP proxy for the browser tests, loopback only: forwards every request to the
// service and holds back the answers for media segments (paths ending in .ts or .m4s) by
// `delayMs`, so that a player behind it stalls (rebuffers). With `roundTripMs`, every request
// (segments included) also takes that round trip: held half of it before it is forwarded and
// half before its answer is written, as a slow link would (settable later: proxy.roundTripMs).
//
//   import { startDelayProxy } from './delay-proxy.mjs';
//   const proxy = await startDelayProxy('http://127.0.0.1:18480', 5000);  // proxy.url, proxy.close()
//   const slow = await startDelayProxy(url, 0, { roundTripMs: 1000 });   // slow.publishes: [{at, ms}]
import http from 'node:http';

export async function startDelayProxy(target, delayMs, { roundTripMs = 0 } = {}) {
  const upstream = new URL(target);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(upstream.hostname)) {
    throw new Error(`delay-proxy: the target must be on loopback, not ${upstream.hostname}`);
  }
  let delayed = 0;
  let rtt = roundTripMs;
  const publishes = []; // heartbeat publishes (POST /topics/...): when they arrived, their round trip
  const server = http.createServer((req, res) => {
    const isSegment = /\.(ts|m4s)(\?|$)/.test(req.url);
    const half = rtt / 2;
    const started = Date.now();
    const isPublish = req.method === 'POST' && req.url.startsWith('/topics/');
    const forward = () => {
      const headers = { ...req.headers };  // Host kept: the page's origin stays the proxy (heartbeats too)
      const out = http.request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
        (answer) => {
          const reply = () => {
            if (isPublish) publishes.push({ at: started, ms: Date.now() - started, status: answer.statusCode });
            res.writeHead(answer.statusCode, answer.headers);
            answer.pipe(res);
          };
          if (half > 0) setTimeout(reply, half); else reply();
        });
      out.on('error', () => { if (!res.headersSent) res.writeHead(502); res.end(); });
      req.pipe(out);
    };
    const hold = (isSegment && delayMs > 0 ? delayMs : 0) + half;
    if (isSegment && delayMs > 0) delayed += 1;
    if (hold > 0) setTimeout(forward, hold); else forward();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    get delayed() { return delayed; },
    get publishes() { return publishes; },
    get roundTripMs() { return rtt; },
    set roundTripMs(ms) { rtt = ms; },
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); })
  };
}
