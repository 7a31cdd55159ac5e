// undici is for alert receivers and DoH only: the daemon's modules load it with the first delivery, not at start.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runChild } from '../../support/children.js';

// The built modules (npm test builds first): a fresh node loads them as the daemon does.
const DIST = join(import.meta.dirname, '..', '..', '..', 'dist', 'src');

/** In a fresh node: whether undici is loaded after importing the daemon's modules, and after one alert POST to a loopback receiver. */
const SCRIPT = `
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
const cache = createRequire(import.meta.url).cache;
const undiciLoaded = () => Object.keys(cache).some((k) => k.includes('/node_modules/undici/'));
await import(${JSON.stringify(join(DIST, 'main.js'))});
const atStart = undiciLoaded();
const server = createServer((q, s) => q.resume().on('end', () => s.end())).listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));
const { postJson } = await import(${JSON.stringify(join(DIST, 'alerts', 'receivers', 'post.js'))});
await postJson({ url: 'http://127.0.0.1:' + server.address().port + '/hook', body: '{}', headers: {}, timeoutMs: 5000, signal: new AbortController().signal });
server.close();
process.stdout.write(JSON.stringify({ atStart, afterDelivery: undiciLoaded() }));
`;

describe('undici in the daemon', () => {
  it('is not loaded by the daemon at start, and is by the first alert delivery', async () => {
    const r = await runChild(process.execPath, ['--input-type=module', '-e', SCRIPT]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ atStart: false, afterDelivery: true });
  });
});
