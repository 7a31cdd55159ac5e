// UDP through SOCKS5 (RFC 1928 §7 UDP ASSOCIATE): the header, the loopback test proxy, the lab's control proxy, coturn behind them, and proxies that refuse, close or babble.
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProxySpec } from '../../../src/model/index.js';
import { makeDatagramConnector, Socks5DatagramConnector } from '../../../src/net/datagram/index.js';
import { socksAddress } from '../../../src/net/socks5/address.js';
import { unwrapDatagram, wrapDatagram } from '../../../src/net/datagram/socks5-header.js';
import { deadline } from '../../../src/net/deadline.js';
import { toFailure } from '../../../src/net/errors.js';
import { stunBinding } from '../../../src/net/stun/index.js';
import type { DatagramChannel } from '../../../src/net/types.js';
import { startProxies, type Proxies } from '../../lab/services/proxies.js';
import { freePort } from '../../support/local-process.js';
import { startSocks5Proxy, type Proxy } from '../../support/proxies.js';
import { closedUdpPort, hasTurnserver, startCoturn, startScripted, successFor, type Coturn, type ScriptedServer } from '../../support/stun-servers.js';
import { acceptSilently, closedPort, listen, type Listener } from '../../support/tcp-servers.js';

const socks = (p: { host: string; port: number }, extra: Partial<ProxySpec> = {}): ProxySpec => ({ type: 'socks5', host: p.host, port: p.port, ...extra });

async function openFailure(c: Socks5DatagramConnector, ip: string, port: number, signal = AbortSignal.timeout(2000)): Promise<string> {
  try {
    (await c.open(ip, port, { signal })).close();
    return 'opened';
  } catch (err) {
    return toFailure(err, 'connect').failure;
  }
}

/** Every datagram the channel delivers, as text, until `ms` pass. */
function collect(ch: DatagramChannel, ms: number): Promise<{ msgs: string[]; from: string[]; error: Error | null }> {
  return new Promise((resolve) => {
    const out = { msgs: [] as string[], from: [] as string[], error: null as Error | null };
    ch.onMessage((m, f) => {
      out.msgs.push(m.toString());
      out.from.push(f);
    });
    ch.onError((e) => (out.error = e));
    setTimeout(() => resolve(out), ms);
  });
}

describe('UDP request header (RFC 1928 §7)', () => {
  it('is 10 bytes before an IPv4 destination’s payload and 22 before an IPv6 one’s', () => {
    const v4 = wrapDatagram(socksAddress('192.0.2.1', 3478), Buffer.from('x'));
    expect(v4.subarray(0, 10)).toEqual(Buffer.from([0, 0, 0, 1, 192, 0, 2, 1, 0x0d, 0x96]));
    expect(v4.length).toBe(11);
    const v6 = wrapDatagram(socksAddress('2001:db8::1', 3478), Buffer.from('x'));
    expect(v6.length).toBe(23);
    expect(v6[3]).toBe(4);
    expect(v6.subarray(4, 20).toString('hex')).toBe('20010db8000000000000000000000001');
    expect(v6.readUInt16BE(20)).toBe(3478);
  });

  it('unwraps a reply into fragment number, source and payload; a cut or unknown header is null', () => {
    const u = unwrapDatagram(wrapDatagram(socksAddress('::1', 9), Buffer.from('payload')));
    expect(u).toMatchObject({ frag: 0, source: { atyp: 4, port: 9 } });
    expect(u?.payload.toString()).toBe('payload');
    expect(unwrapDatagram(Buffer.from([0, 0, 0, 1, 127, 0, 0]))).toBeNull();
    expect(unwrapDatagram(Buffer.from([0, 0, 0, 9, 127, 0, 0, 1, 0, 1]))).toBeNull();
    expect(unwrapDatagram(Buffer.from([0, 0]))).toBeNull();
  });
});

describe('SOCKS5 UDP ASSOCIATE through the loopback test proxy', () => {
  let proxy: Proxy;
  let authed: Proxy;
  let zero: Proxy;
  let refusing: Proxy;
  let echo: ScriptedServer;
  beforeAll(async () => {
    proxy = await startSocks5Proxy();
    authed = await startSocks5Proxy({ username: 'u', password: 'p' });
    zero = await startSocks5Proxy(undefined, { relayAsZero: true });
    refusing = await startSocks5Proxy(undefined, { udp: false });
    echo = await startScripted((msg, from) => [Buffer.concat([Buffer.from(`${from.address}:${from.port}|`), msg])]);
  });
  afterAll(async () => {
    await Promise.all([proxy, authed, zero, refusing].map((p) => p.close()));
    echo.close();
  });

  it('relays a datagram and its answer, the target seeing the proxy’s relay socket as the sender', async () => {
    const ch = await makeDatagramConnector({ proxy: socks(proxy) }).open('127.0.0.1', echo.port, { signal: AbortSignal.timeout(2000) });
    const got = collect(ch, 300);
    ch.send(Buffer.from('hello'));
    const { msgs, from, error } = await got;
    ch.close();
    expect(error).toBeNull();
    expect(msgs).toEqual([`${proxy.udpRelays.at(-1)}|hello`]);
    expect(from).toEqual([`127.0.0.1:${echo.port}`]);
    expect(proxy.udpDestinations).toContain(`127.0.0.1:${echo.port}`);
    expect(proxy.asked).toContain('udp associate 0.0.0.0:0');
  });

  it('authenticates with username and password (RFC 1929) when the vantage has them', async () => {
    const c = new Socks5DatagramConnector(socks(authed, { username: 'u', password: 'p' }));
    const ch = await c.open('127.0.0.1', echo.port, { signal: AbortSignal.timeout(2000) });
    const got = collect(ch, 300);
    ch.send(Buffer.from('authed'));
    expect((await got).msgs).toEqual([`${authed.udpRelays.at(-1)}|authed`]);
    ch.close();
    expect(await openFailure(new Socks5DatagramConnector(socks(authed, { username: 'u', password: 'wrong' })), '127.0.0.1', echo.port)).toBe(
      'unknown_failure: proxy_refused (udp associate: AuthenticationFailed)',
    );
  });

  it('sends to the proxy’s own address when the relay is announced as 0.0.0.0', async () => {
    const ch = await new Socks5DatagramConnector(socks(zero)).open('127.0.0.1', echo.port, { signal: AbortSignal.timeout(2000) });
    const got = collect(ch, 300);
    ch.send(Buffer.from('zero'));
    expect((await got).msgs).toEqual([`${zero.udpRelays.at(-1)}|zero`]);
    ch.close();
  });

  it('maps a proxy that does not support UDP ASSOCIATE (reply 7) to proxy_refused, the vantage’s own failure', async () => {
    expect(await openFailure(new Socks5DatagramConnector(socks(refusing)), '127.0.0.1', echo.port)).toBe(
      'unknown_failure: proxy_refused (udp associate: CommandNotSupported)',
    );
  });

  it('maps a proxy that is not listening to proxy_refused, not to the target’s connection_refused', async () => {
    expect(await openFailure(new Socks5DatagramConnector(socks({ host: '127.0.0.1', port: await closedPort() })), '127.0.0.1', echo.port)).toBe(
      'unknown_failure: proxy_refused (udp associate: connection_refused)',
    );
  });

  it('drops replies from other sources, fragments and cut headers; delivers only the target’s', async () => {
    const forging = await startSocks5Proxy(undefined, {
      rewriteReply: (w) => {
        const frag = Buffer.from(w);
        frag[2] = 1;
        const otherPort = Buffer.from(w);
        otherPort.writeUInt16BE(otherPort.readUInt16BE(8) ^ 1, 8);
        return [frag, otherPort, w.subarray(0, 6), w];
      },
    });
    const ch = await new Socks5DatagramConnector(socks(forging)).open('127.0.0.1', echo.port, { signal: AbortSignal.timeout(2000) });
    const got = collect(ch, 400);
    ch.send(Buffer.from('one'));
    // A stranger aims at the relay: the proxy wraps its datagram with the stranger's address.
    await new Promise((r) => setTimeout(r, 100));
    const stranger = createSocket('udp4');
    const [ip, port] = forging.udpRelays[0].split(':');
    await new Promise<void>((r) => stranger.send('forged', Number(port), ip, () => r()));
    const { msgs } = await got;
    stranger.close();
    ch.close();
    await forging.close();
    expect(msgs).toEqual([`${forging.udpRelays[0]}|one`]);
  });

  it('dies with proxy_refused when the proxy closes the control connection', async () => {
    const silent = await startScripted(() => []);
    const p = await startSocks5Proxy();
    const d = deadline(3000);
    const ch = await new Socks5DatagramConnector(socks(p)).open('127.0.0.1', silent.port, { signal: d.signal });
    setTimeout(() => void p.close(), 200);
    const x = await stunBinding(ch, { signal: d.signal, origin: performance.now() });
    ch.close();
    d.dispose();
    silent.close();
    expect(x.failure).toBe('unknown_failure: proxy_refused (udp association closed)');
    expect(x.t).toBeLessThan(1);
  });
});

/** A scripted SOCKS5 server: answers the greeting, then hands the socket to `onRequest` after the 10-byte request. */
function fakeSocks(onRequest: (s: Socket) => void): Promise<Listener> {
  return listen((s) => {
    let seen = 0;
    const onData = (d: Buffer): void => {
      seen += d.length;
      if (seen === 3) s.write(Buffer.from([5, 0]));
      if (seen === 13) {
        s.off('data', onData);
        onRequest(s);
      }
    };
    s.on('data', onData);
  });
}

const relayReply = (port: number): Buffer => Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, port >> 8, port & 0xff]);

describe('SOCKS5 proxies that misbehave', () => {
  it('calls a proxy that never answers the greeting proxy_refused at the deadline; a shutdown stays interrupted', async () => {
    const mute = await acceptSilently('127.0.0.1');
    const c = new Socks5DatagramConnector(socks(mute));
    expect(await openFailure(c, '127.0.0.1', 9, AbortSignal.timeout(300))).toBe('unknown_failure: proxy_refused (udp associate: generic_timeout_error)');
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    expect(await openFailure(c, '127.0.0.1', 9, ac.signal)).toBe('interrupted');
    await mute.close();
  });

  it('reports an ICMP error from the relay as the proxy’s failure, not the target’s refusal', async () => {
    const dead = await closedUdpPort();
    const p = await fakeSocks((s) => s.write(relayReply(dead)));
    const d = deadline(3000);
    const ch = await new Socks5DatagramConnector(socks(p)).open('127.0.0.1', 9, { signal: d.signal });
    const x = await stunBinding(ch, { signal: d.signal, origin: performance.now() });
    ch.close();
    d.dispose();
    await p.close();
    expect(x.failure).toBe('unknown_failure: proxy_refused (udp relay: connection_refused)');
  });

  it('ends the association when the proxy keeps talking on the control connection past the cap', async () => {
    const relay = await startScripted(() => []);
    const p = await fakeSocks((s) => {
      s.write(relayReply(relay.port));
      setTimeout(() => s.write(Buffer.alloc(5000)), 100);
    });
    const d = deadline(3000);
    const ch = await new Socks5DatagramConnector(socks(p)).open('127.0.0.1', 9, { signal: d.signal });
    const x = await stunBinding(ch, { signal: d.signal, origin: performance.now() });
    ch.close();
    d.dispose();
    await p.close();
    relay.close();
    expect(x.failure).toBe('unknown_failure: proxy_refused (udp association closed)');
  });

  it('refuses a relay named by a domain name (it would need a resolver the association does not have)', async () => {
    const name = Buffer.from('relay.test');
    const p = await fakeSocks((s) => s.write(Buffer.concat([Buffer.from([5, 0, 0, 3, name.length]), name, Buffer.from([0x0d, 0x96])])));
    expect(await openFailure(new Socks5DatagramConnector(socks(p)), '127.0.0.1', 9)).toBe('unknown_failure: proxy_refused (udp associate: RelayNamedByDomain)');
    await p.close();
  });
});

describe.skipIf(!hasTurnserver())('coturn behind SOCKS5 proxies (skipped when turnserver, Debian package coturn, is not installed)', () => {
  let coturn: Coturn;
  let proxy: Proxy;
  let lab: Proxies;
  let labSocks: number;
  beforeAll(async () => {
    coturn = await startCoturn();
    proxy = await startSocks5Proxy();
    labSocks = await freePort();
    lab = await startProxies({ address: '127.0.0.1', socksPort: labSocks, connectPort: await freePort(), resolver: '127.0.0.1' });
  });
  afterAll(async () => {
    await coturn?.close();
    await proxy?.close();
    await lab?.close();
  });

  async function bind(p: { host: string; port: number }) {
    const d = deadline(3000);
    const ch = await new Socks5DatagramConnector(socks(p)).open('127.0.0.1', coturn.port, { signal: d.signal });
    try {
      return await stunBinding(ch, { signal: d.signal, origin: performance.now() });
    } finally {
      ch.close();
      d.dispose();
    }
  }

  it('gets a Binding success whose mapped address is the proxy’s relay socket', async () => {
    const x = await bind(proxy);
    expect(x).toMatchObject({ failure: null, address: `127.0.0.1:${coturn.port}` });
    expect(x.mapped_address).toBe(proxy.udpRelays.at(-1));
    expect(x.replies).toEqual([expect.objectContaining({ from: `127.0.0.1:${coturn.port}`, kind: 'binding_success' })]);
  });

  it('works through the lab’s control proxy, whose deny list ends the association for a denied destination', async () => {
    const ok = await bind({ host: '127.0.0.1', port: labSocks });
    expect(ok.failure).toBeNull();
    expect(ok.mapped_address).toMatch(/^127\.0\.0\.1:\d+$/);
    lab.setDenied(['127.0.0.1']);
    const denied = await bind({ host: '127.0.0.1', port: labSocks });
    lab.setDenied([]);
    expect(denied.failure).toBe('unknown_failure: proxy_refused (udp association closed)');
    expect(denied.mapped_address).toBeNull();
  });
});
