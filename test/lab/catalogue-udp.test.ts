/** The UDP-era scenarios and the incident pack as data: complete, self-contained, and unable to disturb the other scenarios. */
import { describe, expect, it } from 'vitest';
import type { Pattern } from '../../src/model/index.js';
import { INCIDENTS, incidentScenarios } from './incidents.js';
import { peerAddresses } from './peers.js';
import { ALL_SCENARIOS } from './all-scenarios.js';
import { SCENARIOS } from './scenarios.js';
import { UDP_SCENARIOS } from './scenarios-udp.js';
import { collisions } from './scenario-addresses.js';
import type { Scenario } from './scenario-types.js';

// A scenario can be both in the catalogue and an incident (the allowlists): counted once.
const ALL: Scenario[] = [...new Set([...ALL_SCENARIOS, ...incidentScenarios()])];
const NEW: Scenario[] = [...UDP_SCENARIOS, ...incidentScenarios()];

describe('UDP-era scenarios and incident pack', () => {
  it('names every scenario once across SCENARIOS, UDP_SCENARIOS and the incidents', () => {
    const names = ALL.map((s) => s.name);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });

  it('gives each scenario names and addresses no other scenario uses, all in the servers prefix', () => {
    const names = ALL.flatMap((s) => Object.keys(s.hosts));
    const ips = ALL.flatMap((s) => Object.values(s.hosts));
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
    expect(ips.filter((n, i) => ips.indexOf(n) !== i)).toEqual([]);
    for (const ip of NEW.flatMap((s) => Object.values(s.hosts))) expect(ip).toMatch(/^198\.18\.1\.\d+$/);
  });

  it("lets a censor rule reach another scenario's address only when that scenario applies the same rule", () => {
    expect(collisions(ALL)).toEqual([]);
  });

  it('states a verdict for every target, with a pattern exactly when blocked or anomaly', () => {
    for (const s of NEW) {
      for (const e of Object.values(s.expect)) {
        expect(Object.keys(e.targets).sort(), s.name).toEqual(s.targets.map((t) => t.id).sort());
        for (const [status, pattern] of Object.values(e.targets)) {
          expect(pattern !== null, `${s.name}: ${status}/${pattern}`).toBe(status === 'blocked' || status === 'anomaly');
        }
      }
    }
  });

  it('expects each of the UDP era patterns in a UDP scenario', () => {
    const seen = new Set(UDP_SCENARIOS.flatMap((s) => Object.values(s.expect).flatMap((e) => Object.values(e.targets).map(([, p]) => p))));
    const wanted: Pattern[] = ['udp.timeout', 'udp.refused', 'quic.timeout', 'quic.sni_filter', 'tls.freeze'];
    expect(wanted.filter((p) => !seen.has(p))).toEqual([]);
  });

  it('gives each UDP-era technique an outage twin that is down from both vantages, never blocked', () => {
    const twins = UDP_SCENARIOS.filter((s) => s.name.endsWith('-outage')).map((s) => s.name).sort();
    expect(twins).toEqual(['freeze-outage', 'quic-outage', 'udp-outage']);
    for (const s of NEW.filter((x) => x.expect.abroad.app === 'down')) {
      expect(s.expect.isp.app, s.name).toBe('down');
      for (const e of Object.values(s.expect)) for (const [status] of Object.values(e.targets)) expect(status, s.name).toBe('down');
    }
  });

  it('starts coturn on every udp target address and caddy on every quic target address', () => {
    const peers = peerAddresses(NEW);
    expect(peers.stun.sort()).toEqual(['198.18.1.100', '198.18.1.101', '198.18.1.102', '198.18.1.162', '198.18.1.166', '198.18.1.167']);
    expect(peers.quic.sort()).toEqual(['198.18.1.103', '198.18.1.104', '198.18.1.105', '198.18.1.106']);
    expect(peerAddresses(SCENARIOS)).toEqual({ stun: [], quic: [], mtproto: [] });
  });

  it('refuses a peer the lab cannot give: a STUN port other than 3478, a host the scenario does not declare', () => {
    const base = UDP_SCENARIOS[0];
    expect(() => peerAddresses([{ ...base, targets: [{ id: 'r', kind: 'udp', host: 'relay.udpdrop.lab', port: 19302 }] }])).toThrow(/3478/);
    expect(() => peerAddresses([{ ...base, targets: [{ id: 'r', kind: 'quic', host: 'nowhere.lab', port: 443 }] }])).toThrow(/not one of its hosts/);
  });
});

describe('incident pack', () => {
  it('has the incidents of the issues (calls and freezes; allowlists; clients judged; degree), each named once', () => {
    expect(INCIDENTS.map((i) => i.name)).toEqual([
      'russia-2017-wechat', 'russia-2018-telegram', 'russia-2021-twitter', 'russia-2024-freeze', 'russia-2025-calls', 'russia-2025-allowlists', 'facebook-2021-dns',
      'russia-2026-telegram', 'russia-2024-ech', 'turkiye-2025-throttling', 'russia-2025-whatsapp',
    ]);
  });

  it('gives each incident a title, a date, an account, https sources and at least one scenario', () => {
    for (const i of INCIDENTS) {
      expect(i.name, i.name).toMatch(/^[a-z]+-\d{4}-[a-z]+$/);
      expect(i.title.length, i.name).toBeGreaterThan(10);
      expect(i.date, i.name).toMatch(/^\d{4}(-\d{2}(-\d{2})?)?$/);
      expect(i.account.length, i.name).toBeGreaterThan(200);
      expect(i.sources.length, i.name).toBeGreaterThan(0);
      for (const src of i.sources) expect(src.url, i.name).toMatch(/^https:\/\/\S+$/);
      expect(i.scenarios.length, i.name).toBeGreaterThan(0);
    }
  });

  it('replays the 2025 call restrictions as degraded apps whose non-essential call group is blocked and chat ok', () => {
    for (const s of INCIDENTS.find((i) => i.name === 'russia-2025-calls')!.scenarios) {
      expect(s.groups?.calls, s.name).toEqual({ essential: false });
      expect(s.expect.isp.app, s.name).toBe('degraded');
      const calls = s.targets.filter((t) => t.group === 'calls').map((t) => t.id);
      expect(calls.length, s.name).toBeGreaterThan(0);
      for (const [id, [status, pattern]] of Object.entries(s.expect.isp.targets)) {
        if (calls.includes(id)) expect([status, pattern], `${s.name}/${id}`).toEqual(['blocked', 'udp.timeout']);
        else expect(status, `${s.name}/${id}`).toBe('ok');
      }
    }
  });

  it('replays the Facebook outage as down from both vantages, never blocked', () => {
    for (const s of INCIDENTS.find((i) => i.name === 'facebook-2021-dns')!.scenarios) {
      for (const e of Object.values(s.expect)) {
        expect(e.app, s.name).toBe('down');
        expect(Object.values(e.targets).every(([status]) => status === 'down'), s.name).toBe(true);
      }
    }
  });
});
