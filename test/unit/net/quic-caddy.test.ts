// The QUIC Initial exchange against a real QUIC stack: Debian's caddy serving HTTP/3 on loopback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectDatagramConnector } from '../../../src/net/datagram/index.js';
import { quicInitialExchange, RESERVED_VERSION, type QuicExchangeOptions } from '../../../src/net/quic/index.js';
import { CI, HAVE_CADDY, startCaddyH3, type Caddy } from '../../support/caddy.js';
import { testPki } from '../../support/tls-servers.js';

let caddy: Caddy;

beforeAll(async () => {
  if (!HAVE_CADDY && !CI) return;
  caddy = await startCaddyH3(['app.test'], testPki(['app.test']).leaf);
});
afterAll(async () => {
  await caddy?.close();
});

async function exchange(o: Partial<QuicExchangeOptions>) {
  const ch = await new DirectDatagramConnector().open('127.0.0.1', caddy.port, { signal: AbortSignal.timeout(2000) });
  try {
    return await quicInitialExchange(ch, { signal: AbortSignal.timeout(5000), sni: 'app.test', alpn: ['h3'], ...o });
  } finally {
    ch.close();
  }
}

describe.skipIf(!HAVE_CADDY && !CI)('QUIC Initial exchange with caddy (HTTP/3)', () => {
  it('an Initial with the served name and h3 gets a server Initial carrying a ServerHello', async () => {
    const hs = await exchange({});
    expect(hs).toMatchObject({
      address: `127.0.0.1:${caddy.port}`,
      server_name: 'app.test',
      alpn: ['h3'],
      sent: 1,
      response: 'initial',
      server_hello: true,
      failure: null,
    });
    expect(hs.received).toBeGreaterThanOrEqual(1);
    expect(hs.t).toBeGreaterThan(hs.t0);
    expect(hs.versions).toBeUndefined();
  });

  it('an unsupported version gets Version Negotiation listing QUIC v1 (0x00000001)', async () => {
    const hs = await exchange({ version: RESERVED_VERSION });
    expect(hs.response).toBe('version_negotiation');
    expect(hs.versions).toContain(0x00000001);
    expect(hs.versions).not.toContain(RESERVED_VERSION);
    expect(hs.failure).toBeNull();
    expect(hs.server_hello).toBe(false);
  });

  it('a name the server does not serve is still answered: an Initial that closes, without a ServerHello', async () => {
    const hs = await exchange({ sni: 'other.test' });
    expect(hs).toMatchObject({ response: 'initial', server_hello: false, failure: null });
  });

  it('a ClientHello without an SNI is answered too', async () => {
    const hs = await exchange({ sni: null });
    expect(hs).toMatchObject({ server_name: '', response: 'initial', failure: null });
  });
});
