// Properties of the HTTP response reader (undici's parser under the https engine) over untrusted bytes from a TLS server on loopback.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpsEngine } from '../../../src/engines/https.js';
import type { Measurement } from '../../../src/model/index.js';
import { isNamedFailure, mutation, mutate, type Mutation } from '../../support/arbitrary.js';
import { startDnsServer, type DnsServer } from '../../support/dns-server.js';
import { rawHttpServer } from '../../support/hostile-servers.js';
import { makeContext } from '../../support/probe-context.js';
import type { Listener } from '../../support/tcp-servers.js';
import { testPki } from '../../support/tls-servers.js';

/** A response: random bytes, or a plausible one (status, headers, framing, body) bent by a mutation. */
type ResponseSpec =
  | { kind: 'bytes'; bytes: Uint8Array; close: boolean }
  | { kind: 'bent'; status: number; headers: Array<[string, string]>; framing: 'length' | 'chunked' | 'none'; body: Uint8Array; m: Mutation; close: boolean };

const responseSpec: fc.Arbitrary<ResponseSpec> = fc.oneof(
  fc.record({ kind: fc.constant('bytes' as const), bytes: fc.uint8Array({ maxLength: 2000 }), close: fc.boolean() }),
  fc.record({
    kind: fc.constant('bent' as const),
    status: fc.integer({ min: 100, max: 999 }),
    headers: fc.array(fc.tuple(fc.constantFrom('location', 'content-type', 'set-cookie', 'x-a', 'content-encoding', 'transfer-encoding', 'content-length'), fc.string({ maxLength: 30 })), { maxLength: 8 }),
    framing: fc.constantFrom('length' as const, 'chunked' as const, 'none' as const),
    body: fc.uint8Array({ maxLength: 3000 }),
    m: mutation,
    close: fc.boolean(),
  }),
);

function responseBytes(s: ResponseSpec): Buffer {
  if (s.kind === 'bytes') return Buffer.from(s.bytes);
  const lines = [`HTTP/1.1 ${s.status} Whatever`, ...s.headers.map(([k, v]) => `${k}: ${v}`)];
  let body = Buffer.from(s.body);
  if (s.framing === 'length') lines.push(`content-length: ${body.length}`);
  if (s.framing === 'chunked') {
    lines.push('transfer-encoding: chunked');
    body = Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]);
  }
  return mutate(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body]), s.m);
}

const pki = testPki(['app.test']);
let dns: DnsServer;
let web: Listener;
let now: ResponseSpec = { kind: 'bytes', bytes: new Uint8Array(), close: true };

beforeAll(async () => {
  dns = await startDnsServer(() => ({ kind: 'answer', a: ['127.0.0.1'] }));
  web = await rawHttpServer((sock) => {
    const s = now;
    sock.write(responseBytes(s));
    if (s.close) sock.end();
  }, pki.leaf);
});
afterAll(async () => {
  await dns.close();
  await web.close();
});

/**
 * One probe of the hostile server. The server always completes the TLS handshake, so a deadline
 * that ran out outside the HTTP exchange is the machine's load, not the reader under test: that
 * probe is run again with ten times the time (a response that never ends still ends at 300 ms).
 */
async function probe(bodyBytes: number): Promise<Measurement> {
  for (const timeoutMs of [300, 3000, 30_000]) {
    const m = await httpsEngine({ id: 'w', kind: 'https', url: `https://127.0.0.1:${web.port}/` }, makeContext({ dns, extraCA: [pki.ca.cert], timeoutMs, bodyBytes }));
    if (m.failure !== 'generic_timeout_error' || m.operation === 'http_round_trip' || m.operation === 'read') return m;
  }
  throw new Error('the TLS handshake with the loopback server did not finish in 30 s');
}

describe('the https engine against arbitrary response bytes', () => {
  it('returns a measurement with a named failure in an HTTP operation (or a response), keeping bounded heads and bodies', async () => {
    const bodyBytes = 1024;
    await fc.assert(
      fc.asyncProperty(responseSpec, async (s) => {
        now = s;
        // Redirects stay on the same hostile server, so every hop is another arbitrary answer.
        const m = await probe(bodyBytes);
        expect(isNamedFailure(m.failure) || m.failure === 'unknown_failure: too_many_redirects').toBe(true);
        if (m.failure) expect(['http_round_trip', 'read']).toContain(m.operation);
        expect(m.requests.length).toBeGreaterThan(0);
        for (const r of m.requests) {
          if (!r.response) continue;
          expect(r.response.body_length).toBeLessThanOrEqual(bodyBytes);
          expect(JSON.stringify(r.response.headers).length).toBeLessThan(32 * 1024);
        }
      }),
      { numRuns: 60 },
    );
  });
});
