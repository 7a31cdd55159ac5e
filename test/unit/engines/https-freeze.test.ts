// A freeze inside a 16 KB TLS record: nothing of the response decrypts, yet the bytes that crossed the wire are measured and judged.
import { createServer as createHttpsServer } from 'node:https';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyTarget } from '../../../src/analysis/index.js';
import { FREEZE_BAND } from '../../../src/analysis/throughput.js';
import { httpsEngine } from '../../../src/engines/https.js';
import { startDnsServer, type DnsServer } from '../../support/dns-server.js';
import { makeContext } from '../../support/probe-context.js';
import { listen, serve, type Listener } from '../../support/tcp-servers.js';
import { testPki } from '../../support/tls-servers.js';

const pki = testPki(['app.test']);
/** Where the path freezes: server bytes past this never arrive (inside the first 16 KB record, past the band's start). */
const CUT = 14 * 1024;
let dns: DnsServer;
let origin: Listener;
let frozen: Listener;
const held = new Set<Socket>();

beforeAll(async () => {
  dns = await startDnsServer(() => ({ kind: 'answer', a: ['127.0.0.1'] }));
  // Node's default records are 16 KB, as nginx's: the head and the first 16 KB of body share one.
  const page = Buffer.alloc(48 * 1024, 0x61);
  const server = createHttpsServer({ cert: pki.leaf.cert, key: pki.leaf.key }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html', 'content-length': page.length }).end(page);
  });
  server.on('tlsClientError', () => {});
  origin = await serve(server as never, '127.0.0.1');
  // A path that passes the first CUT bytes from the server and then nothing, with no reset: a freeze.
  frozen = await listen((client) => {
    const up = connect(origin.port, '127.0.0.1');
    held.add(client);
    let passed = 0;
    up.on('data', (c: Buffer) => {
      const room = CUT - passed;
      if (room > 0) client.write(c.subarray(0, room));
      passed += c.length;
    });
    client.on('data', (c: Buffer) => up.write(c));
    const close = () => (client.destroy(), up.destroy());
    client.on('error', close);
    up.on('error', close);
    client.on('close', close);
  });
});
afterAll(async () => {
  for (const s of held) s.destroy();
  for (const s of [dns, frozen, origin]) await s.close();
});

// By address: loopback is a bogon, which the DNS step would judge first.
const target = (port: number) => ({ id: 'w', kind: 'https' as const, url: `https://127.0.0.1:${port}/` });
const ctx = () => makeContext({ dns, extraCA: [pki.ca.cert], timeoutMs: 1500, stallMs: 200 });

describe('a freeze inside the record carrying the response head', () => {
  it('records the wire bytes of the whole exchange and that they stopped, with no response', async () => {
    const m = await httpsEngine(target(frozen.port), ctx());
    expect(m).toMatchObject({ failure: 'generic_timeout_error', operation: 'http_round_trip' });
    const req = m.requests[0];
    expect(req.response).toBeNull();
    expect(req.stalled).toBe(true);
    expect(req.wire_bytes).toBe(CUT);
    expect(CUT).toBeGreaterThanOrEqual(FREEZE_BAND[0]);
  });

  it('is judged tls.freeze on those bytes when the control reads the page whole', async () => {
    const m = await httpsEngine(target(frozen.port), ctx());
    const control = await httpsEngine(target(origin.port), ctx());
    expect(control.failure).toBeNull();
    const v = classifyTarget({ measurement: m, vantageOnline: true, controlQueries: null, control, diagnosis: [], fingerprints: { dns: [], http: [] } as never });
    expect({ status: v.status, pattern: v.pattern }).toEqual({ status: 'blocked', pattern: 'tls.freeze' });
  });
});
