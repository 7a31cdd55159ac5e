// Certificate name checks: tlsStep's verdict on a name must be Node's own (tls.checkServerIdentity on the converted chain), for wildcards, addresses, IDNA and CN fallback.
import { connect as tlsConnect, checkServerIdentity, type DetailedPeerCertificate } from 'node:tls';
import { isIP } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectStep, tlsStep } from '../../../src/engines/steps.js';
import { tlsEngine } from '../../../src/engines/tls.js';
import { startDnsServer, type DnsServer } from '../../support/dns-server.js';
import { makeCA, type IssueOptions } from '../../support/pki.js';
import { makeContext } from '../../support/probe-context.js';
import { startTlsServer, type Running } from '../../support/tls-servers.js';

const ca = makeCA('names CA');
let dns: DnsServer;
const servers: Running[] = [];

/** Certificates whose names exercise each of Node's rules, and the names to check each against. */
const CASES: Array<{ what: string; issue: IssueOptions & { names?: string[] }; hosts: string[] }> = [
  { what: 'a wildcard SAN', issue: { rawSan: 'DNS:*.app.test' }, hosts: ['a.app.test', 'A.APP.TEST', 'a.app.test.', 'app.test', 'a.b.app.test', 'xn--80ak6aa92e.app.test'] },
  { what: 'a partial wildcard', issue: { rawSan: 'DNS:f*.app.test,DNS:*z.app.test' }, hosts: ['foo.app.test', 'f.app.test', 'bar.app.test', 'baz.app.test', 'z.app.test'] },
  { what: 'a wildcard over a TLD', issue: { rawSan: 'DNS:*.test' }, hosts: ['app.test', 'test'] },
  { what: 'two wildcards in a label', issue: { rawSan: 'DNS:*a*.app.test' }, hosts: ['bab.app.test', 'a.app.test'] },
  { what: 'an IDNA A-label', issue: { rawSan: 'DNS:xn--80ak6aa92e.test,DNS:*.xn--p1ai,DNS:xn--*.app.test' }, hosts: ['xn--80ak6aa92e.test', 'XN--80AK6AA92E.test', 'a.xn--p1ai', 'xn--abc.app.test', 'xn--80ak6aa92e.app.test'] },
  { what: 'IP address SANs', issue: { rawSan: 'IP:127.0.0.1,IP:::1,DNS:127.0.0.2' }, hosts: ['127.0.0.1', '::1', '0:0:0:0:0:0:0:1', '127.0.0.2', '127.0.0.3'] },
  { what: 'only a CN', issue: { rawSan: null, subject: '/CN=cn.app.test/O=names' }, hosts: ['cn.app.test', 'other.app.test', '127.0.0.1'] },
  { what: 'a wildcard CN and IP SANs only', issue: { rawSan: 'IP:127.0.0.1', subject: '/CN=*.cn.test' }, hosts: ['a.cn.test', '127.0.0.1', 'cn.test'] },
  { what: 'two CNs', issue: { rawSan: null, subject: '/CN=one.test/CN=two.test' }, hosts: ['one.test', 'two.test', 'three.test'] },
  { what: 'a SAN with no DNS name and no CN', issue: { rawSan: 'email:a@app.test', subject: '/O=names' }, hosts: ['app.test'] },
  { what: 'a DNS SAN and a CN that differ', issue: { rawSan: 'DNS:san.test', subject: '/CN=cn.test' }, hosts: ['san.test', 'cn.test'] },
  { what: 'a SAN with an empty label', issue: { rawSan: 'DNS:bad..app.test,DNS:*.' }, hosts: ['bad..app.test', 'bad.x.app.test'] },
];

const ports = new Map<string, number>();

beforeAll(async () => {
  dns = await startDnsServer(() => ({ kind: 'answer', a: ['127.0.0.1'] }));
  for (const c of CASES) {
    const s = await startTlsServer(ca.issue([], c.issue));
    servers.push(s);
    ports.set(c.what, s.port);
  }
});
afterAll(async () => {
  await dns.close();
  for (const s of servers) await s.close();
});

/** Node's verdict: a plain tls.connect, the whole chain converted, Node's checkServerIdentity on it for `host` (tlsStep checks an address-only target as its address). */
function nodeVerdict(port: number, host: string): Promise<{ ok: boolean; code: string | undefined }> {
  return new Promise((resolve, reject) => {
    let verdict: Error | undefined;
    const s = tlsConnect({
      host: '127.0.0.1',
      port,
      servername: isIP(host) ? undefined : host,
      ca: [ca.cert],
      rejectUnauthorized: false,
      checkServerIdentity: (_h, cert) => (verdict = checkServerIdentity(host, cert)),
    });
    s.once('secureConnect', () => {
      s.destroy();
      resolve({ ok: s.authorized && verdict === undefined, code: verdict ? (verdict as NodeJS.ErrnoException).code : undefined });
    });
    s.once('error', reject);
  });
}

async function ours(port: number, host: string) {
  const c = makeContext({ dns, extraCA: [ca.cert] });
  const origin = performance.now();
  const { socket } = await connectStep('127.0.0.1', port, c, origin);
  const hs = await tlsStep(socket!, host, port, isIP(host) ? null : host, [], undefined, c, origin);
  hs.tlsSocket?.destroy();
  return hs.record;
}

describe('the name check on the leaf alone is Node’s', () => {
  for (const c of CASES) {
    it(`${c.what}: ${c.hosts.join(', ')}`, async () => {
      const port = ports.get(c.what)!;
      for (const host of c.hosts) {
        const ref = await nodeVerdict(port, host);
        const r = await ours(port, host);
        expect({ host, validated: r.validated, failure: r.failure }).toEqual({
          host,
          validated: ref.ok,
          failure: ref.ok ? null : 'ssl_invalid_hostname',
        });
      }
    });
  }
});

describe('the chain a wrong name records', () => {
  it('is the chain Node converts: leaf, intermediates and the root, as before the leaf was read alone', async () => {
    const mid = ca.intermediate('names intermediate');
    const leaf = mid.issue(['app.test'], { ips: ['127.0.0.1'] });
    const direct = ca.issue(['app.test'], { ips: ['127.0.0.1'] });
    for (const l of [leaf, direct]) {
      const s = await startTlsServer({ ...l, cert: l.chain });
      servers.push(s);
      const want = await new Promise<string[]>((resolve, reject) => {
        const t = tlsConnect({ host: '127.0.0.1', port: s.port, servername: 'other.test', ca: [ca.cert], rejectUnauthorized: false }, () => {
          const out: string[] = [];
          let c: DetailedPeerCertificate | undefined = t.getPeerCertificate(true);
          while (c?.raw && !out.includes(c.fingerprint256)) {
            out.push(c.fingerprint256);
            c = c.issuerCertificate;
          }
          t.destroy();
          resolve(out.map((f) => f.replace(/:/g, '').toLowerCase()));
        });
        t.once('error', reject);
      });
      const m = await tlsEngine({ id: 't', kind: 'tls', host: '127.0.0.1', port: s.port, sni: 'other.test' }, makeContext({ dns, extraCA: [ca.cert] }));
      expect(m.tls_handshakes[0]).toMatchObject({ validated: false, failure: 'ssl_invalid_hostname' });
      expect(m.tls_handshakes[0].peer_certificates.map((c) => c.sha256)).toEqual(want);
      expect(want.length).toBe(l === leaf ? 3 : 2);
    }
  });
});
