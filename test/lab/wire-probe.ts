/**
 * A minimal wire-level probe, independent of blockwatch, run inside the client namespace
 * to check the lab itself: does each service answer, does each censor technique show on
 * the wire as intended. Prints one JSON line.
 * Usage: node dist/test/lab/wire-probe.js OP ARGS… (see `ops` below)
 */
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import * as packet from 'dns-packet';
import { isVersionNegotiation, parseStunAnswer, quicProbe, stunBindingRequest } from './datagrams.js';
import { udpAsk } from './udp-ask.js';
import { streamOps } from './wire-probe-streams.js';

const DEADLINE_MS = 3000;
type Out = Record<string, unknown>;

function errOut(e: NodeJS.ErrnoException): Out {
  return { ok: false, error: e.code ?? e.message };
}

const ops: Record<string, (...a: string[]) => Promise<Out>> = {
  /** Every reply to one A query within the window. */
  async dns(server, name) {
    const sock = createSocket('udp4');
    const q = packet.encode({ type: 'query', id: 4242, flags: packet.RECURSION_DESIRED, questions: [{ type: 'A', name }] });
    const replies: Out[] = [];
    sock.on('message', (m) => {
      const r = packet.decode(m);
      replies.push({ rcode: (r as { rcode?: string }).rcode, answers: (r.answers ?? []).map((a) => (a as { data: unknown }).data) });
    });
    sock.send(q, 53, server);
    await new Promise((r) => setTimeout(r, 500));
    sock.close();
    return { ok: replies.length > 0, replies };
  },
  async doh(url, name, caFile) {
    const q = packet.encode({ type: 'query', id: 0, flags: packet.RECURSION_DESIRED, questions: [{ type: 'A', name }] });
    return new Promise((resolve) => {
      const req = httpsRequest(url, { method: 'POST', ca: readFileSync(caFile), headers: { 'content-type': 'application/dns-message' }, timeout: DEADLINE_MS }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const r = packet.decode(Buffer.concat(chunks));
          resolve({ ok: true, rcode: (r as { rcode?: string }).rcode, answers: (r.answers ?? []).map((a) => (a as { data: unknown }).data) });
        });
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
      req.on('error', (e) => resolve(errOut(e)));
      req.end(q);
    });
  },
  async tcp(ip, port) {
    return new Promise((resolve) => {
      const s = tcpConnect({ host: ip, port: Number(port) });
      s.setTimeout(DEADLINE_MS, () => {
        s.destroy();
        resolve({ ok: false, error: 'TIMEOUT' });
      });
      s.once('connect', () => {
        s.destroy();
        resolve({ ok: true });
      });
      s.once('error', (e) => resolve(errOut(e)));
    });
  },
  /** A TLS handshake; reports whether the chain validated for the name, and the issuer. */
  async tls(ip, port, sni, caFile) {
    return new Promise((resolve) => {
      const s = tlsConnect({ host: ip, port: Number(port), servername: sni, ca: readFileSync(caFile), rejectUnauthorized: false });
      s.setTimeout(DEADLINE_MS, () => {
        s.destroy();
        resolve({ ok: false, error: 'TIMEOUT' });
      });
      s.once('secureConnect', () => {
        const cert = s.getPeerCertificate();
        s.destroy();
        resolve({ ok: true, authorized: s.authorized, authError: s.authorizationError ?? null, issuer: cert.issuer?.CN, subject: cert.subject?.CN });
      });
      s.once('error', (e) => resolve(errOut(e)));
    });
  },
  /** An HTTPS GET to a name at a given address; reports status, location and body size. */
  async https(ip, host, path, caFile) {
    return new Promise((resolve) => {
      const t0 = performance.now();
      const req = httpsRequest({ host: ip, servername: host, headers: { host }, path, ca: readFileSync(caFile), timeout: DEADLINE_MS * 3 }, (res) => {
        let size = 0;
        let sample = '';
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (sample.length < 2000) sample += c.toString('utf8');
        });
        res.on('end', () => {
          const seconds = (performance.now() - t0) / 1000;
          resolve({ ok: true, status: res.statusCode, location: res.headers.location ?? null, size, bitsPerSecond: Math.round((size * 8) / seconds), sample: sample.slice(0, 200) });
        });
        res.on('error', (e) => resolve(errOut(e)));
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
      req.on('error', (e) => resolve(errOut(e)));
      req.end();
    });
  },
  /** SOCKS5 CONNECT through a proxy; reports the reply code. */
  async socks(proxy, port, dest, dport) {
    return new Promise((resolve) => {
      const s: Socket = tcpConnect({ host: proxy, port: Number(port) });
      s.setTimeout(DEADLINE_MS, () => {
        s.destroy();
        resolve({ ok: false, error: 'TIMEOUT' });
      });
      s.once('error', (e) => resolve(errOut(e)));
      s.once('connect', () => s.write(Buffer.from([5, 1, 0])));
      let stage = 0;
      s.on('data', (d: Buffer) => {
        if (stage++ === 0) {
          const ip = dest.split('.').map(Number);
          const p = Buffer.alloc(2);
          p.writeUInt16BE(Number(dport));
          s.write(Buffer.concat([Buffer.from([5, 1, 0, 1, ...ip]), p]));
        } else {
          s.destroy();
          resolve({ ok: d[1] === 0, reply: d[1] });
        }
      });
    });
  },
  async connect(proxy, port, dest, dport) {
    return new Promise((resolve) => {
      const s = tcpConnect({ host: proxy, port: Number(port) });
      s.setTimeout(DEADLINE_MS, () => {
        s.destroy();
        resolve({ ok: false, error: 'TIMEOUT' });
      });
      s.once('error', (e) => resolve(errOut(e)));
      s.once('connect', () => s.write(`CONNECT ${dest}:${dport} HTTP/1.1\r\nHost: ${dest}:${dport}\r\n\r\n`));
      s.once('data', (d: Buffer) => {
        s.destroy();
        const line = d.toString('latin1').split('\r\n')[0];
        resolve({ ok: / 200 /.test(line), line });
      });
    });
  },
  /** A STUN Binding request; reports the mapped address, or the error (ECONNREFUSED: ICMP port unreachable; TIMEOUT). */
  async stun(ip, port) {
    const req = stunBindingRequest();
    const out = await udpAsk(ip, Number(port), req, (m) => parseStunAnswer(m, req) !== null, DEADLINE_MS);
    return out.ok ? { ok: true, mapped: parseStunAnswer(out.reply, req)?.mapped ?? null, from: out.from } : { ok: false, error: out.error };
  },
  /** A long-header datagram of `size` bytes with first byte `first` (hex) and a reserved version; ok when Version Negotiation comes back. */
  async quicping(ip, port, size = '1200', first = 'c0', waitMs = '1500') {
    const { datagram, dcid } = quicProbe({ size: Number(size), firstByte: parseInt(first, 16) });
    const out = await udpAsk(ip, Number(port), datagram, (m) => isVersionNegotiation(m, dcid), Number(waitMs));
    return out.ok ? { ok: true, from: out.from } : { ok: false, error: out.error };
  },
  /** An HTTPS GET whose body is read until it ends or no byte comes for `stallMs`: how far did it get? */
  async body(ip, host, path, caFile, stallMs = '1500') {
    return new Promise((resolve) => {
      const req = httpsRequest({ host: ip, servername: host, headers: { host }, path, ca: readFileSync(caFile) }, (res) => {
        let bytes = 0;
        const stalled = () => {
          req.destroy();
          resolve({ ok: false, status: res.statusCode, length: Number(res.headers['content-length'] ?? -1), bytes, complete: false });
        };
        let timer = setTimeout(stalled, Number(stallMs));
        res.on('data', (c: Buffer) => {
          bytes += c.length;
          clearTimeout(timer);
          timer = setTimeout(stalled, Number(stallMs));
        });
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ ok: true, status: res.statusCode, length: Number(res.headers['content-length'] ?? -1), bytes, complete: true });
        });
        res.on('error', () => {});
      });
      req.setTimeout(DEADLINE_MS, () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
      req.on('error', (e) => resolve(errOut(e)));
      req.end();
    });
  },
  async post(url, body) {
    return new Promise((resolve) => {
      const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json' }, timeout: DEADLINE_MS }, (res) => {
        res.resume();
        res.on('end', () => resolve({ ok: res.statusCode === 200, status: res.statusCode }));
      });
      req.on('error', (e) => resolve(errOut(e)));
      req.end(body);
    });
  },
};

const [op, ...args] = process.argv.slice(2);
const fn = { ...ops, ...streamOps }[op ?? ''];
if (!fn) {
  process.stderr.write(`usage: wire-probe ${Object.keys({ ...ops, ...streamOps }).join('|')} ARGS…\n`);
  process.exit(2);
}
fn(...args).then((out) => process.stdout.write(`${JSON.stringify(out)}\n`));
