// Starts build/test/fake_momento on an ephemeral loopback port for the SDK tests, and drives its
// /_fake control surface (faults). FAKE_MOMENTO_BIN overrides the binary.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const fakeBinary =
  process.env.FAKE_MOMENTO_BIN ?? path.join(root, 'build/test/fake_momento');

// `args`: more flags of test/fake_momento/main.cpp, e.g. ['--max-item-bytes', '1024'].
export async function startFake({ cache = 'video', args = [] } = {}) {
  const child = spawn(fakeBinary, ['--listen', '127.0.0.1:0', '--cache', cache, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const failed = once(child, 'error').then(([e]) => {
    throw new Error(`cannot start ${fakeBinary}: ${e.message}`);
  });
  const lines = createInterface({ input: child.stdout });
  const started = (async () => {
    let url;
    for await (const line of lines) {
      if (line.startsWith('listening on ')) url = `http://${line.slice('listening on '.length)}`;
      if (line.startsWith('MOMENTO_API_KEY=')) return { url, apiKey: line.slice(16) };
    }
    throw new Error(`${fakeBinary} exited before it was listening`);
  })();
  const { url, apiKey } = await Promise.race([started, failed]);
  const control = async (method, what, body) => {
    const res = await fetch(`${url}/_fake/${what}`, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} /_fake/${what}: HTTP ${res.status}`);
    return res.status === 204 ? undefined : res.json();
  };
  return {
    url,
    apiKey, // the v1 key: base64 of {"endpoint":"127.0.0.1","api_key":...}
    cache,
    // See Faults in test/fake_momento/fake_momento.hpp.
    faults: (f) => control('POST', 'faults', f),
    clearFaults: () => control('DELETE', 'faults'),
    state: (what) => control('GET', what),
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
