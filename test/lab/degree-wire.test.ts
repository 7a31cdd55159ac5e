/** The boxes of degree and frequency, without blockwatch: held handshakes and first bytes, a shaper and a slow host, a share of flows dropped, a residual hold, a blocked control resolver; their twins fail the control too; all revert. Timings are asserted as lower bounds only. */
import { describe, expect, it } from 'vitest';
import * as A from './addresses.js';
import { T } from './censor.js';
import { DEGREE_SCENARIOS } from './scenarios-degree.js';
import { isRoot } from './sh.js';
import { useWireLab, type Out } from './wire-lab.js';

const canRun = isRoot() || Boolean(process.env.CI);
if (!canRun) console.warn('censorship lab skipped: it needs root (network namespaces, iptables); run `sudo npm test` or set CI=true to make it mandatory');

const ip = (n: number) => `198.18.1.${n}`;
const DELAY_MS = 1000;
const OBJECT = '/blob?bytes=262144';

describe.skipIf(!canRun)('censorship lab: degree and frequency on the wire', () => {
  const w = useWireLab(DEGREE_SCENARIOS);
  const from = w.from;
  const handshake = (where: 'client' | 'abroad', n: number, sni: string) => from(where, 'handshake', ip(n), '443', sni, w.ca, '{}');
  /** How long the TLS handshake itself took: from TCP connected to the handshake done. */
  const tlsMs = (o: Out) => (o.handshakeMs as number) - (o.connectMs as number);
  const ttfb = (where: 'client' | 'abroad', n: number, host: string) => from(where, 'ttfb', ip(n), host, '/', w.ca);

  it("holds the server's first flight for a listed SNI only, at the censor; a slow server holds it for everyone", async () => {
    await w.lab.apply([T.handshakeDelay(ip(223), ['hs-slow.lab'], DELAY_MS), T.slowServer(ip(226), DELAY_MS)]);
    const held = await handshake('client', 223, 'hs-slow.lab');
    expect(held).toMatchObject({ ok: true });
    expect(tlsMs(held)).toBeGreaterThanOrEqual(DELAY_MS);
    expect(await handshake('client', 223, 'example.com')).toMatchObject({ ok: true });
    expect(await handshake('abroad', 223, 'hs-slow.lab')).toMatchObject({ ok: true });
    expect((await w.lab.tlsBoxStats())[ip(223)]).toMatchObject({ flows: 2, delayed: 1, passed: 1 });
    // The slow server: every name, every path.
    for (const where of ['client', 'abroad'] as const) {
      for (const sni of ['slow-hs.lab', 'example.com']) {
        const slow = await handshake(where, 226, sni);
        expect(slow, `${where} ${sni}`).toMatchObject({ ok: true });
        expect(tlsMs(slow), `${where} ${sni}`).toBeGreaterThanOrEqual(DELAY_MS);
      }
    }
    expect((await w.lab.tlsBoxStats('servers'))[ip(226)]).toMatchObject({ flows: 4, delayed: 4 });
    await w.lab.revert();
    expect(await w.lab.tlsBoxStats('servers')).toEqual({});
  }, 60_000);

  it("holds the server's first answer after the request for a listed SNI (time to first byte); a slow server holds it for everyone", async () => {
    await w.lab.apply([T.ttfbDelay(ip(224), ['ttfb-slow.lab'], DELAY_MS), T.slowResponse(ip(228), DELAY_MS)]);
    const late = await ttfb('client', 224, 'ttfb-slow.lab');
    expect(late).toMatchObject({ ok: true, status: 200 });
    expect((late.ttfbMs as number) - (late.handshakeMs as number)).toBeGreaterThanOrEqual(DELAY_MS);
    expect(await ttfb('abroad', 224, 'ttfb-slow.lab')).toMatchObject({ ok: true, status: 200 });
    for (const where of ['client', 'abroad'] as const) {
      const slow = await ttfb(where, 228, 'slow-ttfb.lab');
      expect(slow, where).toMatchObject({ ok: true, status: 200 });
      expect((slow.ttfbMs as number) - (slow.handshakeMs as number), where).toBeGreaterThanOrEqual(DELAY_MS);
    }
    await w.lab.revert();
  }, 60_000);

  it("shapes a transfer target's object far below what the control moves; a slow host sends it as slowly to everyone", async () => {
    await w.lab.apply([T.throttle('media.tput.lab', '1mbit'), T.slowTransfer('media.slowall.lab', 1_000_000)]);
    const shaped = await from('client', 'https', ip(225), 'media.tput.lab', OBJECT, w.ca);
    const control = await from('abroad', 'https', ip(225), 'media.tput.lab', OBJECT, w.ca);
    expect(shaped).toMatchObject({ ok: true, size: 262144 });
    expect(control).toMatchObject({ ok: true, size: 262144 });
    // Rates, not times: the shaped flow cannot beat its 1 Mbit/s class by much, and the control
    // moves it more than three times faster (blockwatch calls a third of the control throttled).
    expect(shaped.bitsPerSecond as number).toBeLessThan(2_000_000);
    expect(control.bitsPerSecond as number).toBeGreaterThan(3 * (shaped.bitsPerSecond as number));
    for (const where of ['client', 'abroad'] as const) {
      const slow = await from(where, 'https', ip(227), 'media.slowall.lab', OBJECT, w.ca);
      expect(slow, where).toMatchObject({ ok: true, size: 262144 });
      // Paced: no byte leaves the host before its time at 1 Mbit/s, so the object takes at least its bits at that rate.
      expect(slow.bitsPerSecond as number, where).toBeLessThanOrEqual(1_000_000);
    }
    await w.lab.revert();
  }, 90_000);

  it('drops every second new flow whole, and passes the others whole; the flaky server does the same to each path', async () => {
    // --mode nth, not random: the count of dropped flows is then exact, whatever the run.
    await w.lab.apply([...T.flowShareDrop(ip(229), 0.5, 'nth'), ...T.flowShareOutage(ip(230), 0.5, 'nth')]);
    const alternates = async (where: 'client' | 'abroad', n: number): Promise<void> => {
      const outs: Out[] = [];
      // A TLS handshake per flow: a passed flow carries every packet, a dropped one not even its SYN's retransmissions.
      for (let i = 0; i < 4; i++) outs.push(await handshake(where, n, 'example.com'));
      const ok = outs.map((o) => o.ok === true);
      expect(ok, `${where} ${n}: ${JSON.stringify(outs)}`).toEqual(ok[0] ? [true, false, true, false] : [false, true, false, true]);
      for (const o of outs.filter((x) => !x.ok)) expect(o, `${where} ${n}`).toMatchObject({ error: 'TIMEOUT', connectMs: null });
    };
    await alternates('client', 229);
    // The control's path does not cross the censor: every flow passes.
    for (let i = 0; i < 2; i++) expect(await handshake('abroad', 229, 'example.com')).toMatchObject({ ok: true });
    await alternates('client', 230);
    await alternates('abroad', 230);
    await w.lab.revert();
    for (const n of [229, 230]) for (let i = 0; i < 2; i++) expect(await handshake('client', n, 'example.com'), String(n)).toMatchObject({ ok: true });
  }, 120_000);

  it('holds a residual block on the address after a listed name, whatever the SNI, and lets it expire', async () => {
    const holdSeconds = 4;
    await w.lab.apply(T.residual(ip(231), 'residual.lab', holdSeconds));
    expect(await handshake('client', 231, 'example.com')).toMatchObject({ ok: true });
    const trigger = async () => {
      // Taken before the hello leaves: the hold starts when the box sees it, which is later than
      // this and earlier than the reset coming back, however long a busy machine takes to report it.
      const at = performance.now();
      expect(await handshake('client', 231, 'residual.lab')).toMatchObject({ ok: false, error: 'ECONNRESET' });
      // Right after: an innocuous name to the same address gets not even a TCP handshake.
      expect(await handshake('client', 231, 'example.com')).toMatchObject({ ok: false, error: 'TIMEOUT', connectMs: null });
      // The control's path does not cross the censor.
      expect(await handshake('abroad', 231, 'example.com')).toMatchObject({ ok: true });
      return at;
    };
    const heldAt = await trigger();
    // Expiry: the first handshake that completes does so no sooner than the hold after the trigger.
    let passedAt = 0;
    for (let i = 0; i < 10 && !passedAt; i++) if ((await handshake('client', 231, 'example.com')).ok) passedAt = performance.now();
    expect(passedAt).toBeGreaterThan(0);
    expect(passedAt - heldAt).toBeGreaterThanOrEqual(holdSeconds * 1000);
    // The name sets it again.
    await trigger();
    await w.lab.revert();
    expect(await handshake('client', 231, 'residual.lab')).toMatchObject({ ok: true });
  }, 120_000);

  it("cuts the probe host off the trusted resolver (DoH), then off the control vantage's resolver, leaving the ISP resolver", async () => {
    const doh = () => from('client', 'doh', `https://${A.TRUTHFUL_RESOLVER}/dns-query`, 'nxdoh.lab', w.ca);
    const udp = (server: string) => from('client', 'dns', server, 'nxdoh.lab');
    expect(await doh()).toMatchObject({ ok: true, rcode: 'NOERROR' });
    await w.lab.apply([T.controlResolverBlocked()]);
    expect(await doh()).toEqual({ ok: false, error: 'TIMEOUT' });
    expect(await udp(A.TRUTHFUL_RESOLVER)).toMatchObject({ ok: true });
    await w.lab.apply(T.controlVantageResolverBlocked());
    expect(await udp(A.TRUTHFUL_RESOLVER)).toEqual({ ok: false, replies: [] });
    expect(await udp(A.ISP_RESOLVER)).toMatchObject({ ok: true, replies: [{ rcode: 'NOERROR', answers: [ip(232)] }] });
    // The control's proxy resolves from its own namespace: it still reaches the servers.
    expect(await from('client', 'socks', A.PROXY, String(A.SOCKS_PORT), ip(232), '443')).toEqual({ ok: true, reply: 0 });
    await w.lab.revert();
    expect(await doh()).toMatchObject({ ok: true, rcode: 'NOERROR' });
    expect(await udp(A.TRUTHFUL_RESOLVER)).toMatchObject({ ok: true });
  }, 60_000);
});
