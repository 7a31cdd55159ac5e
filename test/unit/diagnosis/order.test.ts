// Follow-ups on one path: one at a time, in a random order, each from a fresh source port; other paths at once.
import { createSecureContext, createServer, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiagnosisRequest } from '../../../src/analysis/index.js';
import { runDiagnosis } from '../../../src/diagnosis/run.js';
import { startDnsServer, type DnsServer } from '../../support/dns-server.js';
import { makeContext } from '../../support/probe-context.js';
import { serve } from '../../support/tcp-servers.js';
import { testPki, type Running } from '../../support/tls-servers.js';

const pki = testPki(['app.test', 'example.com']);
let dns: DnsServer;
let server: Running;
/** Handshakes the server is in the middle of (held 100 ms at the ClientHello), and the most at once. */
let pending = 0;
let peak = 0;
beforeAll(async () => {
  dns = await startDnsServer(() => ({ kind: 'rcode', rcode: 'NXDOMAIN' }));
  const context = createSecureContext({ cert: pki.leaf.cert, key: pki.leaf.key });
  const srv = createServer(
    {
      SNICallback: (_name, cb) => {
        peak = Math.max(peak, ++pending);
        setTimeout(() => {
          pending--;
          cb(null, context);
        }, 100);
      },
    },
    (s: TLSSocket) => s.on('error', () => {}),
  );
  srv.on('tlsClientError', () => {});
  server = await serve(srv as never, '127.0.0.1');
});
afterAll(async () => {
  await server?.close();
  await dns?.close();
});

describe('follow-ups on one path', () => {
  it('run one at a time, in an order that varies, each on a new source port', async () => {
    const requests: DiagnosisRequest[] = [
      { step: 'sni_swap', ip: '127.0.0.1', port: server.port, sni: 'example.com' },
      { step: 'sni_repeat', ip: '127.0.0.1', port: server.port, sni: 'app.test' },
    ];
    const firsts = new Set<string>();
    for (let i = 0; i < 20; i++) {
      peak = 0;
      const vantage = makeContext({ dns, extraCA: [pki.ca.cert], timeoutMs: 5000 });
      const steps = await runDiagnosis(requests, { vantage, control: null, controlResolver: vantage.resolver, controlMeasurement: async () => null, budgetMs: 5000 });
      expect(steps.map((s) => `${s.step} ${s.outcome}`)).toEqual(['sni_swap success', 'sni_repeat success']);
      // The second ClientHello came only once the first handshake was over.
      expect(peak).toBe(1);
      expect(new Set(steps.map((s) => s.detail?.order))).toEqual(new Set([0, 1]));
      const ports = steps.map((s) => s.detail?.sourcePort);
      expect(new Set(ports).size).toBe(2);
      firsts.add(steps.find((s) => s.detail?.order === 0)!.step);
    }
    // Twenty runs in one fixed order would happen once in half a million.
    expect(firsts).toEqual(new Set(['sni_swap', 'sni_repeat']));
  });
});
