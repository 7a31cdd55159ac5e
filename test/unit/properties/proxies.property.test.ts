// Properties of the proxy reply readers over untrusted bytes: SOCKS5 (through the socks package) and the HTTP CONNECT head reader, against fake proxies on loopback.
import type { Socket } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tcpEngine } from '../../../src/engines/tcp.js';
import { CONNECT_HEAD_CAP } from '../../../src/net/connectors/http-connect.js';
import { HttpConnectConnector, Socks5Connector } from '../../../src/net/connectors/index.js';
import { toFailure } from '../../../src/net/errors.js';
import { isNamedFailure, mutation, mutate, type Mutation } from '../../support/arbitrary.js';
import { startDnsServer, type DnsServer } from '../../support/dns-server.js';
import { makeContext } from '../../support/probe-context.js';
import { listen, type Listener } from '../../support/tcp-servers.js';

/** What a fake SOCKS5 proxy does: answer the greeting with bytes, or accept no-auth and answer the CONNECT with (bent) bytes. */
type SocksScript =
  | { stage: 'greeting'; bytes: Uint8Array; close: boolean }
  | { stage: 'final'; rep: number; atyp: number; m: Mutation; close: boolean };

const socksScript: fc.Arbitrary<SocksScript> = fc.oneof(
  fc.record({ stage: fc.constant('greeting' as const), bytes: fc.uint8Array({ maxLength: 64 }), close: fc.boolean() }),
  fc.record({
    stage: fc.constant('final' as const),
    rep: fc.integer({ min: 0, max: 12 }),
    atyp: fc.constantFrom(1, 3, 4, 0, 2, 255),
    m: mutation,
    close: fc.boolean(),
  }),
);

/** An RFC 1928 §6 reply with the given reply code and address type, before it is bent. */
function socksReply(rep: number, atyp: number): Buffer {
  const addr = atyp === 1 ? Buffer.alloc(4) : atyp === 4 ? Buffer.alloc(16) : atyp === 3 ? Buffer.from([9, ...Buffer.from('proxy.lan')]) : Buffer.alloc(0);
  return Buffer.concat([Buffer.from([5, rep, 0, atyp]), addr, Buffer.from([0x01, 0xbb])]);
}

/** A CONNECT reply head: random bytes, or a status line with a status, some header lines, maybe the end of the head, maybe tunnel bytes after it. */
const connectHead = fc.oneof(
  fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)),
  fc
    .record({
      version: fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2', 'http/1.1', 'HTTP/1.1x'),
      status: fc.oneof(fc.integer({ min: 100, max: 599 }).map(String), fc.string({ maxLength: 4 })),
      headers: fc.array(fc.string({ maxLength: 40 }), { maxLength: 6 }),
      ends: fc.boolean(),
      after: fc.uint8Array({ maxLength: 32 }),
      filler: fc.integer({ min: 0, max: 3 * CONNECT_HEAD_CAP }),
    })
    .map((h) =>
      Buffer.concat([
        Buffer.from(`${h.version} ${h.status} Reason\r\n${h.headers.map((x) => `${x}\r\n`).join('')}`, 'latin1'),
        Buffer.from(h.filler > CONNECT_HEAD_CAP ? `x-filler: ${'a'.repeat(h.filler)}\r\n` : ''),
        Buffer.from(h.ends ? '\r\n' : ''),
        Buffer.from(h.after),
      ]),
    ),
);

let dns: DnsServer;
let socks: Listener;
let connect: Listener;
let echo: Listener;
let socksNow: SocksScript = { stage: 'greeting', bytes: new Uint8Array(), close: true };
let connectNow: { head: Buffer; close: boolean } = { head: Buffer.alloc(0), close: true };

beforeAll(async () => {
  dns = await startDnsServer(() => ({ kind: 'answer', a: ['127.0.0.1'] }));
  echo = await listen((s) => s.pipe(s));
  socks = await listen((s: Socket) => {
    const script = socksNow;
    s.once('data', () => {
      if (script.stage === 'greeting') {
        s.write(script.bytes);
        if (script.close) s.end();
        return;
      }
      s.write(Buffer.from([5, 0]));
      s.once('data', () => {
        s.write(mutate(socksReply(script.rep, script.atyp), script.m));
        if (script.close) s.end();
      });
    });
  });
  connect = await listen((s: Socket) => {
    const script = connectNow;
    s.once('data', () => {
      s.write(script.head);
      if (script.close) s.end();
    });
  });
});
afterAll(async () => {
  for (const s of [dns, socks, connect, echo]) await s.close();
});

/** Connects through `c`: 'connected', or the named failure the error maps to. */
async function outcome(c: Socks5Connector | HttpConnectConnector): Promise<string> {
  try {
    const s = await c.connect('127.0.0.1', echo.port, { signal: AbortSignal.timeout(200) });
    s.destroy();
    return 'connected';
  } catch (err) {
    const f = toFailure(err, 'connect').failure;
    expect(isNamedFailure(f), f).toBe(true);
    return f;
  }
}

describe('SOCKS5 replies', () => {
  it('any bytes from the proxy end in a tunnel or a named failure, never a throw out of the connector or an unnamed failure', async () => {
    const c = new Socks5Connector({ type: 'socks5', host: socks.host, port: socks.port });
    await fc.assert(
      fc.asyncProperty(socksScript, async (s) => {
        socksNow = s;
        const r = await outcome(c);
        // Only a "granted" reply opens a tunnel: version 5, reply code 0, as sent (a flip may make one).
        if (r === 'connected') {
          const sent = s.stage === 'final' ? mutate(socksReply(s.rep, s.atyp), s.m) : Buffer.alloc(0);
          expect([sent[0], sent[1]]).toEqual([5, 0]);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('the tcp engine through such a proxy always returns a measurement with a named failure or none', async () => {
    const ctx = () => makeContext({ dns, connector: new Socks5Connector({ type: 'socks5', host: socks.host, port: socks.port }), timeoutMs: 200 });
    await fc.assert(
      fc.asyncProperty(socksScript, async (s) => {
        socksNow = s;
        const m = await tcpEngine({ id: 't', kind: 'tcp', host: '127.0.0.1', port: echo.port }, ctx());
        expect(isNamedFailure(m.failure)).toBe(true);
        if (m.failure) expect(m.operation).toBe('connect');
      }),
      { numRuns: 60 },
    );
  });
});

describe('HTTP CONNECT reply heads', () => {
  it('any head ends in a tunnel only for a complete 2xx head within the cap, otherwise in a named failure', async () => {
    const c = new HttpConnectConnector({ type: 'http', host: connect.host, port: connect.port });
    await fc.assert(
      fc.asyncProperty(connectHead, fc.boolean(), async (head, close) => {
        connectNow = { head, close };
        const r = await outcome(c);
        if (r === 'connected') {
          const end = head.indexOf('\r\n\r\n');
          expect(end).toBeGreaterThanOrEqual(0);
          expect(end).toBeLessThanOrEqual(CONNECT_HEAD_CAP);
          expect(/^HTTP\/1\.[01] 2\d\d/.test(head.toString('latin1'))).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
  });
});
