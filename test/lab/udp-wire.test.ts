/** The UDP-era lab without blockwatch: coturn and caddy answer where the catalogues say, and each technique and outage twin shows on the wire, then reverts. */
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FREEZE_BAND } from '../../src/analysis/throughput.js';
import * as A from './addresses.js';
import { T, type CensorAction } from './censor.js';
import { BIG_PAGE, UDP_SCENARIOS } from './scenarios-udp.js';
import { counter } from './counters.js';
import { isRoot, must, nsRun } from './sh.js';
import { listLabNamespaces } from './topology.js';
import { useWireLab } from './wire-lab.js';

const canRun = isRoot() || Boolean(process.env.CI);
if (!canRun) console.warn('censorship lab skipped: it needs root (network namespaces, iptables); run `sudo npm test` or set CI=true to make it mandatory');

const ip = (n: number) => `198.18.1.${n}`;

/** A browser with a real QUIC stack, when this machine has one (CI installs none: the test that needs it says so and skips). */
const CHROMIUM = ['chromium', 'chromium-browser'].find((cmd) => {
  try {
    execFileSync(cmd, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});
if (canRun && !CHROMIUM) console.warn('no chromium: the HTTP/3 fetch through the lab is skipped');

/** The command name of a process, or null once it has ended (gone, or a zombie nobody has reaped yet). */
function comm(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' ? null : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  } catch {
    return null;
  }
}

describe.skipIf(!canRun)('censorship lab: UDP-era peers and techniques on the wire', () => {
  const w = useWireLab(UDP_SCENARIOS);
  const from = w.from;
  let peerPids: number[] = [];
  const probe = (...args: string[]) => from('client', ...args);
  const stun = (where: 'client' | 'abroad', n: number) => from(where, 'stun', ip(n), String(A.STUN_PORT));
  const quicping = (where: 'client' | 'abroad', n: number, size = '1200', first = 'c0') => from(where, 'quicping', ip(n), '443', size, first);
  const body = (where: 'client' | 'abroad', n: number, host: string, path = BIG_PAGE) => from(where, 'body', ip(n), host, path, w.ca);
  const apply = (actions: CensorAction[]) => w.lab.apply(actions);

  it("runs coturn and caddy inside the servers namespace, answering on their catalogues' addresses only", async () => {
    const pids = (await must('ip', ['netns', 'pids', w.lab.ns.servers])).split('\n').map(Number).filter((p) => p > 0);
    peerPids = pids.filter((p) => ['turnserver', 'caddy'].includes(comm(p) ?? ''));
    expect(peerPids.map((p) => comm(p)).sort()).toEqual(['caddy', 'turnserver']);

    const relay = await stun('client', 100);
    expect(relay).toMatchObject({ ok: true, from: `${ip(100)}:${A.STUN_PORT}` });
    expect(relay.mapped).toMatch(new RegExp(`^${A.CLIENT_ISP.replace(/\./g, '\\.')}:\\d+$`));
    // The control's path reaches the relay without crossing the censor.
    expect((await stun('abroad', 100)).ok).toBe(true);
    // An address with no udp target has no STUN peer: the kernel answers port unreachable.
    expect(await stun('client', 103)).toEqual({ ok: false, error: 'ECONNREFUSED' });

    expect(await quicping('client', 103)).toEqual({ ok: true, from: `${ip(103)}:443` });
    expect(await quicping('abroad', 103)).toEqual({ ok: true, from: `${ip(103)}:443` });
    // The same host over TCP is caddy too (h1/h2), with the lab CA's certificate.
    const page = await probe('https', ip(103), 'h3drop.lab', '/', w.ca);
    expect(page).toMatchObject({ ok: true, status: 200 });
    expect(page.sample).toMatch(/served by the lab QUIC peer over HTTP\/[12]/);
    // Below 1200 bytes a QUIC server ignores an unknown version: no answer.
    expect(await quicping('client', 103, '1000')).toEqual({ ok: false, error: 'TIMEOUT' });
  });

  it('drops UDP to one call relay and refuses it to another (ICMP port unreachable), and reverts', async () => {
    await apply([T.udpDrop(ip(100)), T.udpRefuse(ip(101))]);
    expect(await stun('client', 100)).toEqual({ ok: false, error: 'TIMEOUT' });
    expect(await stun('client', 101)).toEqual({ ok: false, error: 'ECONNREFUSED' });
    expect((await stun('abroad', 100)).ok).toBe(true);
    expect((await stun('abroad', 101)).ok).toBe(true);
    await w.lab.revert();
    expect((await stun('client', 100)).ok).toBe(true);
    expect((await stun('client', 101)).ok).toBe(true);
  });

  it('drops QUIC to one address while TCP 443 to it still works, and reverts', async () => {
    await apply([T.quicDrop(ip(103))]);
    expect(await quicping('client', 103)).toEqual({ ok: false, error: 'TIMEOUT' });
    expect(await probe('https', ip(103), 'h3drop.lab', '/', w.ca)).toMatchObject({ ok: true, status: 200 });
    expect((await quicping('client', 104)).ok).toBe(true);
    await w.lab.revert();
    expect((await quicping('client', 103)).ok).toBe(true);
  });

  it('drops every datagram shaped like an Initial of 1200 bytes or more (u32), and lets other UDP through', async () => {
    // A counting rule where the datagrams arrive at the server, before the DNAT to caddy's port.
    const arrivals: CensorAction = { do: 'iptables', ns: 'servers', table: 'raw', chain: 'PREROUTING', rule: ['-d', ip(104), '-p', 'udp', '--dport', '443'] };
    await apply([T.quicInitialDrop(ip(104)), arrivals]);
    const dropped = () => counter(w.lab.ns.censor, 'filter', 'FORWARD', (l) => l.includes(ip(104)) && l.includes('u32'));
    const arrived = () => counter(w.lab.ns.servers, 'raw', 'PREROUTING', (l) => l.includes(ip(104)));
    // Short ones pass: 1199 bytes with a long header, and 1200 bytes with a short header (0x40).
    await quicping('client', 104, '1199', 'c0');
    await quicping('client', 104, '1200', '40');
    expect([await dropped(), await arrived()]).toEqual([0, 2]);
    // Initial-shaped: long header, type Initial, with and without the fixed bit, ≥ 1200 bytes.
    expect(await quicping('client', 104, '1200', 'c0')).toEqual({ ok: false, error: 'TIMEOUT' });
    expect(await quicping('client', 104, '1350', '83')).toEqual({ ok: false, error: 'TIMEOUT' });
    expect([await dropped(), await arrived()]).toEqual([2, 2]);
    // A Handshake-type long header (0xe0) is no Initial: it passes and draws Version Negotiation.
    expect((await quicping('client', 104, '1200', 'e0')).ok).toBe(true);
    expect([await dropped(), await arrived()]).toEqual([2, 3]);
    await w.lab.revert();
    expect((await quicping('client', 104)).ok).toBe(true);
  });

  it("relays QUIC to an SNI-filtered address through the censor's box, transparently, and reverts", async () => {
    await apply([T.quicSniFilter(ip(105), 'h3sni.lab')]);
    const steered = () => counter(w.lab.ns.censor, 'nat', 'PREROUTING', (l) => l.includes(ip(105)) && l.includes(A.QUIC_SNI_BOX));
    // The answer comes back from the server's own address (conntrack's reverse NAT), through the relay.
    expect(await quicping('client', 105)).toEqual({ ok: true, from: `${ip(105)}:443` });
    expect(await quicping('client', 105)).toEqual({ ok: true, from: `${ip(105)}:443` });
    expect(await steered()).toBe(2);
    const stats = await w.lab.quicSniStats();
    expect(Object.keys(stats)).toEqual([ip(105)]);
    expect(stats[ip(105)]).toMatchObject({ names: ['h3sni.lab'], flows: 2, forwarded: 2, returned: 2 });
    // The control's path does not cross the censor.
    expect((await quicping('abroad', 105)).ok).toBe(true);
    expect((await w.lab.quicSniStats())[ip(105)].forwarded).toBe(2);
    await w.lab.revert();
    expect(await w.lab.quicSniStats()).toEqual({});
    expect((await quicping('client', 105)).ok).toBe(true);
  });

  it.skipIf(!CHROMIUM)('serves real HTTP/3: a browser forced onto QUIC gets the page over HTTP/3, directly and through the SNI relay', async () => {
    // Chromium accepts the lab's leaf by its key's hash (it does not read the lab CA).
    const leaf = new X509Certificate(readFileSync(join(w.lab.dir, 'peers', 'caddy', 'cert.pem')));
    const spki = createHash('sha256').update(leaf.publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
    const fetchH3 = async (host: string, n: number) => {
      const r = await nsRun(w.lab.ns.client, CHROMIUM!, [
        '--headless', '--no-sandbox', '--disable-gpu', `--user-data-dir=${join(w.lab.dir, `chromium-${n}`)}`,
        '--enable-quic', `--origin-to-force-quic-on=${host}:443`, `--host-resolver-rules=MAP ${host} ${ip(n)}`,
        `--ignore-certificate-errors-spki-list=${spki}`, '--dump-dom', `https://${host}/`,
      ], { timeoutMs: 60_000 });
      return r.stdout;
    };
    expect(await fetchH3('h3drop.lab', 103)).toContain('served by the lab QUIC peer over HTTP/3.0');
    await apply([T.quicSniFilter(ip(105), 'h3sni.lab')]);
    expect(await fetchH3('h3sni.lab', 105)).toContain('served by the lab QUIC peer over HTTP/3.0');
    // A whole handshake and request went through the relay, not a single ping.
    const relayed = (await w.lab.quicSniStats())[ip(105)];
    expect(relayed.forwarded).toBeGreaterThan(3);
    expect(relayed.returned).toBeGreaterThan(3);
    await w.lab.revert();
  }, 120_000);

  it('freezes a TLS flow whose ClientHello names the host after ~20 KB from the server, and only that flow', async () => {
    const segs = async () => /gso_max_segs (\d+)/.exec(await must('ip', ['-n', w.lab.ns.servers, '-d', 'link', 'show', 'dev', 'cen0']))?.[1];
    const before = await segs();
    await apply([T.freeze('freeze.lab')]);
    // One segment per packet while the freeze is on, so that connbytes cuts where it says.
    expect(await segs()).toBe('1');
    const frozen = await body('client', 107, 'freeze.lab');
    expect(frozen).toMatchObject({ ok: false, status: 200, length: 49152, complete: false });
    // Inside the band the analysis looks for.
    expect(frozen.bytes as number).toBeGreaterThanOrEqual(FREEZE_BAND[0]);
    expect(frozen.bytes as number).toBeLessThanOrEqual(FREEZE_BAND[1]);
    expect(await counter(w.lab.ns.censor, 'filter', 'FORWARD', (l) => l.includes('connbytes'))).toBeGreaterThan(0);
    // A small page on a marked flow ends before the limit; another name to the same address is not marked.
    expect(await body('client', 107, 'freeze.lab', '/')).toMatchObject({ ok: true, complete: true });
    expect(await body('client', 107, 'example.com')).toMatchObject({ ok: true, bytes: 49152, complete: true });
    // The control's path reads the whole page.
    expect(await body('abroad', 107, 'freeze.lab')).toMatchObject({ ok: true, bytes: 49152, complete: true });
    await w.lab.revert();
    expect(await segs()).toBe(before);
    expect(await body('client', 107, 'freeze.lab')).toMatchObject({ ok: true, bytes: 49152, complete: true });
  });

  it('fails each outage twin for everyone, the control path included, and reverts', async () => {
    await apply([T.udpOutage(ip(102)), T.quicOutage(ip(106)), T.freezeOutage('freezedown.lab')]);
    for (const where of ['client', 'abroad'] as const) {
      expect(await stun(where, 102), where).toEqual({ ok: false, error: 'TIMEOUT' });
      expect(await quicping(where, 106), where).toEqual({ ok: false, error: 'TIMEOUT' });
      expect(await body(where, 108, 'freezedown.lab'), where).toEqual({ ok: false, status: 200, length: 49152, bytes: 16384, complete: false });
    }
    await w.lab.revert();
    for (const where of ['client', 'abroad'] as const) {
      expect((await stun(where, 102)).ok, where).toBe(true);
      expect((await quicping(where, 106)).ok, where).toBe(true);
      expect(await body(where, 108, 'freezedown.lab'), where).toMatchObject({ ok: true, bytes: 49152, complete: true });
    }
  });

  it('ends coturn and caddy with the lab and leaves no namespace behind', async () => {
    const names = Object.values(w.lab.ns);
    await w.lab.down();
    // SIGKILL is delivered at once but a process takes a moment to end.
    for (let i = 0; i < 30 && peerPids.some((p) => comm(p) !== null); i++) await new Promise((r) => setTimeout(r, 100));
    expect(peerPids.map(comm)).toEqual([null, null]);
    const left = await listLabNamespaces();
    for (const n of names) expect(left).not.toContain(n);
  });
});
