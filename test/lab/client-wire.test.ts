/** The boxes that judge the client, without blockwatch: the TLS box by JA4 and by ECH with its outer name, MTProto's first bytes against the lab's MTProto peer, and their outage twins, on real sockets; all revert. */
import { describe, expect, it } from 'vitest';
import { ANY_PAYLOAD, ECH_PUBLIC_NAME, T, type CensorAction } from './censor.js';
import { counter } from './counters.js';
import { captureNodeHello, startsWithServerHello } from './hello-capture.js';
import { profileHello, profileJa4 } from './hello-profiles.js';
import { CLIENT_SCENARIOS } from './scenarios-client.js';
import { isRoot } from './sh.js';
import { useWireLab } from './wire-lab.js';

const canRun = isRoot() || Boolean(process.env.CI);
if (!canRun) console.warn('censorship lab skipped: it needs root (network namespaces, iptables); run `sudo npm test` or set CI=true to make it mandatory');

const ip = (n: number) => `198.18.1.${n}`;

/** The intermediate transport's first bytes (core.telegram.org/mtproto/mtproto-transports) and a 40-byte packet. */
const INTERMEDIATE = `eeeeeeee28000000${'00'.repeat(40)}`;
/** Random-looking bytes, as an obfuscated2 header is, avoiding every start a client must redraw. */
const RANDOM_LOOKING = `5a17c3e9${'9c'.repeat(60)}`;

describe.skipIf(!canRun)('censorship lab: the TLS box and the MTProto boxes on the wire', () => {
  const w = useWireLab(CLIENT_SCENARIOS);
  const from = w.from;
  const handshake = (where: 'client' | 'abroad', n: number, sni: string, options: object = {}) =>
    from(where, 'handshake', ip(n), '443', sni, w.ca, JSON.stringify(options));
  const send = (where: 'client' | 'abroad', n: number, hex: string, hex2 = '') => from(where, 'send', ip(n), '443', hex, hex2, '1500');
  /** A rule that counts segments with application bytes reaching the server's address (raw PREROUTING, first of all). */
  const arrivals = (n: number): CensorAction => ({ do: 'iptables', ns: 'servers', table: 'raw', chain: 'PREROUTING', rule: ['-d', ip(n), '-p', 'tcp', '--dport', '443', ...ANY_PAYLOAD] });
  const arrived = (n: number) => counter(w.lab.ns.servers, 'raw', 'PREROUTING', (l) => l.includes(ip(n)) && l.includes('u32'));

  it('resets a node:tls client whose JA4 is listed and lets another client through to the same address and SNI, and reverts', async () => {
    // Up to TLS 1.3, or 1.2 only: two ClientHellos of one client, two JA4s.
    const listed = await captureNodeHello({ servername: 'fp-reset.lab' });
    const other = await captureNodeHello({ servername: 'fp-reset.lab', maxVersion: 'TLSv1.2' });
    expect(other.ja4).not.toBe(listed.ja4);
    await w.lab.apply([{ do: 'tls-box', ns: 'censor', ip: ip(213), rules: [{ match: { ja4: [listed.ja4] }, action: 'reset' }] }]);
    expect(await handshake('client', 213, 'fp-reset.lab')).toMatchObject({ ok: false, error: 'ECONNRESET' });
    expect(await handshake('client', 213, 'fp-reset.lab', { maxVersion: 'TLSv1.2' })).toMatchObject({ ok: true });
    // The box read each hello and computed its JA4 itself.
    const seen = (await w.lab.tlsBoxStats())[ip(213)];
    expect(seen.recent.map((r) => [r.sni, r.ja4, r.action])).toEqual([['fp-reset.lab', listed.ja4, 'reset'], ['fp-reset.lab', other.ja4, 'pass']]);
    expect(seen).toMatchObject({ flows: 2, reset: 1, passed: 1 });
    // The control's path does not cross the censor.
    expect(await handshake('abroad', 213, 'fp-reset.lab')).toMatchObject({ ok: true });
    await w.lab.revert();
    expect(await w.lab.tlsBoxStats()).toEqual({});
    expect(await handshake('client', 213, 'fp-reset.lab')).toMatchObject({ ok: true });
  });

  it('drops a listed JA4 silently: TCP connects, the ClientHello gets no answer', async () => {
    const listed = await captureNodeHello({ servername: 'fp-drop.lab' });
    await w.lab.apply([{ do: 'tls-box', ns: 'censor', ip: ip(214), rules: [{ match: { ja4: [listed.ja4] }, action: 'drop' }] }]);
    expect(await handshake('client', 214, 'fp-drop.lab')).toMatchObject({ ok: false, error: 'TIMEOUT', connectMs: expect.any(Number) });
    expect((await w.lab.tlsBoxStats())[ip(214)]).toMatchObject({ flows: 1, dropped: 1 });
    await w.lab.revert();
    expect(await handshake('client', 214, 'fp-drop.lab')).toMatchObject({ ok: true });
  });

  it("resets the hand-written hello of a listed profile (by the JA4 the lab looks up) and answers another profile's", async () => {
    await w.lab.apply([T.helloReset(ip(213), ['telegram-desktop'])]);
    const hex = (name: string) => profileHello(name, 'fp-reset.lab').toString('hex');
    expect(await send('client', 213, hex('telegram-desktop'))).toMatchObject({ connected: true, ok: false, error: 'ECONNRESET' });
    const chromium = await send('client', 213, hex('chromium'));
    expect(startsWithServerHello(chromium.reply as string), JSON.stringify(chromium)).toBe(true);
    expect((await w.lab.tlsBoxStats())[ip(213)].recent.map((r) => [r.ja4, r.action])).toEqual([
      [profileJa4('telegram-desktop'), 'reset'], [profileJa4('chromium'), 'pass'],
    ]);
    const control = await send('abroad', 213, hex('telegram-desktop'));
    expect(startsWithServerHello(control.reply as string), JSON.stringify(control)).toBe(true);
    await w.lab.revert();
  }, 60_000);

  it(`drops a ClientHello with ECH and the outer name ${ECH_PUBLIC_NAME}, and passes either element alone`, async () => {
    const chromium = (sni: string, ech: 'grease' | 'none') => profileHello({ name: 'chromium', ech }, sni).toString('hex');
    await w.lab.apply([T.echDrop(ip(215))]);
    expect(await send('client', 215, chromium(ECH_PUBLIC_NAME, 'grease'))).toMatchObject({ connected: true, ok: false, error: 'TIMEOUT', replyBytes: 0 });
    const nameOnly = await send('client', 215, chromium(ECH_PUBLIC_NAME, 'none'));
    expect(startsWithServerHello(nameOnly.reply as string), JSON.stringify(nameOnly)).toBe(true);
    const echOnly = await send('client', 215, chromium('ech.lab', 'grease'));
    expect(startsWithServerHello(echOnly.reply as string), JSON.stringify(echOnly)).toBe(true);
    expect((await w.lab.tlsBoxStats())[ip(215)].recent.map((r) => [r.sni, r.ech, r.action])).toEqual([
      [ECH_PUBLIC_NAME, true, 'drop'], [ECH_PUBLIC_NAME, false, 'pass'], ['ech.lab', true, 'pass'],
    ]);
    const control = await send('abroad', 215, chromium(ECH_PUBLIC_NAME, 'grease'));
    expect(startsWithServerHello(control.reply as string), JSON.stringify(control)).toBe(true);
    await w.lab.revert();
    const after = await send('client', 215, chromium(ECH_PUBLIC_NAME, 'grease'));
    expect(startsWithServerHello(after.reply as string), JSON.stringify(after)).toBe(true);
  }, 60_000);

  it("drops a flow once MTProto's intermediate or abridged bytes appear, the rest of it too, while obfuscated2 is answered", async () => {
    await w.lab.apply([arrivals(216), ...T.mtprotoDrop(ip(216))]);
    const mtproto = (where: 'client' | 'abroad', transport: string) => from(where, 'mtproto', ip(216), '443', transport);
    // TCP connects; req_pq_multi, and a later segment on the same flow, never reach the data centre.
    expect(await mtproto('client', 'intermediate')).toMatchObject({ ok: false, connected: true, failure: 'generic_timeout_error', received: 0 });
    expect(await mtproto('client', 'abridged')).toMatchObject({ ok: false, connected: true, failure: 'generic_timeout_error', received: 0 });
    expect(await send('client', 216, INTERMEDIATE, RANDOM_LOOKING)).toMatchObject({ connected: true, ok: false, error: 'TIMEOUT' });
    expect(await arrived(216)).toBe(0);
    // obfuscated2 looks random: it passes, and the peer answers with a resPQ.
    expect(await mtproto('client', 'obfuscated2')).toMatchObject({ ok: true, response: 'res_pq', failure: null });
    expect(await arrived(216)).toBeGreaterThan(0);
    // The control's path does not cross the censor.
    expect(await mtproto('abroad', 'intermediate')).toMatchObject({ ok: true, response: 'res_pq' });
    await w.lab.revert();
    expect(await mtproto('client', 'intermediate')).toMatchObject({ ok: true, response: 'res_pq' });
  }, 60_000);

  it('drops or resets any flow at its first application bytes, whatever the transport', async () => {
    await w.lab.apply([arrivals(217), ...T.appDataDrop(ip(217)), ...T.appDataReset(ip(218))]);
    expect(await from('client', 'mtproto', ip(217), '443', 'obfuscated2')).toMatchObject({ ok: false, connected: true, failure: 'generic_timeout_error' });
    expect(await arrived(217)).toBe(0);
    expect(await from('client', 'mtproto', ip(218), '443', 'obfuscated2')).toMatchObject({ ok: false, connected: true, failure: 'connection_reset' });
    expect(await from('abroad', 'mtproto', ip(217), '443', 'intermediate')).toMatchObject({ ok: true });
    await w.lab.revert();
    for (const n of [217, 218]) expect(await from('client', 'mtproto', ip(n), '443', 'obfuscated2'), String(n)).toMatchObject({ ok: true });
  }, 60_000);

  it('fails each outage twin for everyone, the control path included, and reverts', async () => {
    await w.lab.apply([T.tlsResetOutage(ip(219)), T.tlsSilentOutage(ip(220)), T.appSilentOutage(ip(221)), T.appResetOutage(ip(222))]);
    for (const where of ['client', 'abroad'] as const) {
      expect(await handshake(where, 219, 'fp-down.lab'), where).toMatchObject({ ok: false, error: 'ECONNRESET' });
      expect(await handshake(where, 220, 'ech-down.lab'), where).toMatchObject({ ok: false, error: 'TIMEOUT', connectMs: expect.any(Number) });
      expect(await from(where, 'mtproto', ip(221), '443', 'intermediate'), where).toMatchObject({ connected: true, ok: false, failure: 'generic_timeout_error' });
      expect(await from(where, 'mtproto', ip(222), '443', 'intermediate'), where).toMatchObject({ connected: true, ok: false, failure: 'connection_reset' });
    }
    // The servers' own box, not the censor's, did it.
    expect(await w.lab.tlsBoxStats('censor')).toEqual({});
    expect(Object.keys(await w.lab.tlsBoxStats('servers')).sort()).toEqual([ip(219), ip(220)]);
    await w.lab.revert();
    for (const where of ['client', 'abroad'] as const) {
      expect(await handshake(where, 219, 'fp-down.lab'), where).toMatchObject({ ok: true });
      expect(await handshake(where, 220, 'ech-down.lab'), where).toMatchObject({ ok: true });
      for (const n of [221, 222]) expect(await from(where, 'mtproto', ip(n), '443', 'intermediate'), `${where} ${n}`).toMatchObject({ ok: true });
    }
  }, 90_000);
});
