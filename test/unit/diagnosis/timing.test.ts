// Handshake timing against real loopback TLS servers: one that holds its handshake for one name, one slow for every name.
import { createSecureContext, createServer, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyTarget, planDiagnosis } from '../../../src/analysis/index.js';
import { runDiagnosis } from '../../../src/diagnosis/run.js';
import { tlsEngine } from '../../../src/engines/tls.js';
import type { TlsTarget } from '../../../src/model/index.js';
import { startDnsServer, type DnsServer } from '../../support/dns-server.js';
import { makeContext } from '../../support/probe-context.js';
import { serve } from '../../support/tcp-servers.js';
import { testPki, type Running } from '../../support/tls-servers.js';

const HOLD_MS = 1500;
const pki = testPki(['slow.test', 'example.com']);

/** A TLS server that holds the handshake (before its ServerHello) for `held` names, as a server-side or on-path delay would. */
function startHoldingServer(held: (name: string) => boolean): Promise<Running> {
  const context = createSecureContext({ cert: pki.leaf.cert, key: pki.leaf.key });
  const server = createServer({ SNICallback: (name, cb) => setTimeout(() => cb(null, context), held(name) ? HOLD_MS : 0) }, (s: TLSSocket) => s.on('error', () => {}));
  server.on('tlsClientError', () => {});
  return serve(server as never, '127.0.0.1');
}

let dns: DnsServer;
let byName: Running;
let everyone: Running;
beforeAll(async () => {
  dns = await startDnsServer(() => ({ kind: 'rcode', rcode: 'NXDOMAIN' }));
  byName = await startHoldingServer((n) => n === 'slow.test');
  everyone = await startHoldingServer(() => true);
});
afterAll(async () => {
  await byName?.close();
  await everyone?.close();
  await dns?.close();
});

async function judge(port: number) {
  const ctx = () => makeContext({ dns, timeoutMs: 9000, extraCA: [pki.ca.cert] });
  const target: TlsTarget = { id: 'api', kind: 'tls', host: '127.0.0.1', port, sni: 'slow.test' };
  const m = await tlsEngine(target, ctx());
  expect(m.failure).toBeNull();
  expect(m.timings.tls).toBeGreaterThanOrEqual(HOLD_MS / 1000);
  const requests = planDiagnosis(m, null);
  expect(requests.map((r) => r.step)).toEqual(['handshake_timing']);
  const vantage = ctx();
  const diagnosis = await runDiagnosis(requests, { vantage, control: null, controlResolver: vantage.resolver, controlMeasurement: async () => null });
  return classifyTarget({ measurement: m, vantageOnline: true, controlQueries: null, control: null, diagnosis, fingerprints: { dns: [], http: [] } });
}

describe('handshake timing on loopback', () => {
  it('reads a server that holds the handshake for the name only as throttled by handshake (anomaly: no control here)', async () => {
    const v = await judge(byName.port);
    expect([v.status, v.pattern, v.basis, v.diagnosis]).toEqual(['anomaly', 'throttled', 'handshake', 'handshake_timing']);
    const samples = (v.evidence.timing as { samples: { vantage: { named: number[]; innocuous: number[] } } }).samples.vantage;
    // The probe's own handshake and two follow-ups with the name; three with the innocuous name.
    expect(samples.named.length).toBe(3);
    expect(samples.innocuous.length).toBe(3);
    for (const s of samples.named) expect(s).toBeGreaterThanOrEqual(HOLD_MS / 1000);
  });

  it('never reads a server slow for every name as throttled: the innocuous name is as slow', async () => {
    const v = await judge(everyone.port);
    expect([v.status, v.pattern, v.basis]).toEqual(['ok', null, null]);
  });
});
