// SOCKS5 and HTTP CONNECT proxies at fault on loopback: garbage, refusals, silence, endless replies; and what a round makes of them.
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpConnectConnector, Socks5Connector } from '../../../src/net/connectors/index.js';
import { toFailure } from '../../../src/net/errors.js';
import { startDnsServer, type DnsServer } from '../../support/dns-server.js';
import { pump } from '../../support/hostile-servers.js';
import { roundOf, verdictLine } from '../../support/round.js';
import { listen, type Listener } from '../../support/tcp-servers.js';

let dns: DnsServer;
let echo: Listener;
const servers: Listener[] = [];
beforeAll(async () => {
  dns = await startDnsServer(() => ({ kind: 'answer', a: ['127.0.0.1'] }));
  echo = await listen((s) => s.pipe(s));
});
afterAll(async () => {
  for (const s of [dns, echo, ...servers]) await s.close();
});

async function proxy(onConn: (s: Socket) => void): Promise<Listener> {
  const l = await listen(onConn);
  servers.push(l);
  return l;
}

/** The failure of a connect, and its time from the start of the connect (and of its deadline). */
async function failureOf(connect: () => Promise<Socket>): Promise<{ failure: string; ms: number }> {
  const t0 = performance.now();
  try {
    (await connect()).destroy();
    return { failure: 'connected', ms: performance.now() - t0 };
  } catch (err) {
    return { failure: toFailure(err, 'connect').failure, ms: performance.now() - t0 };
  }
}

const socks = (l: Listener) => new Socks5Connector({ type: 'socks5', host: l.host, port: l.port });
const httpProxy = (l: Listener) => new HttpConnectConnector({ type: 'http', host: l.host, port: l.port });
const within = (ms: number) => ({ signal: AbortSignal.timeout(ms) });
/**
 * The deadline of a connect whose end is not the deadline's doing: long, so that a busy machine
 * never reaches it. A failure other than generic_timeout_error shows the bytes ended it, not the clock.
 */
const LONG = 30_000;
const BAD_REPLY = 'unknown_failure: proxy_refused (bad_reply)';

/** A SOCKS5 proxy that accepts the no-auth method (RFC 1928 §3) and then answers the CONNECT request with `reply`. */
const socksReplying = (reply: Buffer) =>
  proxy((s) =>
    s.once('data', () => {
      s.write(Buffer.from([5, 0]));
      s.once('data', () => s.write(reply));
    }),
  );

describe('SOCKS5 proxies at fault', () => {
  it('garbage for the method selection is a broken proxy (bad_reply), not a wait for the deadline', async () => {
    const l = await proxy((s) => s.once('data', () => s.write(randomBytes(64).fill(0x47, 0, 1))));
    const r = await failureOf(() => socks(l).connect('127.0.0.1', echo.port, within(LONG)));
    expect(r.failure).toBe(BAD_REPLY);
  });

  it('an HTTP answer to a SOCKS greeting is a broken proxy (bad_reply)', async () => {
    const l = await proxy((s) => s.once('data', () => s.end('HTTP/1.1 400 Bad Request\r\n\r\n')));
    expect((await failureOf(() => socks(l).connect('127.0.0.1', echo.port, within(LONG)))).failure).toBe(BAD_REPLY);
  });

  it('garbage for the CONNECT reply is a broken proxy (bad_reply), whether the version or the reply code is wrong', async () => {
    for (const reply of [Buffer.from('GARBAGE-GARBAGE'), Buffer.from([5, 0x42, 0, 1, 0, 0, 0, 0, 0, 0])]) {
      const l = await socksReplying(reply);
      expect((await failureOf(() => socks(l).connect('127.0.0.1', echo.port, within(LONG)))).failure).toBe(BAD_REPLY);
    }
  });

  it('an RFC 1928 refusal keeps its meaning: "connection refused" is connection_refused, "not allowed" the proxy refusing', async () => {
    const refused = await socksReplying(Buffer.from([5, 5, 0, 1, 0, 0, 0, 0, 0, 0]));
    expect((await failureOf(() => socks(refused).connect('127.0.0.1', echo.port, within(LONG)))).failure).toBe('connection_refused');
    const ruled = await socksReplying(Buffer.from([5, 2, 0, 1, 0, 0, 0, 0, 0, 0]));
    expect((await failureOf(() => socks(ruled).connect('127.0.0.1', echo.port, within(LONG)))).failure).toBe('unknown_failure: proxy_refused (NotAllowed)');
  });

  it('an endless stream of bytes is read no further than the reply it should have been', async () => {
    let sent: Promise<number> = Promise.resolve(0);
    const l = await proxy((s) => s.once('data', () => void (sent = pump(s, randomBytes(16_384)))));
    expect((await failureOf(() => socks(l).connect('127.0.0.1', echo.port, within(LONG)))).failure).toBe(BAD_REPLY);
    await sent;
  });

  it('a proxy that says nothing ends at the deadline as generic_timeout_error, before and after the method selection', async () => {
    const mute = await proxy(() => {});
    const r1 = await failureOf(() => socks(mute).connect('127.0.0.1', echo.port, within(400)));
    expect(r1.failure).toBe('generic_timeout_error');
    expect(r1.ms).toBeGreaterThanOrEqual(395);
    const half = await proxy((s) => s.once('data', () => s.write(Buffer.from([5, 0]))));
    const r2 = await failureOf(() => socks(half).connect('127.0.0.1', echo.port, within(400)));
    expect(r2.failure).toBe('generic_timeout_error');
    expect(r2.ms).toBeGreaterThanOrEqual(395);
  });

  it('a proxy that hangs up without a word is eof_error', async () => {
    const l = await proxy((s) => s.once('data', () => s.end()));
    expect((await failureOf(() => socks(l).connect('127.0.0.1', echo.port, within(LONG)))).failure).toBe('eof_error');
  });
});

describe('HTTP CONNECT proxies at fault', () => {
  it('a reply with no HTTP status line is a broken proxy (bad_reply)', async () => {
    const l = await proxy((s) => s.once('data', () => s.write(Buffer.concat([randomBytes(100), Buffer.from('\r\n\r\n')]))));
    expect((await failureOf(() => httpProxy(l).connect('127.0.0.1', echo.port, within(LONG)))).failure).toBe(BAD_REPLY);
  });

  it('an endless reply head is cut at the head cap (bad_reply), not at the deadline', async () => {
    const l = await proxy((s) =>
      s.once('data', () => {
        s.write('HTTP/1.1 200 OK\r\n');
        void pump(s, Buffer.from('x-filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n'));
      }),
    );
    const r = await failureOf(() => httpProxy(l).connect('127.0.0.1', echo.port, within(LONG)));
    expect(r.failure).toBe(BAD_REPLY);
  });

  it('a head longer than the cap is refused even when it arrives, end and all, in one write', async () => {
    const l = await proxy((s) => s.once('data', () => s.write(`HTTP/1.1 200 OK\r\nx-filler: ${'a'.repeat(12_000)}\r\n\r\n`)));
    expect((await failureOf(() => httpProxy(l).connect('127.0.0.1', echo.port, within(LONG)))).failure).toBe(BAD_REPLY);
  });

  it('a head trickled a byte a second ends at the deadline as generic_timeout_error', async () => {
    const l = await proxy((s) =>
      s.once('data', () => {
        const t = setInterval(() => (s.destroyed ? clearInterval(t) : s.write('H')), 1000);
        s.once('close', () => clearInterval(t));
      }),
    );
    // Each byte is progress, but the deadline is the connect's, not an idle timer's: it ends
    // (the trickle never does), at the deadline and not before.
    const r = await failureOf(() => httpProxy(l).connect('127.0.0.1', echo.port, within(1200)));
    expect(r.failure).toBe('generic_timeout_error');
    expect(r.ms).toBeGreaterThanOrEqual(1195);
  });
});

describe('a vantage whose proxy is at fault, in a round', () => {
  const targets = () => `  - { id: dc, kind: tcp, host: 127.0.0.1, port: ${echo.port} }`;

  it('a SOCKS5 proxy answering garbage: the probe could not run, so the target is unknown, never blocked', async () => {
    const l = await proxy((s) => s.once('data', () => s.write(Buffer.from('garbage!'))));
    const r = await roundOf({ targets: targets(), dnsPort: dns.port, vantage: `proxy: "socks5://127.0.0.1:${l.port}"` });
    expect(verdictLine(r)).toBe(`unknown/null/${BAD_REPLY}/connect`);
    expect(r.report.apps[0].status).toBe('unknown');
  });

  it('a CONNECT proxy answering 407: unknown, naming the status', async () => {
    const l = await proxy((s) => s.once('data', () => s.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n')));
    const r = await roundOf({ targets: targets(), dnsPort: dns.port, vantage: `proxy: "http://127.0.0.1:${l.port}"` });
    expect(verdictLine(r)).toBe('unknown/null/unknown_failure: proxy_refused (407)/connect');
  });

  it('a CONNECT proxy answering nothing: the connect times out at the deadline, which is not ok', async () => {
    const l = await proxy(() => {});
    const r = await roundOf({ targets: targets(), dnsPort: dns.port, vantage: `proxy: "http://127.0.0.1:${l.port}"`, timeout: '800ms' });
    expect(verdictLine(r)).toBe('anomaly/tcp.timeout/generic_timeout_error/connect');
  });
});
