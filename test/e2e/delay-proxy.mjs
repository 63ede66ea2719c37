// A tiny HTTP proxy for the browser tests, loopback only: forwards every request to the
// service and holds back the answers for media segments (paths ending in .ts or .m4s) by
// `delayMs`, so that a player behind it stalls (rebuffers).
//
//   import { startDelayProxy } from './delay-proxy.mjs';
//   const proxy = await startDelayProxy('http://127.0.0.1:18480', 5000);  // proxy.url, proxy.close()
import http from 'node:http';

export async function startDelayProxy(target, delayMs) {
  const upstream = new URL(target);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(upstream.hostname)) {
    throw new Error(`delay-proxy: the target must be on loopback, not ${upstream.hostname}`);
  }
  let delayed = 0;
  const server = http.createServer((req, res) => {
    const isSegment = /\.(ts|m4s)(\?|$)/.test(req.url);
    const forward = () => {
      const headers = { ...req.headers };  // Host kept: the page's origin stays the proxy (heartbeats too)
      const out = http.request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
        (answer) => {
          res.writeHead(answer.statusCode, answer.headers);
          answer.pipe(res);
        });
      out.on('error', () => { if (!res.headersSent) res.writeHead(502); res.end(); });
      req.pipe(out);
    };
    if (isSegment && delayMs > 0) {
      delayed += 1;
      setTimeout(forward, delayMs);
    } else {
      forward();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    get delayed() { return delayed; },
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); })
  };
}
