// The hello and ECH swaps against a loopback censor that reads each ClientHello (its JA4, its ECH) in front of a real TLS server.
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyTarget, planDiagnosis } from '../../../src/analysis/index.js';
import { shippedHelloProfiles } from '../../../src/config/hellos.js';
import { runDiagnosis } from '../../../src/diagnosis/run.js';
import { tlsEngine } from '../../../src/engines/tls.js';
import type { TlsTarget } from '../../../src/model/index.js';
import { ClientHelloError, ja4, parseClientHello } from '../../../src/net/tls-hello/index.js';
import { startDnsServer, type DnsServer } from '../../support/dns-server.js';
import { makeContext } from '../../support/probe-context.js';
import { startTlsServer, testPki, type Running } from '../../support/tls-servers.js';

const pki = testPki(['web.test', 'cloudflare-ech.com', 'example.com']);
const HELLOS = [...shippedHelloProfiles().profiles.keys()].sort();
const TELEGRAM_JA4 = shippedHelloProfiles().profiles.get('telegram-desktop')!.ja4;

/** A censor box: reads the first ClientHello of each flow, resets listed JA4s, drops ECH hellos naming cloudflare-ech.com, relays the rest. */
function startCensor(upstream: number): Promise<{ port: number; server: Server; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    sockets.add(client);
    client.on('error', () => {});
    let buf = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const hello = parseClientHello(buf);
      if (hello instanceof ClientHelloError && hello.code === 'truncated') return;
      client.off('data', onData);
      if (!(hello instanceof ClientHelloError)) {
        if (ja4(hello) === TELEGRAM_JA4) return void client.resetAndDestroy();
        if (hello.ech && hello.serverName === 'cloudflare-ech.com') return; // dropped: nothing more is ever said
      }
      const up = connect(upstream, '127.0.0.1');
      sockets.add(up);
      up.on('error', () => client.destroy());
      up.write(buf);
      client.pipe(up).pipe(client);
    };
    client.on('data', onData);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as AddressInfo).port, server, sockets })));
}

let dns: DnsServer;
let origin: Running;
let censor: Awaited<ReturnType<typeof startCensor>>;
beforeAll(async () => {
  dns = await startDnsServer(() => ({ kind: 'rcode', rcode: 'NXDOMAIN' }));
  origin = await startTlsServer(pki.leaf);
  censor = await startCensor(origin.port);
});
afterAll(async () => {
  for (const s of censor?.sockets ?? []) s.destroy();
  await new Promise((r) => censor?.server.close(r));
  await origin?.close();
  await dns?.close();
});

async function judge(target: TlsTarget, timeoutMs: number) {
  const ctx = () => makeContext({ dns, timeoutMs, extraCA: [pki.ca.cert] });
  const m = await tlsEngine(target, ctx());
  const requests = planDiagnosis(m, null, { hellos: HELLOS });
  const vantage = ctx();
  const diagnosis = await runDiagnosis(requests, { vantage, control: null, controlResolver: vantage.resolver, controlMeasurement: async () => null, budgetMs: timeoutMs });
  return { m, requests, v: classifyTarget({ measurement: m, vantageOnline: true, controlQueries: null, control: null, diagnosis, fingerprints: { dns: [], http: [] } }) };
}

describe('a censor that judges the client', () => {
  it('resets Telegram Desktop\'s hello and passes the others: tls.fingerprint by the hello swap, naming who passed and who failed', async () => {
    const { m, requests, v } = await judge({ id: 'web', kind: 'tls', host: '127.0.0.1', port: censor.port, sni: 'web.test', hello: 'telegram-desktop' }, 4000);
    expect([m.failure, m.operation]).toEqual(['connection_reset', 'tls_handshake']);
    expect(requests.filter((r) => r.step === 'hello_swap').map((r) => (r as { hello: string }).hello).sort()).toEqual(HELLOS.filter((h) => h !== 'telegram-desktop'));
    expect([v.status, v.pattern, v.diagnosis]).toEqual(['blocked', 'tls.fingerprint', 'hello_swap']);
    const swap = v.evidence.tls as { helloSwap: { passed: string[]; failed: string[] } };
    expect(swap.helloSwap.passed.sort()).toEqual(HELLOS.filter((h) => h !== 'telegram-desktop'));
    expect(swap.helloSwap.failed).toEqual(['telegram-desktop']);
  });

  it('drops a hello with ECH and the outer name cloudflare-ech.com, passes the same hello without it: tls.ech_blocked by the ECH swap', async () => {
    const { m, v } = await judge({ id: 'ech', kind: 'tls', host: '127.0.0.1', port: censor.port, sni: 'cloudflare-ech.com', hello: 'chromium', ech: 'grease' }, 4000);
    expect([m.failure, m.tls_handshakes[0].ech]).toEqual(['generic_timeout_error', true]);
    expect([v.status, v.pattern, v.diagnosis]).toEqual(['blocked', 'tls.ech_blocked', 'ech_swap']);
  });

  it('passes every client straight to the server: no swap is asked', async () => {
    const { m, requests, v } = await judge({ id: 'web', kind: 'tls', host: '127.0.0.1', port: censor.port, sni: 'web.test', hello: 'firefox', ech: 'none' }, 4000);
    expect([m.failure, m.tls_handshakes[0].server_response]).toEqual([null, 'server_hello']);
    expect(requests).toEqual([]);
    expect(v.status).toBe('ok');
  });
});
