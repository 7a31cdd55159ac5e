// Connectors (direct, bound, SOCKS5, HTTP CONNECT) against real loopback proxies and listeners.
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectConnector, HttpConnectConnector, makeConnector, Socks5Connector } from '../../../src/net/connectors/index.js';
import { toFailure } from '../../../src/net/errors.js';
import { startConnectProxy, startSocks5Proxy, type Proxy } from '../../support/proxies.js';
import { closedPort, listen, type Listener } from '../../support/tcp-servers.js';

/** An echo listener that reports the peer's address first. */
let echo: Listener;
beforeAll(async () => {
  echo = await listen((s) => {
    s.write(`${s.remoteAddress}\n`);
    s.pipe(s);
  });
});
afterAll(() => echo.close());

function roundTrip(s: Socket, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      got += d;
      if (got.includes(text)) {
        s.destroy();
        resolve(got);
      }
    });
    s.on('error', reject);
    s.write(text);
  });
}

const sig = (): { signal: AbortSignal } => ({ signal: AbortSignal.timeout(2000) });

async function failureOf(p: Promise<Socket>): Promise<string> {
  try {
    (await p).destroy();
    return 'connected';
  } catch (err) {
    return toFailure(err, 'connect').failure;
  }
}

describe('direct connector', () => {
  it('connects and carries data', async () => {
    const s = await new DirectConnector().connect('127.0.0.1', echo.port, sig());
    expect(await roundTrip(s, 'ping')).toContain('ping');
  });

  it('binds the source address when given one', async () => {
    const s = await makeConnector({ localAddress: '127.0.0.2' }).connect('127.0.0.1', echo.port, sig());
    expect(await roundTrip(s, 'ping')).toMatch(/^127\.0\.0\.2\n/);
  });

  it('rejects a closed port with an error that maps to connection_refused', async () => {
    expect(await failureOf(new DirectConnector().connect('127.0.0.1', await closedPort(), sig()))).toBe('connection_refused');
  });
});

describe('SOCKS5 connector', () => {
  let proxy: Proxy;
  let authed: Proxy;
  beforeAll(async () => {
    proxy = await startSocks5Proxy();
    authed = await startSocks5Proxy({ username: 'u', password: 'p' });
  });
  afterAll(async () => {
    await proxy.close();
    await authed.close();
  });

  it('tunnels to the destination address through the proxy', async () => {
    const c = makeConnector({ proxy: { type: 'socks5', host: proxy.host, port: proxy.port } });
    const s = await c.connect('127.0.0.1', echo.port, sig());
    expect(await roundTrip(s, 'through socks')).toContain('through socks');
    expect(proxy.asked).toContain(`127.0.0.1:${echo.port}`);
  });

  it('authenticates with username and password', async () => {
    const c = new Socks5Connector({ type: 'socks5', host: authed.host, port: authed.port, username: 'u', password: 'p' });
    const s = await c.connect('127.0.0.1', echo.port, sig());
    expect(await roundTrip(s, 'authed')).toContain('authed');
  });

  it('maps the proxy reporting a refused destination to connection_refused', async () => {
    const c = new Socks5Connector({ type: 'socks5', host: proxy.host, port: proxy.port });
    expect(await failureOf(c.connect('127.0.0.1', await closedPort(), sig()))).toBe('connection_refused');
  });

  it('fails as a refusal of the proxy (like HTTP 407) when the credentials are wrong', async () => {
    const c = new Socks5Connector({ type: 'socks5', host: authed.host, port: authed.port, username: 'u', password: 'wrong' });
    expect(await failureOf(c.connect('127.0.0.1', echo.port, sig()))).toBe('unknown_failure: proxy_refused (auth_failed)');
  });

  it('fails as a refusal of the proxy when it requires credentials that are not configured', async () => {
    const c = new Socks5Connector({ type: 'socks5', host: authed.host, port: authed.port });
    expect(await failureOf(c.connect('127.0.0.1', echo.port, sig()))).toBe('unknown_failure: proxy_refused (auth_required)');
  });
});

describe('HTTP CONNECT connector', () => {
  let proxy: Proxy;
  let authed: Proxy;
  beforeAll(async () => {
    proxy = await startConnectProxy();
    authed = await startConnectProxy({ username: 'u', password: 'p' });
  });
  afterAll(async () => {
    await proxy.close();
    await authed.close();
  });

  it('tunnels to the destination after a 200', async () => {
    const c = makeConnector({ proxy: { type: 'http', host: proxy.host, port: proxy.port } });
    const s = await c.connect('127.0.0.1', echo.port, sig());
    expect(await roundTrip(s, 'through connect')).toContain('through connect');
    expect(proxy.asked).toContain(`127.0.0.1:${echo.port}`);
  });

  it('sends Proxy-Authorization when credentials are configured', async () => {
    const c = new HttpConnectConnector({ type: 'http', host: authed.host, port: authed.port, username: 'u', password: 'p' });
    const s = await c.connect('127.0.0.1', echo.port, sig());
    expect(await roundTrip(s, 'authed')).toContain('authed');
  });

  it('maps a 502 from the proxy to connection_refused', async () => {
    const c = new HttpConnectConnector({ type: 'http', host: proxy.host, port: proxy.port });
    expect(await failureOf(c.connect('127.0.0.1', await closedPort(), sig()))).toBe('connection_refused');
  });

  it('maps a 407 from the proxy to the proxy_refused failure naming the status', async () => {
    const c = new HttpConnectConnector({ type: 'http', host: authed.host, port: authed.port });
    expect(await failureOf(c.connect('127.0.0.1', echo.port, sig()))).toBe('unknown_failure: proxy_refused (407)');
  });

  it('gives up at the deadline when the proxy never answers', async () => {
    const mute = await listen(() => {});
    const c = new HttpConnectConnector({ type: 'http', host: mute.host, port: mute.port });
    const r = await failureOf(c.connect('127.0.0.1', echo.port, { signal: AbortSignal.timeout(150) }));
    await mute.close();
    expect(r).toBe('generic_timeout_error');
  });

  it('caps the proxy reply head: an endless head is a broken proxy, so the probe could not run', async () => {
    const chatty = await listen((s) => s.once('data', () => s.write(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(9000)}`)));
    const c = new HttpConnectConnector({ type: 'http', host: chatty.host, port: chatty.port });
    const r = await failureOf(c.connect('127.0.0.1', echo.port, sig()));
    await chatty.close();
    expect(r).toBe('unknown_failure: proxy_refused (bad_reply)');
  });
});

describe('a proxy that cannot be reached', () => {
  it('is the vantage\'s own path failing (proxy_refused, unreachable), never the target refusing: SOCKS5, CONNECT', async () => {
    const dead = await closedPort();
    const socks = new Socks5Connector({ type: 'socks5', host: '127.0.0.1', port: dead });
    const connect = new HttpConnectConnector({ type: 'http', host: '127.0.0.1', port: dead });
    expect(await failureOf(socks.connect('127.0.0.1', echo.port, sig()))).toBe('unknown_failure: proxy_refused (unreachable: connection_refused)');
    expect(await failureOf(connect.connect('127.0.0.1', echo.port, sig()))).toBe('unknown_failure: proxy_refused (unreachable: connection_refused)');
  });
});

