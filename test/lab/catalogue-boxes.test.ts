/** The scenarios and incidents of blocks that judge the client and of degree, as data: complete, twinned, and unable to disturb the other scenarios. */
import { describe, expect, it } from 'vitest';
import { ALL_SCENARIOS } from './all-scenarios.js';
import { T } from './censor.js';
import { CLIENT_DEGREE_INCIDENTS } from './incidents-client-degree.js';
import { profileJa4, resolveProfiles } from './hello-profiles.js';
import { INCIDENTS, incidentScenarios } from './incidents.js';
import { addressNumber, collisions } from './scenario-addresses.js';
import { CLIENT_PATTERNS, type ExpectedApp, type Scenario } from './scenario-types.js';
import { CLIENT_SCENARIOS } from './scenarios-client.js';
import { DEGREE_SCENARIOS, TRIALS } from './scenarios-degree.js';

const PACK = incidentScenarios(CLIENT_DEGREE_INCIDENTS);
const MINE: Scenario[] = [...CLIENT_SCENARIOS, ...DEGREE_SCENARIOS, ...PACK];
const EVERY: Scenario[] = [...new Set([...ALL_SCENARIOS, ...incidentScenarios(INCIDENTS), ...MINE])];

/** A scenario's expectation at a vantage and each of its alternatives. */
const alternatives = (e: ExpectedApp): Omit<ExpectedApp, 'or'>[] => [e, ...(e.or ?? [])];

describe('scenarios of blocks that judge the client and of degree', () => {
  it('have names, host names and addresses no other scenario or incident uses, in 198.18.1.213–249', () => {
    const names = EVERY.map((s) => s.name);
    const hosts = EVERY.flatMap((s) => Object.keys(s.hosts));
    const ips = EVERY.flatMap((s) => Object.values(s.hosts));
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
    expect(hosts.filter((n, i) => hosts.indexOf(n) !== i)).toEqual([]);
    expect(ips.filter((n, i) => ips.indexOf(n) !== i)).toEqual([]);
    for (const ip of MINE.flatMap((s) => Object.values(s.hosts))) {
      expect(ip).toMatch(/^198\.18\.1\.\d+$/);
      expect(addressNumber(ip) - addressNumber('198.18.1.0'), ip).toBeGreaterThanOrEqual(213);
      expect(addressNumber(ip) - addressNumber('198.18.1.0'), ip).toBeLessThanOrEqual(249);
    }
  });

  it("lets no censor rule or TLS box reach another scenario's address unless that scenario applies the same", () => {
    expect(collisions(EVERY)).toEqual([]);
  });

  it('puts every address a target names among its scenario hosts, so the checks above see it', () => {
    for (const s of MINE) {
      const ips = new Set(Object.values(s.hosts));
      for (const t of s.targets) {
        const host = t.kind === 'https' ? new URL(t.url).hostname : t.host;
        expect(ips.has(host) || host in s.hosts, `${s.name}/${t.id}: ${host}`).toBe(true);
      }
    }
  });

  it('states a verdict for every target in each expectation and alternative, with a pattern exactly when blocked or anomaly', () => {
    for (const s of MINE) {
      for (const e of Object.values(s.expect).flatMap(alternatives)) {
        expect(Object.keys(e.targets).sort(), s.name).toEqual(s.targets.map((t) => t.id).sort());
        for (const [status, pattern] of Object.values(e.targets)) {
          expect(pattern !== null, `${s.name}: ${status}/${pattern}`).toBe(status === 'blocked' || status === 'anomaly');
        }
      }
    }
  });

  it("expects each of DESIGN §13's patterns, and throttled on each basis, from the censored vantage", () => {
    const isp = MINE.flatMap((s) => alternatives(s.expect.isp));
    const patterns = new Set(isp.flatMap((e) => Object.values(e.targets).map(([, p]) => p)));
    expect(CLIENT_PATTERNS.filter((p) => !patterns.has(p))).toEqual([]);
    const bases = new Set(isp.flatMap((e) => Object.values(e.targets).map(([, p, d]) => (p === 'throttled' ? d?.basis : undefined))));
    expect(['handshake', 'ttfb', 'throughput'].filter((b) => !bases.has(b as never))).toEqual([]);
  });

  it('names the follow-up that decides each client-judging pattern', () => {
    const deciding: Record<string, string> = { 'tls.fingerprint': 'hello_swap', 'tls.ech_blocked': 'ech_swap', 'app.dpi': 'transport_swap' };
    for (const s of MINE) {
      for (const e of alternatives(s.expect.isp)) {
        for (const [id, [, pattern, detail]] of Object.entries(e.targets)) {
          if (pattern && pattern in deciding) expect(detail?.diagnosis, `${s.name}/${id}`).toBe(deciding[pattern]);
        }
      }
    }
  });

  it('gives each client-judging technique an outage twin that is down from both vantages, never blocked', () => {
    const twins = CLIENT_SCENARIOS.filter((s) => s.name.endsWith('-outage')).map((s) => s.name).sort();
    expect(twins).toEqual(['mtproto-outage', 'mtproto-reset-outage', 'tls-ech-outage', 'tls-fingerprint-outage']);
    for (const s of CLIENT_SCENARIOS.filter((x) => x.name.endsWith('-outage'))) {
      for (const e of Object.values(s.expect)) {
        expect(e.app, s.name).toBe('down');
        for (const [status] of Object.values(e.targets)) expect(status, s.name).toBe('down');
      }
      // The twin's fault sits at the server, where the control's path meets it too.
      for (const a of s.censor) expect(a.do === 'tls-box' || a.do === 'iptables' ? a.ns : a.do, s.name).toBe('servers');
    }
  });

  it('never expects throttled or blocked where the server is slow or flaky for everyone, nor where no control can resolve', () => {
    const fair = DEGREE_SCENARIOS.filter((s) => /^slow-|-outage$|^control-resolvers|^dns-gone$/.test(s.name));
    expect(fair.map((s) => s.name).sort()).toEqual(['control-resolvers-blocked', 'dns-gone', 'intermittent-outage', 'slow-response', 'slow-server', 'slow-transfer']);
    for (const s of fair) {
      for (const e of Object.values(s.expect).flatMap(alternatives)) {
        expect(e.app, s.name).not.toBe('blocked');
        for (const [status, pattern] of Object.values(e.targets)) {
          expect(status, s.name).not.toBe('blocked');
          expect(pattern, s.name).not.toBe('throttled');
        }
      }
    }
    // With no control left at all, anomaly; the DoH resolver alone blocked leaves the control vantage to confirm.
    expect(DEGREE_SCENARIOS.find((x) => x.name === 'control-resolvers-blocked')!.expect.isp.app).toBe('anomaly');
  });

  it('lets a residual block be named right or called inconclusive, never anything else', () => {
    const s = DEGREE_SCENARIOS.find((x) => x.name === 'residual')!;
    const named = alternatives(s.expect.isp).map((e) => e.targets.tls);
    expect(named).toEqual([
      ['blocked', 'tls.reset', { diagnosis: 'inconclusive' }],
      ['blocked', 'tls.sni_filter', { diagnosis: 'sni_swap' }],
    ]);
  });

  it('runs trials only exclusive or alone with a schedule, and expects the intermittent block strictly between none and all', () => {
    const withTrials = MINE.filter((s) => s.schedule?.trials);
    expect(withTrials.map((s) => s.name).sort()).toEqual(['intermittent', 'intermittent-outage']);
    const s = DEGREE_SCENARIOS.find((x) => x.name === 'intermittent')!;
    const [status, , detail] = s.expect.isp.targets.dc;
    expect(status).toBe('anomaly');
    // Its bad round is confirmed: one more trial at least, every attempt at most.
    const confirm = s.schedule!.confirm!;
    expect(confirm).toBeGreaterThan(0);
    expect(detail!.trials!.run).toEqual([TRIALS + 1, TRIALS + confirm]);
    expect(detail!.trials!.blocked).toEqual([1, TRIALS + confirm - 1]);
  });

  it("lists clients to the TLS box by profile, and the box's JA4 for each is that of a hello a target of the scenario sends", () => {
    for (const s of MINE) {
      const sent = new Set(s.targets.flatMap((t) => (t.kind === 'tls' && t.hello ? [profileJa4(t.ech ? { name: t.hello, ech: t.ech } : t.hello)] : [])));
      for (const a of s.censor) {
        if (a.do !== 'tls-box' || !a.rules.some((r) => r.match.profiles)) continue;
        for (const r of resolveProfiles(a.rules)) for (const j of r.match.ja4 ?? []) expect(sent.has(j), `${s.name}: ${j}`).toBe(true);
      }
    }
  });
});

describe('incidents of blocks that judge the client and of degree', () => {
  it('are the four of the issues, in the pack once each, each with a title, a date, an account, https sources and scenarios', () => {
    expect(CLIENT_DEGREE_INCIDENTS.map((i) => i.name)).toEqual(['russia-2026-telegram', 'russia-2024-ech', 'turkiye-2025-throttling', 'russia-2025-whatsapp']);
    for (const i of CLIENT_DEGREE_INCIDENTS) {
      expect(INCIDENTS.filter((x) => x.name === i.name).length, i.name).toBe(1);
      expect(i.name, i.name).toMatch(/^[a-z]+-\d{4}-[a-z]+$/);
      expect(i.date, i.name).toMatch(/^\d{4}(-\d{2}(-\d{2})?)?$/);
      expect(i.account.length, i.name).toBeGreaterThan(200);
      expect(i.sources.length, i.name).toBeGreaterThan(0);
      for (const src of i.sources) expect(src.url, i.name).toMatch(/^https:\/\/\S+$/);
      expect(i.scenarios.length, i.name).toBeGreaterThan(0);
    }
  });
});

describe('techniques of the TLS box, MTProto bytes, flow shares and residual holds, as rules', () => {
  it('marks a plain MTProto flow by its first payload bytes and drops the marked flow from the client', () => {
    const rules = T.mtprotoDrop('198.18.1.216').map((a) => (a.do === 'iptables' ? `${a.table} ${a.chain} ${a.rule.join(' ')}` : a.do));
    expect(rules).toEqual([
      'mangle FORWARD -d 198.18.1.216 -p tcp --dport 443 -m u32 --u32 0>>22&0x3C@12>>26&0x3C@0=0xEEEEEEEE -j CONNMARK --set-mark 0x3e',
      'mangle FORWARD -d 198.18.1.216 -p tcp --dport 443 -m u32 --u32 0>>22&0x3C@12>>26&0x3C@0=0xDDDDDDDD -j CONNMARK --set-mark 0x3e',
      'mangle FORWARD -d 198.18.1.216 -p tcp --dport 443 -m u32 --u32 0>>22&0x3C@12>>26&0x3C@0>>24=0xEF -j CONNMARK --set-mark 0x3e',
      'filter FORWARD -d 198.18.1.216 -p tcp --dport 443 -m connmark --mark 0x3e -j DROP',
    ]);
  });

  it("draws each flow once: statistic only on undecided flows, the rest marked passed, drawn flows' answers dropped", () => {
    const rules = T.flowShareDrop('198.18.1.229', 0.5, 'nth').map((a) => (a.do === 'iptables' ? `${a.table} ${a.chain} ${a.rule.join(' ')}` : a.do));
    expect(rules).toEqual([
      'mangle FORWARD -d 198.18.1.229 -m connmark --mark 0 -m statistic --mode nth --every 2 --packet 0 -j CONNMARK --set-mark 0x5d',
      'mangle FORWARD -d 198.18.1.229 -m connmark --mark 0 -j CONNMARK --set-mark 0x5e',
      'filter FORWARD -s 198.18.1.229 -m connmark --mark 0x5d -j DROP',
    ]);
    expect(() => T.flowShareDrop('198.18.1.229', 0.3, 'nth')).toThrow(/whole number/);
    expect(() => T.flowShareDrop('198.18.1.229', 0)).toThrow(/\(0, 1\]/);
  });

  it('checks the residual hold before the trigger, keyed on the destination', () => {
    const [hold, trigger] = T.residual('198.18.1.231', 'residual.lab', 25);
    expect(hold).toMatchObject({ ns: 'censor', chain: 'FORWARD', rule: ['-d', '198.18.1.231', '-p', 'tcp', '--dport', '443', '-m', 'recent', '--name', 'bwres-198-18-1-231', '--rcheck', '--rdest', '--seconds', '25', '-j', 'DROP'] });
    expect(trigger).toMatchObject({ rule: expect.arrayContaining(['--string', 'residual.lab', '--set', '--rdest', 'REJECT']) });
  });
});
