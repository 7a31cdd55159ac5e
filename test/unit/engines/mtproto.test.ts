// The mtproto engine against a real MTProto peer on loopback: each transport, direct and through SOCKS5
// (and HTTP CONNECT), and the peer as a censor or an outage: silent, reset, close, garbage, a wrong nonce,
// transport error -404, an HTTP answer injected in its place.
import { connect as tcpConnect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mtprotoEngine } from '../../../src/engines/mtproto.js';
import { probe } from '../../../src/engines/registry.js';
import type { Measurement, MtprotoTarget, MtprotoTransport } from '../../../src/model/index.js';
import { HttpConnectConnector, Socks5Connector } from '../../../src/net/connectors/index.js';
import { mtprotoExchange } from '../../../src/net/mtproto/index.js';
import { startDnsServer, type DnsServer } from '../../support/dns-server.js';
import { startMtprotoServer, type MtprotoPeerMode, type MtprotoServer } from '../../support/mtproto-server.js';
import { makeContext } from '../../support/probe-context.js';
import { startConnectProxy, startSocks5Proxy, type Proxy } from '../../support/proxies.js';
import { closedPort, listen, type Listener } from '../../support/tcp-servers.js';

const TRANSPORTS: MtprotoTransport[] = ['intermediate', 'abridged', 'obfuscated2'];
/** The deadline of a probe that waits for silence: short, since what is tested is that it ends there. */
const SILENCE_MS = 1500;

let dns: DnsServer;
let peer: MtprotoServer;
let socks: Proxy;
let connectProxy: Proxy;
let http: Listener;

beforeAll(async () => {
  dns = await startDnsServer((name) => {
    if (name === 'dc2.test') return { kind: 'answer', a: ['127.0.0.1'] };
    // The first address has nothing listening on the peer's port: refused, then the second answers.
    if (name === 'two.test') return { kind: 'answer', a: ['127.0.0.2', '127.0.0.1'] };
    return { kind: 'rcode', rcode: 'NXDOMAIN' };
  });
  peer = await startMtprotoServer();
  socks = await startSocks5Proxy();
  connectProxy = await startConnectProxy();
  // What a censor injecting an HTTP page sends instead of MTProto, then FIN.
  http = await listen((s) => s.once('data', () => s.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n')));
});
afterAll(async () => {
  for (const s of [dns, peer, socks, connectProxy, http]) await s.close();
});

const target = (transport: MtprotoTransport, extra: Partial<MtprotoTarget> = {}): MtprotoTarget => ({ id: 'dc2', kind: 'mtproto', host: '127.0.0.1', port: peer.port, transport, ...extra });

/** Runs the engine with the peer in `mode` for this probe only. */
async function withMode(mode: MtprotoPeerMode, t: MtprotoTarget, timeoutMs = 5000): Promise<Measurement> {
  peer.setMode(mode);
  try {
    return await mtprotoEngine(t, makeContext({ dns, timeoutMs }));
  } finally {
    peer.setMode('answer');
  }
}

/** The peer's record of the last connection. */
const lastSeen = () => peer.connections[peer.connections.length - 1];

describe.each(TRANSPORTS)('mtproto engine, %s, answered', (transport) => {
  it('resolves, connects and gets a resPQ with our nonce: ok, with the exchange and dns/connect/ttfb timings', async () => {
    const m = await mtprotoEngine(target(transport, { host: 'dc2.test' }), makeContext({ dns }));
    expect(m.failure).toBeNull();
    expect(m.operation).toBeNull();
    expect(m.queries.map((q) => q.query_type)).toEqual(['A', 'AAAA']);
    expect(m.tcp_connect.map((c) => [c.ip, c.port, c.status.success])).toEqual([['127.0.0.1', peer.port, true]]);
    expect(m.app_exchanges).toHaveLength(1);
    const x = m.app_exchanges![0];
    expect(x).toMatchObject({ protocol: 'mtproto', address: `127.0.0.1:${peer.port}`, transport, response: 'res_pq', failure: null });
    expect(x.detail?.fingerprints).toEqual(['a5b7f709355fc30b', '216be86c022bb4c3', '85fd64de851d9dd0']);
    // pq is the product of two 31-bit primes: a number of 61 or 62 bits.
    expect(BigInt(x.detail?.pq as string)).toBeGreaterThan(2n ** 59n);
    // The transport's first bytes and a 40-byte message: 0xef + 1 + 40, 4 + 4 + 40, or the 64-byte header + 1 + 40.
    expect(x.sent).toBe({ intermediate: 48, abridged: 42, obfuscated2: 105 }[transport]);
    expect(x.received).toBeGreaterThan(80);
    expect(x.t).toBeGreaterThan(x.t0);
    // The peer read our nonce in the transport we chose.
    expect(lastSeen()).toMatchObject({ transport, framing: transport === 'obfuscated2' ? 'abridged' : transport });
    expect(lastSeen().nonce).toMatch(/^[0-9a-f]{32}$/);
    expect(m.timings.dns).toBeGreaterThan(0);
    expect(m.timings.connect).toBeGreaterThan(0);
    expect(m.timings.ttfb).toBeCloseTo(x.t - x.t0, 5);
    expect(m.timings.ttfb).toBeLessThan(m.timings.total);
    expect(m.timings.tls).toBeUndefined();
  });

  it('through a SOCKS5 vantage: the proxy is asked for the data centre, the answer comes back through it', async () => {
    const connector = new Socks5Connector({ type: 'socks5', host: socks.host, port: socks.port });
    const m = await mtprotoEngine(target(transport), makeContext({ dns, connector }));
    expect(m.failure).toBeNull();
    expect(m.app_exchanges![0]).toMatchObject({ response: 'res_pq', address: `127.0.0.1:${peer.port}` });
    expect(socks.asked).toContain(`127.0.0.1:${peer.port}`);
  });
});

describe('mtproto engine, where it goes and what it writes', () => {
  it('is the engine the registry runs for kind mtproto', async () => {
    const m = await probe(target('intermediate'), makeContext({ dns }));
    expect(m.app_exchanges?.[0].response).toBe('res_pq');
  });

  it('defaults to the intermediate transport and writes the DC id (default 2, or the one named) into an obfuscated2 header', async () => {
    const { transport: _, ...bare } = target('intermediate');
    await mtprotoEngine(bare, makeContext({ dns }));
    expect(lastSeen().transport).toBe('intermediate');
    await mtprotoEngine(target('obfuscated2'), makeContext({ dns }));
    expect(lastSeen().dc).toBe(2);
    for (const dc of [-4, 10004]) {
      const m = await mtprotoEngine(target('obfuscated2', { dc }), makeContext({ dns }));
      expect(m.failure).toBeNull();
      expect(lastSeen().dc).toBe(dc);
    }
  });

  it('through an HTTP CONNECT vantage too', async () => {
    const connector = new HttpConnectConnector({ type: 'http', host: connectProxy.host, port: connectProxy.port });
    const m = await mtprotoEngine(target('obfuscated2'), makeContext({ dns, connector }));
    expect(m.app_exchanges![0].response).toBe('res_pq');
    expect(connectProxy.asked).toContain(`127.0.0.1:${peer.port}`);
  });

  it('tries the next address when the first refuses, recording both connects and the one exchange', async () => {
    const m = await mtprotoEngine(target('intermediate', { host: 'two.test' }), makeContext({ dns }));
    expect(m.failure).toBeNull();
    expect(m.tcp_connect.map((c) => [c.ip, c.status.failure])).toEqual([
      ['127.0.0.2', 'connection_refused'],
      ['127.0.0.1', null],
    ]);
    expect(m.app_exchanges!.map((x) => [x.address, x.response])).toEqual([[`127.0.0.1:${peer.port}`, 'res_pq']]);
  });

  it('a refused connect fails at connect, with no exchange', async () => {
    const m = await mtprotoEngine({ id: 'dc2', kind: 'mtproto', host: '127.0.0.1', port: await closedPort(), transport: 'intermediate' }, makeContext({ dns }));
    expect([m.failure, m.operation]).toEqual(['connection_refused', 'connect']);
    expect(m.app_exchanges).toEqual([]);
  });

  it('a name that does not resolve fails at resolve', async () => {
    const m = await mtprotoEngine(target('intermediate', { host: 'gone.test' }), makeContext({ dns }));
    expect([m.failure, m.operation]).toEqual(['dns_nxdomain_error', 'resolve']);
    expect(m.tcp_connect).toEqual([]);
  });
});

describe.each(TRANSPORTS)('mtproto engine, %s, a censor or an outage in the peer', (transport) => {
  it('silence after the first bytes: generic_timeout_error at the deadline, no answer', async () => {
    const m = await withMode('silent', target(transport), SILENCE_MS);
    expect([m.failure, m.operation]).toEqual(['generic_timeout_error', 'mtproto_handshake']);
    expect(m.tcp_connect[0].status.success).toBe(true);
    expect(m.app_exchanges![0]).toMatchObject({ response: null, received: 0, failure: 'generic_timeout_error' });
    expect(m.app_exchanges![0].sent).toBeGreaterThan(0);
    expect(m.timings.total).toBeGreaterThanOrEqual(SILENCE_MS / 1000);
  });

  it('a reset after the first bytes: connection_reset', async () => {
    const m = await withMode('reset', target(transport));
    expect([m.failure, m.operation]).toEqual(['connection_reset', 'mtproto_handshake']);
    expect(m.app_exchanges![0]).toMatchObject({ response: null, received: 0, failure: 'connection_reset' });
  });

  it('a close after the first bytes: eof_error', async () => {
    const m = await withMode('close', target(transport));
    expect([m.failure, m.operation]).toEqual(['eof_error', 'mtproto_handshake']);
    expect(m.app_exchanges![0]).toMatchObject({ response: null, received: 0, failure: 'eof_error' });
  });

  it('garbage in the framing: a malformed answer, named, with the bytes that came', async () => {
    const m = await withMode('garbage', target(transport));
    expect([m.failure, m.operation]).toEqual(['unknown_failure: mtproto_malformed (auth_key_id)', 'mtproto_handshake']);
    const x = m.app_exchanges![0];
    expect(x.response).toBe('other');
    expect(x.detail).toMatchObject({ reason: 'malformed', malformed: 'auth_key_id' });
    expect(x.detail?.head).toMatch(/^[0-9a-f]{2,64}$/);
  });

  it('a resPQ for another nonce: mtproto_wrong_nonce, with the nonce it carried', async () => {
    const m = await withMode('wrong_nonce', target(transport));
    expect([m.failure, m.operation]).toEqual(['unknown_failure: mtproto_wrong_nonce', 'mtproto_handshake']);
    const x = m.app_exchanges![0];
    expect(x.response).toBe('other');
    expect(x.detail?.reason).toBe('wrong_nonce');
    expect(x.detail?.nonce).not.toBe(lastSeen().nonce);
  });

  it('transport error -404: recorded as the code', async () => {
    const m = await withMode('transport_error', target(transport));
    expect([m.failure, m.operation]).toEqual(['unknown_failure: mtproto_transport_error -404', 'mtproto_handshake']);
    expect(m.app_exchanges![0]).toMatchObject({ response: 'other', detail: { reason: 'transport_error', transport_error: -404 } });
  });
});

describe('mtproto engine, an HTTP answer injected in place of MTProto', () => {
  it('intermediate reads its first four bytes as a length past the cap: malformed at once', async () => {
    const m = await mtprotoEngine({ id: 'dc2', kind: 'mtproto', host: '127.0.0.1', port: http.port, transport: 'intermediate' }, makeContext({ dns }));
    expect([m.failure, m.operation]).toEqual(['unknown_failure: mtproto_malformed (frame_length)', 'mtproto_handshake']);
    expect(Buffer.from(m.app_exchanges![0].detail?.head as string, 'hex').toString()).toMatch(/^HTTP\/1\.1 403/);
  });

  it('abridged waits for the packet "H" announces and sees the close: eof_error, with what came kept', async () => {
    const m = await mtprotoEngine({ id: 'dc2', kind: 'mtproto', host: '127.0.0.1', port: http.port, transport: 'abridged' }, makeContext({ dns }));
    expect([m.failure, m.operation]).toEqual(['eof_error', 'mtproto_handshake']);
    expect(m.app_exchanges![0]).toMatchObject({ response: 'other', detail: { reason: 'truncated' } });
    expect(m.app_exchanges![0].received).toBe(45);
  });
});

describe('the exchange on a socket of its own (as a diagnosis runs it)', () => {
  function open(port: number): Promise<Socket> {
    return new Promise((res, rej) => {
      const s = tcpConnect(port, '127.0.0.1', () => res(s));
      s.once('error', rej);
    });
  }

  it('speaks obfuscated2 on a socket it is handed and leaves the socket to its owner', async () => {
    const s = await open(peer.port);
    try {
      const x = await mtprotoExchange(s, { address: `127.0.0.1:${peer.port}`, transport: 'obfuscated2', signal: AbortSignal.timeout(5000) });
      expect(x).toMatchObject({ transport: 'obfuscated2', response: 'res_pq', failure: null });
      expect(s.destroyed).toBe(false);
    } finally {
      s.destroy();
    }
  });

  it('records a socket already gone as a failure instead of throwing', async () => {
    const s = await open(peer.port);
    s.destroy();
    const x = await mtprotoExchange(s, { address: `127.0.0.1:${peer.port}`, transport: 'intermediate', signal: AbortSignal.timeout(5000) });
    expect(x).toMatchObject({ response: null, sent: 0, failure: 'eof_error' });
  });
});
