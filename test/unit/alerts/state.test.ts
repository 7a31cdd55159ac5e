/** The alert state machine: when alerts fire, update, repeat and resolve. */
import { describe, expect, it } from 'vitest';
import { AlertState } from '../../../src/alerts/state.js';
import type { Notification } from '../../../src/alerts/types.js';
import type { VantageState } from '../../../src/model/index.js';
import { telegram, verdict, whatsapp } from '../metrics/fixture.js';

const isp: VantageState = { id: 'isp', online: true, state: 'online', reason: null, control: false, labels: { country: 'RU' } };
const offline: VantageState = { ...isp, online: false, state: 'offline', reason: 'silent' };
const control: VantageState = { id: 'abroad', online: true, state: 'online', reason: null, control: true, labels: {} };
const walled: VantageState = {
  ...isp,
  state: 'walled',
  canaries: [
    { id: 'gosuslugi', scope: 'domestic', status: 'ok', failure: null, operation: null },
    { id: 'example', scope: 'foreign', status: 'failed', failure: 'generic_timeout_error', operation: 'connect' },
  ],
};
const t = (min: number) => new Date(Date.UTC(2024, 0, 1, 0, min));

const blocked = (pattern: 'tls.sni_filter' | 'dns.nxdomain' = 'tls.sni_filter') =>
  verdict(telegram, 'isp', 'blocked', { web: { status: 'blocked', pattern, failure: 'connection_reset', operation: 'tls_handshake' } });
const reachable = verdict(telegram, 'isp', 'reachable');
const down = verdict(telegram, 'isp', 'down', { web: { status: 'down', failure: 'generic_timeout_error', operation: 'connect' } });

const brief = (ns: Notification[]) => ns.map((n) => `${n.kind} ${n.alert.labels.alertname}${n.alert.labels.pattern ? ` ${n.alert.labels.pattern}` : ''}`);

describe('AlertState', () => {
  it('fires BlockwatchAppBlocked with the contract labels on a blocked status', () => {
    const s = new AlertState({ resolveAfter: 2, repeatMs: 3600_000 });
    const [n, ...rest] = s.observe(isp, [blocked()], t(0));
    expect(rest).toEqual([]);
    expect(n.kind).toBe('firing');
    expect(n.alert.labels).toEqual({
      alertname: 'BlockwatchAppBlocked', vantage: 'isp', app: 'telegram', status: 'blocked', pattern: 'tls.sni_filter', severity: 'critical',
    });
    expect(n.alert.startsAt).toEqual(t(0));
    expect(n.alert.endsAt).toBeNull();
    expect(n.alert.annotations.summary).toBe('telegram is blocked at isp (tls.sni_filter)');
    expect(n.alert.annotations.description).toContain('- web [https] https://web.telegram.org/: blocked (tls.sni_filter, connection_reset in tls_handshake)');
    expect(n.alert.annotations.description).toContain('vantage isp (country=RU)');
  });

  it('keeps firing without re-notifying while blocked, and resolves after resolveAfter good rounds in a row', () => {
    const s = new AlertState({ resolveAfter: 2, repeatMs: 3600_000 });
    expect(brief(s.observe(isp, [blocked()], t(0)))).toEqual(['firing BlockwatchAppBlocked tls.sni_filter']);
    expect(s.observe(isp, [blocked()], t(1))).toEqual([]);
    expect(s.observe(isp, [reachable], t(2))).toEqual([]);
    expect(s.observe(isp, [blocked()], t(3))).toEqual([]); // the run of good rounds starts over
    expect(s.observe(isp, [reachable], t(4))).toEqual([]);
    const ns = s.observe(isp, [verdict(telegram, 'isp', 'degraded')], t(5));
    expect(brief(ns)).toEqual(['resolved BlockwatchAppBlocked tls.sni_filter']);
    expect(ns[0].alert.endsAt).toEqual(t(5));
    expect(s.firing()).toEqual([]);
  });

  it('neither fires nor counts anomaly as good, and anomaly breaks the run; unknown holds it', () => {
    const s = new AlertState({ resolveAfter: 2, repeatMs: 3600_000 });
    expect(s.observe(isp, [verdict(telegram, 'isp', 'anomaly')], t(0))).toEqual([]);
    expect(s.observe(isp, [verdict(telegram, 'isp', 'unknown')], t(1))).toEqual([]);
    s.observe(isp, [blocked()], t(2));
    expect(s.observe(isp, [reachable], t(3))).toEqual([]);
    expect(s.observe(isp, [verdict(telegram, 'isp', 'anomaly')], t(4))).toEqual([]);
    expect(s.observe(isp, [reachable], t(5))).toEqual([]);
    expect(s.observe(isp, [verdict(telegram, 'isp', 'unknown')], t(6))).toEqual([]);
    expect(brief(s.observe(isp, [reachable], t(7)))).toEqual(['resolved BlockwatchAppBlocked tls.sni_filter']);
  });

  it('fires BlockwatchAppDown on down, with warning severity and no pattern', () => {
    const s = new AlertState({ resolveAfter: 1, repeatMs: 3600_000 });
    const [n] = s.observe(isp, [down], t(0));
    expect(n.alert.labels).toEqual({ alertname: 'BlockwatchAppDown', vantage: 'isp', app: 'telegram', status: 'down', severity: 'warning' });
    expect(n.alert.annotations.summary).toBe('telegram is down as seen from isp');
  });

  it('replaces the alert when blocked turns to down or the main pattern changes', () => {
    const s = new AlertState({ resolveAfter: 1, repeatMs: 3600_000 });
    s.observe(isp, [blocked('tls.sni_filter')], t(0));
    expect(brief(s.observe(isp, [blocked('dns.nxdomain')], t(1)))).toEqual([
      'resolved BlockwatchAppBlocked tls.sni_filter',
      'firing BlockwatchAppBlocked dns.nxdomain',
    ]);
    expect(brief(s.observe(isp, [down], t(2)))).toEqual(['resolved BlockwatchAppBlocked dns.nxdomain', 'firing BlockwatchAppDown']);
    expect(s.firing().map((a) => a.labels.alertname)).toEqual(['BlockwatchAppDown']);
  });

  it('never raises BlockwatchAppBlocked from a control vantage', () => {
    const s = new AlertState({ resolveAfter: 1, repeatMs: 3600_000 });
    const ns = s.observe(control, [{ ...blocked(), vantage: 'abroad' }], t(0));
    expect(brief(ns)).toEqual(['firing BlockwatchAppDown']);
    expect(ns[0].alert.labels.vantage).toBe('abroad');
  });

  it('raises one BlockwatchVantageOffline and suppresses the app alerts of an offline vantage', () => {
    const s = new AlertState({ resolveAfter: 2, repeatMs: 60_000 });
    s.observe(isp, [blocked()], t(0));
    const ns = s.observe(offline, [verdict(telegram, 'isp', 'unknown'), verdict(whatsapp, 'isp', 'blocked')], t(1));
    expect(ns.map((n) => n.alert.labels)).toEqual([
      { alertname: 'BlockwatchVantageOffline', vantage: 'isp', status: 'offline', reason: 'silent', severity: 'warning' },
    ]);
    expect(s.observe(offline, [verdict(whatsapp, 'isp', 'down')], t(2))).toEqual([]);
    // While offline the app alert neither resolves nor repeats; the offline alert repeats.
    expect(brief(s.tick(t(3)))).toEqual(['repeat BlockwatchVantageOffline']);
    expect(s.firing().map((a) => a.labels.alertname).sort()).toEqual(['BlockwatchAppBlocked', 'BlockwatchVantageOffline']);
    // Back online: the offline alert resolves after two online rounds; app verdicts count again at once.
    expect(s.observe(isp, [reachable], t(4))).toEqual([]);
    expect(brief(s.observe(isp, [reachable], t(5)))).toEqual(['resolved BlockwatchVantageOffline', 'resolved BlockwatchAppBlocked tls.sni_filter']);
  });

  it('raises BlockwatchVantageWalled with its canaries in the description, and alerts the apps of a walled vantage as usual', () => {
    const s = new AlertState({ resolveAfter: 2, repeatMs: 60_000 });
    const ns = s.observe(walled, [blocked(), verdict(whatsapp, 'isp', 'reachable')], t(0));
    expect(ns.map((n) => [n.kind, n.alert.labels])).toEqual([
      ['firing', { alertname: 'BlockwatchVantageWalled', vantage: 'isp', status: 'walled', severity: 'critical' }],
      ['firing', { alertname: 'BlockwatchAppBlocked', vantage: 'isp', app: 'telegram', status: 'blocked', pattern: 'tls.sni_filter', severity: 'critical' }],
    ]);
    expect(ns[0].alert.annotations.summary).toBe('vantage isp is walled in: only domestic destinations answer');
    expect(ns[0].alert.annotations.description).toContain('- canary gosuslugi [domestic]: answered\n- canary example [foreign]: failed (generic_timeout_error in connect)');
    // App alerts at a walled vantage repeat, and resolve, as anywhere.
    expect(brief(s.tick(t(1)))).toEqual(['repeat BlockwatchAppBlocked tls.sni_filter', 'repeat BlockwatchVantageWalled']);
    expect(s.observe(walled, [reachable], t(2))).toEqual([]);
    expect(brief(s.observe(walled, [reachable], t(3)))).toEqual(['resolved BlockwatchAppBlocked tls.sni_filter']);
    // Online again: the walled alert resolves after two online rounds.
    expect(s.observe(isp, [reachable], t(4))).toEqual([]);
    expect(brief(s.observe(isp, [reachable], t(5)))).toEqual(['resolved BlockwatchVantageWalled']);
  });

  it('resolves the walled alert and fires the offline one at once when a walled vantage goes silent, and back', () => {
    const s = new AlertState({ resolveAfter: 2, repeatMs: 60_000 });
    s.observe(walled, [], t(0));
    expect(brief(s.observe(offline, [], t(1)))).toEqual(['resolved BlockwatchVantageWalled', 'firing BlockwatchVantageOffline']);
    expect(brief(s.observe(walled, [], t(2)))).toEqual(['resolved BlockwatchVantageOffline', 'firing BlockwatchVantageWalled']);
    expect(s.firing().map((a) => a.labels.alertname)).toEqual(['BlockwatchVantageWalled']);
  });

  it('labels an offline vantage with its reason, and a new reason is a new alert', () => {
    const s = new AlertState({ resolveAfter: 1, repeatMs: 60_000 });
    const [shutdown] = s.observe({ ...offline, reason: 'shutdown' }, [], t(0));
    expect(shutdown.alert.labels).toEqual({ alertname: 'BlockwatchVantageOffline', vantage: 'isp', status: 'offline', reason: 'shutdown', severity: 'warning' });
    expect(shutdown.alert.annotations.summary).toBe('vantage isp is offline: nothing answers (shutdown)');
    // The same reason again only refreshes the annotations.
    expect(s.observe({ ...offline, reason: 'shutdown' }, [], t(1))).toEqual([]);
    const ns = s.observe({ ...offline, reason: 'link' }, [], t(2));
    expect(ns.map((n) => `${n.kind} ${n.alert.labels.reason}`)).toEqual(['resolved shutdown', 'firing link']);
    expect(ns[1].alert.annotations.summary).toBe("vantage isp is offline: this host's own link is down");
  });

  it('re-notifies a firing alert every repeatMs', () => {
    const s = new AlertState({ resolveAfter: 1, repeatMs: 10 * 60_000 });
    s.observe(isp, [blocked()], t(0));
    expect(s.tick(t(9))).toEqual([]);
    expect(brief(s.tick(t(10)))).toEqual(['repeat BlockwatchAppBlocked tls.sni_filter']);
    expect(s.tick(t(15))).toEqual([]);
    expect(brief(s.tick(t(20)))).toEqual(['repeat BlockwatchAppBlocked tls.sni_filter']);
  });

  it('says in the description which control agreed, from the diagnosis steps in the evidence', () => {
    const s = new AlertState({ resolveAfter: 1, repeatMs: 3600_000 });
    const v = verdict(telegram, 'isp', 'blocked', {
      web: {
        status: 'blocked', pattern: 'tls.sni_filter', failure: 'connection_reset', operation: 'tls_handshake',
        evidence: { diagnosis: [{ step: 'sni_swap', input: '149.154.167.99:443 sni=example.org', outcome: 'success', failure: null }] },
      },
    });
    const [n] = s.observe(isp, [v], t(0));
    expect(n.alert.annotations.description).toContain('Control:\n- web: sni_swap 149.154.167.99:443 sni=example.org succeeded');
  });

  it('keeps the alerts of apps and vantages apart', () => {
    const s = new AlertState({ resolveAfter: 1, repeatMs: 3600_000 });
    s.observe(isp, [blocked(), verdict(whatsapp, 'isp', 'down')], t(0));
    s.observe(control, [verdict(telegram, 'abroad', 'reachable')], t(0));
    expect(s.firing().map((a) => `${a.labels.vantage}/${a.labels.app}/${a.labels.alertname}`).sort()).toEqual([
      'isp/telegram/BlockwatchAppBlocked',
      'isp/whatsapp/BlockwatchAppDown',
    ]);
  });
});

describe('AlertState.retain', () => {
  it('resolves and forgets the alerts of vantages and apps no longer configured', () => {
    const s = new AlertState({ resolveAfter: 1, repeatMs: 3600_000 });
    s.observe(isp, [blocked(), verdict(whatsapp, 'isp', 'down')], t(0));
    s.observe({ ...control, online: false, state: 'offline', reason: 'link' }, [], t(0));
    const ns = s.retain(new Set(['isp']), new Set(['telegram']), t(1));
    expect(ns.map((n) => `${n.kind} ${n.alert.labels.vantage} ${n.alert.labels.alertname}`)).toEqual([
      'resolved isp BlockwatchAppDown',
      'resolved abroad BlockwatchVantageOffline',
    ]);
    expect(s.firing().map((a) => a.labels.app)).toEqual(['telegram']);
  });
});
