// A residual block: after a hello naming the blocked name, every hello to the address is reset for a while.
import { createSecureContext, createServer, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handshakePattern } from '../../../src/analysis/tls.js';
import { runRound } from '../../../src/runner/round.js';
import { closeTransports, makeTransports } from '../../../src/runner/transports.js';
import { startDnsServer, type DnsServer } from '../../support/dns-server.js';
import { loopbackConfig } from '../../support/round.js';
import { serve } from '../../support/tcp-servers.js';
import { testPki, type Running } from '../../support/tls-servers.js';

const HOLD_MS = 1500;
const pki = testPki(['blocked.test', 'example.com']);
let dns: DnsServer;
let server: Running;
let heldUntil = 0;
beforeAll(async () => {
  dns = await startDnsServer(() => ({ kind: 'rcode', rcode: 'NXDOMAIN' }));
  const context = createSecureContext({ cert: pki.leaf.cert, key: pki.leaf.key });
  const srv = createServer(
    {
      // Reset a hello naming blocked.test, and every hello for HOLD_MS after one.
      SNICallback: (name, cb) => {
        if (name === 'blocked.test') heldUntil = Date.now() + HOLD_MS;
        if (Date.now() < heldUntil) cb(new Error('residual'));
        else cb(null, context);
      },
    },
    (s: TLSSocket) => s.on('error', () => {}),
  );
  srv.on('tlsClientError', (_e, s) => s.resetAndDestroy());
  server = await serve(srv as never, '127.0.0.1');
});
afterAll(async () => {
  await server?.close();
  await dns?.close();
});

async function verdict(residualWait: string) {
  const config = loopbackConfig({
    dnsPort: dns.port,
    ca: pki.ca.cert,
    targets: `  - { id: api, kind: tls, host: 127.0.0.1, port: ${server.port}, sni: blocked.test }`,
    extra: `canaries: []\ncanariesReason: "a loopback test: no uplink to check"\nlimits: { residualWait: ${residualWait} }\n`,
  });
  const transports = makeTransports(config);
  try {
    return (await runRound(config, transports)).report.apps[0].targets[0];
  } finally {
    await closeTransports(transports);
  }
}

describe('a residual block on the address', () => {
  it('is never named sni_filter or mistaken for an address block: the diagnosis says inconclusive', async () => {
    heldUntil = 0;
    const t = await verdict('0s');
    // The pattern is what the handshake showed (a reset or a close: which one reaches the client first is the kernel's race).
    expect([t.pattern, t.diagnosis]).toEqual([handshakePattern(t.failure), 'inconclusive']);
    expect(['tls.reset', 'tls.eof']).toContain(t.pattern);
  });

  it('with limits.residualWait past the hold, asks the innocuous name again and finds the name is the key', async () => {
    heldUntil = 0;
    const t = await verdict('2s');
    expect([t.pattern, t.diagnosis]).toEqual(['tls.sni_filter', 'sni_swap']);
    const swap = (t.evidence.diagnosis as Array<{ step: string; detail?: Record<string, unknown> }>).find((s) => s.step === 'sni_swap');
    expect(swap?.detail?.afterResidualWaitMs).toBe(2000);
    // The innocuous name is asked first: the other clients' hellos name blocked.test and would start a new hold.
    expect(swap?.detail?.order).toBe(0);
    const again = (t.evidence.diagnosis as Array<{ step: string; detail?: Record<string, unknown> }>).filter((s) => s.detail?.afterResidualWaitMs !== undefined);
    expect(again.map((s) => s.step)).toContain('hello_swap');
  });
});

describe('a round that is ending', () => {
  it('reports the targets it began, each with a trial, and starts no other once its signal is aborted', async () => {
    const config = loopbackConfig({
      dnsPort: dns.port,
      ca: pki.ca.cert,
      targets: [0, 1, 2].map((i) => `  - { id: t${i}, kind: tls, host: 127.0.0.1, port: ${server.port}, sni: example.com }`).join('\n'),
      extra: `canaries: []\ncanariesReason: "a loopback test: no uplink to check"\n`,
    });
    const transports = makeTransports(config);
    const ending = new AbortController();
    try {
      // The targets start spread over 30 s; the round is told to end while the later ones wait.
      const round = runRound(config, transports, { signal: ending.signal, spreadMs: 30_000 });
      setTimeout(() => ending.abort(), 200);
      const r = await round;
      const targets = r.report.apps.flatMap((a) => a.targets);
      expect(targets.length).toBeLessThan(3);
      for (const t of targets) expect(t.trials.run).toBeGreaterThanOrEqual(1);
    } finally {
      await closeTransports(transports);
    }
  });
});
