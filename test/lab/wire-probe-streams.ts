/**
 * The wire probe's TCP operations for the boxes that judge the client and the degree: a timed
 * node:tls handshake with chosen options (another JA4), raw bytes and what came back (a
 * ClientHello written elsewhere, MTProto's first bytes), MTProto's first exchange in a
 * transport (net/mtproto), and a timed HTTPS request (time to first byte). Each prints what it
 * saw; none judges it.
 */
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { connect as tcpConnect } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import type { MtprotoTransport } from '../../src/model/index.js';
import { mtprotoExchange } from '../../src/net/mtproto/index.js';

const DEADLINE_MS = 3000;
type Out = Record<string, unknown>;

const since = (t0: number): number => Math.round(performance.now() - t0);

export const streamOps: Record<string, (...a: string[]) => Promise<Out>> = {
  /**
   * A TLS handshake with extra node:tls options (JSON: ALPNProtocols, maxVersion, ciphers …, which
   * change the ClientHello and so its JA4); reports when TCP connected and when the handshake
   * completed, in ms from the start.
   */
  async handshake(ip, port, sni, caFile, options = '{}') {
    const extra = JSON.parse(options) as ConnectionOptions;
    return new Promise((resolve) => {
      const t0 = performance.now();
      let connectMs: number | null = null;
      const s = tlsConnect({ host: ip, port: Number(port), servername: sni, ca: readFileSync(caFile), rejectUnauthorized: false, ...extra });
      s.once('connect', () => (connectMs = since(t0)));
      s.setTimeout(DEADLINE_MS, () => {
        s.destroy();
        resolve({ ok: false, error: 'TIMEOUT', connectMs });
      });
      s.once('secureConnect', () => {
        const handshakeMs = since(t0);
        s.destroy();
        resolve({ ok: true, connectMs, handshakeMs, alpn: s.alpnProtocol || null });
      });
      s.once('error', (e: NodeJS.ErrnoException) => resolve({ ok: false, error: e.code ?? e.message, connectMs }));
    });
  },
  /**
   * Connects, writes `hex`, then (when given) `hex2` a moment later on the same connection, and
   * waits `waitMs` for an answer: reports whether TCP connected, the first bytes that came back
   * (hex, at most 64), and how the connection ended (ECONNRESET, EOF) or TIMEOUT when nothing came.
   */
  async send(ip, port, hex, hex2 = '', waitMs = '1500') {
    return new Promise((resolve) => {
      const s = tcpConnect({ host: ip, port: Number(port) });
      let connected = false;
      let reply = Buffer.alloc(0);
      const done = (out: Out) => {
        clearTimeout(timer);
        s.destroy();
        resolve({ connected, replyBytes: reply.length, reply: reply.subarray(0, 64).toString('hex'), ...out });
      };
      const timer = setTimeout(() => done(reply.length ? { ok: true, error: null } : { ok: false, error: 'TIMEOUT' }), DEADLINE_MS + Number(waitMs));
      s.once('connect', () => {
        connected = true;
        clearTimeout(timer);
        s.write(Buffer.from(hex, 'hex'));
        if (hex2) setTimeout(() => !s.destroyed && s.write(Buffer.from(hex2, 'hex')), 200);
        setTimeout(() => done(reply.length ? { ok: true, error: null } : { ok: false, error: 'TIMEOUT' }), Number(waitMs));
      });
      s.on('data', (c: Buffer) => (reply = Buffer.concat([reply, c]).subarray(0, 4096)));
      s.once('end', () => done({ ok: reply.length > 0, error: 'EOF' }));
      s.once('error', (e: NodeJS.ErrnoException) => done({ ok: false, error: e.code ?? e.message }));
    });
  },
  /** req_pq_multi in the transport over a fresh connection: whether a resPQ with our nonce came back, and the failure string if not. */
  async mtproto(ip, port, transport) {
    const s = tcpConnect({ host: ip, port: Number(port) });
    const signal = AbortSignal.timeout(DEADLINE_MS);
    try {
      await new Promise<void>((resolve, reject) => {
        s.once('connect', resolve);
        s.once('error', reject);
        signal.addEventListener('abort', () => reject(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })), { once: true });
      });
    } catch (e) {
      s.destroy();
      return { ok: false, connected: false, error: (e as NodeJS.ErrnoException).code ?? (e as Error).message };
    }
    s.on('error', () => {});
    const x = await mtprotoExchange(s, { address: `${ip}:${port}`, transport: transport as MtprotoTransport, signal });
    s.destroy();
    return { ok: x.response === 'res_pq', connected: true, response: x.response, failure: x.failure, sent: x.sent, received: x.received };
  },
  /** An HTTPS GET: when the handshake completed and when the first byte of the response came, in ms from the start. */
  async ttfb(ip, host, path, caFile) {
    return new Promise((resolve) => {
      const t0 = performance.now();
      let handshakeMs: number | null = null;
      const req = httpsRequest({ host: ip, servername: host, headers: { host }, path, ca: readFileSync(caFile), timeout: DEADLINE_MS * 2 }, (res) => {
        const ttfbMs = since(t0);
        res.resume();
        res.on('end', () => resolve({ ok: true, status: res.statusCode, handshakeMs, ttfbMs }));
        res.on('error', (e: NodeJS.ErrnoException) => resolve({ ok: false, error: e.code ?? e.message }));
      });
      req.on('socket', (s) => s.once('secureConnect', () => (handshakeMs = since(t0))));
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
      req.on('error', (e: NodeJS.ErrnoException) => resolve({ ok: false, error: e.code ?? e.message }));
      req.end();
    });
  },
};
