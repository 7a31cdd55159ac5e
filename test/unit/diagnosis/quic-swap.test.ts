// The QUIC SNI swap: an Initial naming example.com to the same address, against caddy (HTTP/3) and a silent port.
import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDiagnosis } from '../../../src/diagnosis/run.js';
import { CI, HAVE_CADDY, startCaddyH3, type Caddy } from '../../support/caddy.js';
import { startDnsServer, type DnsServer } from '../../support/dns-server.js';
import { makeContext } from '../../support/probe-context.js';
import { testPki } from '../../support/tls-servers.js';

let dns: DnsServer;
let caddy: Caddy | undefined;
const silent = createSocket('udp4');
let silentPort = 0;

beforeAll(async () => {
  dns = await startDnsServer(() => ({ kind: 'rcode', rcode: 'NXDOMAIN' }));
  await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
  silentPort = (silent.address() as AddressInfo).port;
  if (HAVE_CADDY || CI) caddy = await startCaddyH3(['app.test'], testPki(['app.test']).leaf);
});
afterAll(async () => {
  await caddy?.close();
  await dns.close();
  silent.close();
});

const dc = (timeoutMs: number) => {
  const vantage = makeContext({ dns, timeoutMs });
  return { vantage, control: null, controlResolver: vantage.resolver, controlMeasurement: async () => null };
};

describe.skipIf(!HAVE_CADDY && !CI)('QUIC SNI swap (skipped without Debian caddy)', () => {
  it('succeeds when the server answers an Initial with the innocuous name (it closes: it serves no such site)', async () => {
    const [s] = await runDiagnosis([{ step: 'quic_sni_swap', ip: '127.0.0.1', port: caddy!.port, sni: 'example.com' }], dc(3000));
    expect(s).toMatchObject({ step: 'quic_sni_swap', input: `127.0.0.1:${caddy!.port} sni=example.com`, outcome: 'success', failure: null });
    expect(s.detail).toMatchObject({ ip: '127.0.0.1', sni: 'example.com', response: 'initial' });
  });
});

describe('QUIC SNI swap to a silent port', () => {
  it('fails with generic_timeout_error at its deadline', async () => {
    const [s] = await runDiagnosis([{ step: 'quic_sni_swap', ip: '127.0.0.1', port: silentPort, sni: 'example.com' }], dc(1200));
    expect(s).toMatchObject({ outcome: 'failure', failure: 'generic_timeout_error' });
    expect(s.detail).toMatchObject({ response: null, operation: 'quic_handshake' });
  });
});
