// Every shipped hello profile, with and without ECH, gets a ServerHello from real TLS servers: Debian's caddy (Go's crypto/tls) and node:tls; directly and through SOCKS5 and CONNECT proxies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadHelloProfiles } from '../../../src/config/hellos.js';
import { DirectConnector, HttpConnectConnector, Socks5Connector } from '../../../src/net/connectors/index.js';
import type { Connector } from '../../../src/net/types.js';
import { helloExchange, type HelloProfile } from '../../../src/net/tls-hello/index.js';
import { SHIPPED_HELLOS } from '../../../src/package-root.js';
import { CI, HAVE_CADDY, startCaddyTls, type Caddy } from '../../support/caddy.js';
import { startConnectProxy, startSocks5Proxy, type Proxy } from '../../support/proxies.js';
import { startTlsServer, testPki, type Running } from '../../support/tls-servers.js';

const pki = testPki(['app.test']);
const shipped = loadHelloProfiles(SHIPPED_HELLOS);
const profiles = [...shipped.profiles.values()];

let caddy: Caddy | null = null;
let node: Running;
let socks: Proxy;
let connect: Proxy;

beforeAll(async () => {
  if (HAVE_CADDY || CI) caddy = await startCaddyTls(['app.test'], pki.leaf);
  node = await startTlsServer(pki.leaf);
  socks = await startSocks5Proxy();
  connect = await startConnectProxy();
});
afterAll(async () => {
  await caddy?.close();
  for (const s of [node, socks, connect]) await s?.close();
});

async function exchange(profile: HelloProfile, port: number, ech?: 'grease' | 'none', connector: Connector = new DirectConnector()) {
  const signal = AbortSignal.timeout(10_000);
  const socket = await connector.connect('127.0.0.1', port, { signal });
  return helloExchange(socket, { profile, sni: 'app.test', ech, signal, ip: '127.0.0.1', port });
}

describe('the shipped profiles', () => {
  it('load without a problem: chromium, firefox, node and telegram-desktop', () => {
    expect(shipped.issues).toEqual([]);
    expect(profiles.map((p) => p.name).sort()).toEqual(['chromium', 'firefox', 'node', 'telegram-desktop']);
  });
});

for (const server of ['caddy', 'node:tls'] as const) {
  describe.skipIf(server === 'caddy' && !HAVE_CADDY && !CI)(`a ${server} server answers`, () => {
    const port = (): number => (server === 'caddy' ? caddy!.port : node.port);
    for (const profile of profiles) {
      for (const ech of [undefined, 'none', 'grease'] as const) {
        it(`${profile.name}${ech ? ` with ech: ${ech}` : ''} with a ServerHello`, async () => {
          const hs = await exchange(profile, port(), ech);
          expect(hs).toMatchObject({ failure: null, server_response: 'server_hello', tls_version: 'TLSv1.3', hello: profile.name, alert: null, validated: false });
          expect(hs.cipher_suite).toMatch(/^TLS_(AES|CHACHA20)/);
          // Neither server here knows X25519MLKEM768: they pick a classical group every profile also shares.
          expect(['x25519', 'secp256r1']).toContain(hs.group);
          expect(hs.ech).toBe(ech === 'grease' || (ech === undefined && profile.extensions.some((e) => e.type === 'encrypted_client_hello')));
        });
      }
    }

    it('a HelloRetryRequest to a hello whose only key share is X25519MLKEM768, naming the group it wants', async () => {
      const firefox = shipped.profiles.get('firefox')!;
      const pqOnly: HelloProfile = {
        ...firefox,
        extensions: firefox.extensions.map((e) => (e.type === 'key_share' ? { type: 'key_share', groups: [0x11ec] } : e)),
      };
      const hs = await exchange(pqOnly, port());
      expect(hs).toMatchObject({ failure: null, server_response: 'hello_retry_request', group: 'x25519', tls_version: 'TLSv1.3' });
    });
  });
}

describe('through the vantage connectors', () => {
  const chromium = (): HelloProfile => shipped.profiles.get('chromium')!;
  it('gets a ServerHello through a SOCKS5 proxy', async () => {
    const hs = await exchange(chromium(), node.port, undefined, new Socks5Connector({ type: 'socks5', host: socks.host, port: socks.port }));
    expect(hs).toMatchObject({ failure: null, server_response: 'server_hello' });
    expect(socks.asked).toContain(`127.0.0.1:${node.port}`);
  });

  it('gets a ServerHello through an HTTP CONNECT proxy', async () => {
    const hs = await exchange(chromium(), node.port, 'none', new HttpConnectConnector({ type: 'http', host: connect.host, port: connect.port }));
    expect(hs).toMatchObject({ failure: null, server_response: 'server_hello', ech: false });
    expect(connect.asked).toContain(`127.0.0.1:${node.port}`);
  });
});
