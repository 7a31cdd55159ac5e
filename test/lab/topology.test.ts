/** The lab itself, without blockwatch: it comes up sealed, its services answer, its techniques show on the wire, and it leaves nothing behind. */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as A from './addresses.js';
import { T } from './censor.js';
import { Lab, repoRoot } from './lab.js';
import { isRoot, must } from './sh.js';
import { listLabNamespaces, ROLES } from './topology.js';

const canRun = isRoot() || Boolean(process.env.CI);
if (!canRun) console.warn('censorship lab skipped: it needs root (network namespaces, iptables); run `sudo npm test` or set CI=true to make it mandatory');

const WIRE = join(repoRoot(), 'dist', 'test', 'lab', 'wire-probe.js');

describe.skipIf(!canRun)('censorship lab topology', () => {
  let lab: Lab;
  let hostRulesBefore = '';
  let ca = '';
  const probe = async (...args: string[]) => JSON.parse((await lab.exec(process.execPath, [WIRE, ...args])).stdout) as Record<string, unknown>;

  beforeAll(async () => {
    hostRulesBefore = await must('iptables-save', []);
    lab = await Lab.up();
    ca = join(lab.dir, 'lab-ca.pem');
  }, 60_000);

  afterAll(async () => {
    if (lab) await lab.down().catch(() => {});
  });

  it('creates four namespaces', async () => {
    const mine = await listLabNamespaces();
    for (const role of ROLES) expect(mine).toContain(lab.ns[role]);
  });

  it('gives no namespace a default route, so the client cannot reach anything outside the lab', async () => {
    for (const role of ROLES) expect(await must('ip', ['netns', 'exec', lab.ns[role], 'ip', 'route', 'show', 'default'])).toBe('');
    const r = await lab.exec('ip', ['route', 'get', '192.0.2.1']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unreachable/i);
  });

  it('answers from every service: both resolvers, DoH, app HTTPS, both proxies, the webhook sink', async () => {
    const isp = await probe('dns', A.ISP_RESOLVER, 'base.lab');
    expect(isp.replies).toEqual([{ rcode: 'NOERROR', answers: ['198.18.1.10'] }]);
    expect((await probe('dns', A.TRUTHFUL_RESOLVER, 'base.lab')).replies).toEqual([{ rcode: 'NOERROR', answers: ['198.18.1.10'] }]);
    expect(await probe('doh', `https://${A.TRUTHFUL_RESOLVER}/dns-query`, 'base.lab', ca)).toEqual({ ok: true, rcode: 'NOERROR', answers: ['198.18.1.10'] });
    expect(await probe('https', '198.18.1.10', 'base.lab', '/', ca)).toMatchObject({ ok: true, status: 200 });
    expect(await probe('tls', A.CANARY, '443', 'canary.lab', ca)).toMatchObject({ ok: true, authorized: true });
    expect(await probe('tcp', '198.18.1.10', '5222')).toEqual({ ok: true });
    expect(await probe('socks', A.PROXY, String(A.SOCKS_PORT), '198.18.1.10', '443')).toEqual({ ok: true, reply: 0 });
    expect(await probe('connect', A.PROXY, String(A.CONNECT_PORT), '198.18.1.10', '443')).toMatchObject({ ok: true });
    await lab.webhookSink.clear();
    expect(await probe('post', lab.webhookSink.url, '{"alert":1}')).toEqual({ ok: true, status: 200 });
    expect((await lab.webhookSink.received()).map((p) => p.body)).toEqual([{ alert: 1 }]);
  });

  it('shows each fast technique on the wire, and reverts it', async () => {
    await lab.apply([
      T.refuse('198.18.1.21'), T.unreachable('198.18.1.22'), T.sniReset('sni-reset.lab'), T.tlsResetAll('198.18.1.25'),
      T.mitm('198.18.1.28'), T.dnsLie('injected.lab', { inject: [A.FORGED] }), T.dnsLie('nx.lab', { rcode: 'NXDOMAIN' }),
      T.serveToClient('legal.lab', '451'), T.serveToClient('redirect.lab', 'redirect'), T.serveToClient('http-reset.lab', 'reset'),
    ]);
    expect(await probe('tcp', '198.18.1.21', '443')).toEqual({ ok: false, error: 'ECONNREFUSED' });
    expect(await probe('tcp', '198.18.1.22', '443')).toEqual({ ok: false, error: 'EHOSTUNREACH' });
    expect(await probe('tls', '198.18.1.23', '443', 'sni-reset.lab', ca)).toEqual({ ok: false, error: 'ECONNRESET' });
    expect(await probe('tls', '198.18.1.23', '443', 'example.com', ca)).toMatchObject({ ok: true, authorized: true });
    expect(await probe('tls', '198.18.1.25', '443', 'example.com', ca)).toEqual({ ok: false, error: 'ECONNRESET' });
    expect(await probe('tls', '198.18.1.28', '443', 'tls-mitm.lab', ca)).toMatchObject({ ok: true, authorized: false, issuer: 'Lab ISP filter CA' });
    expect((await probe('dns', A.ISP_RESOLVER, 'injected.lab')).replies).toEqual([
      { rcode: 'NOERROR', answers: [A.FORGED] },
      { rcode: 'NOERROR', answers: ['198.18.1.18'] },
    ]);
    expect((await probe('dns', A.ISP_RESOLVER, 'nx.lab')).replies).toEqual([{ rcode: 'NXDOMAIN', answers: [] }]);
    expect((await probe('dns', A.TRUTHFUL_RESOLVER, 'nx.lab')).replies).toEqual([{ rcode: 'NOERROR', answers: ['198.18.1.11'] }]);
    expect(await probe('https', '198.18.1.29', 'legal.lab', '/', ca)).toMatchObject({ ok: true, status: 451 });
    expect(await probe('https', '198.18.1.31', 'redirect.lab', '/', ca)).toMatchObject({ ok: true, status: 302, location: 'http://warning.isp.lab/' });
    expect(await probe('https', '198.18.1.32', 'http-reset.lab', '/', ca)).toEqual({ ok: false, error: 'ECONNRESET' });
    await lab.revert();
    expect(await probe('tcp', '198.18.1.21', '443')).toEqual({ ok: true });
    expect(await probe('tls', '198.18.1.23', '443', 'sni-reset.lab', ca)).toMatchObject({ ok: true, authorized: true });
    expect(await probe('https', '198.18.1.29', 'legal.lab', '/', ca)).toMatchObject({ ok: true, status: 200 });
  });

  it('throttles only the flow whose ClientHello names the throttled host', async () => {
    await lab.apply([T.throttle('media.slowapp.lab', '1mbit')]);
    const slow = await probe('https', '198.18.1.35', 'media.slowapp.lab', '/blob?bytes=131072', ca);
    const fast = await probe('https', '198.18.1.34', 'slowapp.lab', '/blob?bytes=1048576', ca);
    await lab.revert();
    expect(slow).toMatchObject({ ok: true, size: 131072 });
    expect(fast).toMatchObject({ ok: true, size: 1048576 });
    // Rates, not times: the shaped flow cannot beat its 1 Mbit/s class by much, the other is far faster.
    expect(slow.bitsPerSecond as number).toBeLessThan(2_000_000);
    expect(fast.bitsPerSecond as number).toBeGreaterThan(4 * (slow.bitsPerSecond as number));
  });

  it('tears down every namespace, leaving the host firewall as it was', async () => {
    const names = Object.values(lab.ns);
    await lab.down();
    const left = await listLabNamespaces();
    for (const n of names) expect(left).not.toContain(n);
    expect(await must('iptables-save', [])).toBe(hostRulesBefore);
  });
});
