/** Metrics: exact series and values in the real exposition text. */
import { describe, expect, it } from 'vitest';
import { Metrics } from '../../../src/metrics/index.js';
import { APP_STATUSES, OFFLINE_REASONS, VANTAGE_STATES } from '../../../src/model/index.js';
import { app, config, telegram, vantage, verdict, whatsapp } from './fixture.js';
import { ofMetric, parseExposition, seriesKey as k } from '../../support/exposition.js';

async function scrape(m: Metrics): Promise<Map<string, number>> {
  return parseExposition(await m.render());
}

function configured(over = {}) {
  const m = new Metrics({ version: '1.2.3', defaultMetrics: false });
  m.configure(config(over));
  return m;
}

describe('Metrics', () => {
  it('pre-creates all six app statuses per vantage and app, unknown=1 before any round', async () => {
    const s = ofMetric(await scrape(configured()), 'blockwatch_app_status');
    expect(s.size).toBe(2 * 2 * 6);
    for (const status of APP_STATUSES) {
      expect(s.get(k('blockwatch_app_status', { vantage: 'isp', app: 'telegram', status }))).toBe(status === 'unknown' ? 1 : 0);
    }
  });

  it('sets exactly one app status to 1 and reachable for reachable and degraded', async () => {
    const m = configured();
    m.recordApp(verdict(telegram, 'isp', 'blocked'));
    m.recordApp(verdict(whatsapp, 'isp', 'degraded'));
    const s = await scrape(m);
    for (const status of APP_STATUSES) {
      expect(s.get(k('blockwatch_app_status', { vantage: 'isp', app: 'telegram', status }))).toBe(status === 'blocked' ? 1 : 0);
    }
    expect(s.get(k('blockwatch_app_reachable', { vantage: 'isp', app: 'telegram' }))).toBe(0);
    expect(s.get(k('blockwatch_app_reachable', { vantage: 'isp', app: 'whatsapp' }))).toBe(1);
  });

  it('exports target_blocked only while blocked, and moves it when the pattern changes', async () => {
    const m = configured();
    const labels = { vantage: 'isp', app: 'telegram', target: 'web', kind: 'https' };
    m.recordApp(verdict(telegram, 'isp', 'blocked', { web: { status: 'blocked', pattern: 'tls.sni_filter' } }));
    let s = await scrape(m);
    expect(ofMetric(s, 'blockwatch_target_blocked')).toEqual(new Map([[k('blockwatch_target_blocked', { ...labels, pattern: 'tls.sni_filter' }), 1]]));
    expect(s.get(k('blockwatch_target_success', labels))).toBe(0);
    expect(s.get(k('blockwatch_target_success', { ...labels, target: 'dns', kind: 'dns' }))).toBe(1);

    m.recordApp(verdict(telegram, 'isp', 'blocked', { web: { status: 'blocked', pattern: 'dns.nxdomain' } }));
    s = await scrape(m);
    expect(ofMetric(s, 'blockwatch_target_blocked')).toEqual(new Map([[k('blockwatch_target_blocked', { ...labels, pattern: 'dns.nxdomain' }), 1]]));

    m.recordApp(verdict(telegram, 'isp', 'anomaly', { web: { status: 'anomaly', pattern: 'dns.nxdomain' } }));
    s = await scrape(m);
    expect(ofMetric(s, 'blockwatch_target_blocked').size).toBe(0);
    expect(s.get(k('blockwatch_target_success', labels))).toBe(0);
  });

  it('gives each target the share of its trials blocked over the last 15 minutes, leaving unknown trials out', async () => {
    const m = configured();
    const ratio = async () => (await scrape(m)).get(k('blockwatch_target_blocked_ratio', { vantage: 'isp', app: 'telegram', target: 'web' }));
    const t0 = Date.parse('2026-04-01T10:00:00Z');
    const at = (min: number) => new Date(t0 + min * 60_000);
    expect(await ratio()).toBe(0);
    m.recordApp(verdict(telegram, 'isp', 'blocked', { web: { status: 'blocked', pattern: 'tls.reset', trials: { run: 3, blocked: 3 } } }), at(0));
    expect(await ratio()).toBe(1);
    m.recordApp(verdict(telegram, 'isp', 'anomaly', { web: { status: 'anomaly', pattern: 'tls.reset', trials: { run: 3, blocked: 1 } } }), at(5));
    expect(await ratio()).toBeCloseTo(4 / 6);
    m.recordApp(verdict(telegram, 'isp', 'unknown', { web: { status: 'unknown', trials: { run: 1, blocked: 0 } } }), at(10));
    expect(await ratio()).toBeCloseTo(4 / 6);
    // The first round leaves the window 15 minutes after it.
    m.recordApp(verdict(telegram, 'isp', 'reachable', { web: { trials: { run: 2, blocked: 0 } } }), at(16));
    expect(await ratio()).toBeCloseTo(1 / 5);
    expect(ofMetric(await scrape(m), 'blockwatch_target_blocked_ratio').size).toBe(2 * 4);
  });

  it('carries kind mtproto with its own phases: dns, connect, ttfb (req_pq_multi to its answer) and total, no tls', async () => {
    const tg = app('telegram', [{ id: 'dc2', kind: 'mtproto', host: '149.154.167.51', port: 443, transport: 'obfuscated2' }]);
    const m = configured({ apps: [tg] });
    m.recordProbe('isp', 'telegram', 'mtproto', 'ok', { connect: 0.02, ttfb: 0.05, total: 0.08 });
    const s = await scrape(m);
    const base = { vantage: 'isp', app: 'telegram', kind: 'mtproto' };
    for (const phase of ['dns', 'connect', 'ttfb', 'total']) expect(s.has(k('blockwatch_probe_duration_seconds_count', { ...base, phase })), phase).toBe(true);
    expect(s.has(k('blockwatch_probe_duration_seconds_count', { ...base, phase: 'tls' }))).toBe(false);
    expect(s.get(k('blockwatch_probe_duration_seconds_count', { ...base, phase: 'ttfb' }))).toBe(1);
    expect(s.get(k('blockwatch_probes_total', { ...base, status: 'ok' }))).toBe(1);
    expect(s.get(k('blockwatch_target_success', { vantage: 'isp', app: 'telegram', target: 'dc2', kind: 'mtproto' }))).toBe(0);
  });

  it('counts probes by status and observes only the phases present', async () => {
    const m = configured();
    m.recordProbe('isp', 'telegram', 'https', 'ok', { dns: 0.003, connect: 0.02, tls: 0.04, ttfb: 0.2, total: 0.3 });
    m.recordProbe('isp', 'telegram', 'https', 'blocked', { dns: 0.003, total: 12 });
    const s = await scrape(m);
    const base = { vantage: 'isp', app: 'telegram', kind: 'https' };
    expect(s.get(k('blockwatch_probes_total', { ...base, status: 'ok' }))).toBe(1);
    expect(s.get(k('blockwatch_probes_total', { ...base, status: 'blocked' }))).toBe(1);
    expect(s.get(k('blockwatch_probes_total', { ...base, status: 'down' }))).toBe(0);
    expect(s.get(k('blockwatch_probe_duration_seconds_count', { ...base, phase: 'dns' }))).toBe(2);
    expect(s.get(k('blockwatch_probe_duration_seconds_count', { ...base, phase: 'tls' }))).toBe(1);
    expect(s.get(k('blockwatch_probe_duration_seconds_count', { ...base, phase: 'total' }))).toBe(2);
    expect(s.get(k('blockwatch_probe_duration_seconds_sum', { ...base, phase: 'total' }))).toBeCloseTo(12.3, 9);
    expect(s.get(k('blockwatch_probe_duration_seconds_bucket', { ...base, phase: 'total', le: '0.5' }))).toBe(1);
    expect(s.get(k('blockwatch_probe_duration_seconds_bucket', { ...base, phase: 'total', le: '20' }))).toBe(2);
    // A dns target reaches only the dns and total phases: no tls series exists for it.
    expect(s.has(k('blockwatch_probe_duration_seconds_count', { vantage: 'isp', app: 'telegram', kind: 'dns', phase: 'total' }))).toBe(true);
    expect(s.has(k('blockwatch_probe_duration_seconds_count', { vantage: 'isp', app: 'telegram', kind: 'dns', phase: 'tls' }))).toBe(false);
  });

  it('ignores records that name anything not configured, so labels stay bounded', async () => {
    const m = configured();
    const before = await m.render();
    expect(m.recordProbe('isp', 'https://evil.example/', 'https', 'ok', { total: 1 })).toBe(false);
    expect(m.recordApp(verdict(app('nope', [{ id: 'x', kind: 'dns', host: 'x.org' }]), 'isp', 'blocked'))).toBe(false);
    expect(m.recordVantage({ id: 'ghost', online: true, state: 'online', reason: null, control: false, labels: {} })).toBe(false);
    expect(m.alertSent('ghost', 'success')).toBe(false);
    expect(await m.render()).toBe(before);
  });

  it('exports vantage_info with the union of sanitized labels, empty where absent', async () => {
    const m = configured({
      vantages: [vantage('isp', { labels: { country: 'RU', 'isp-name': 'Rostelecom', '1st': 'x' } }), vantage('abroad', { control: true, labels: { country: 'DE' } })],
    });
    const s = ofMetric(await scrape(m), 'blockwatch_vantage_info');
    expect(s).toEqual(
      new Map([
        [k('blockwatch_vantage_info', { vantage: 'isp', control: 'false', country: 'RU', isp_name: 'Rostelecom', _1st: 'x' }), 1],
        [k('blockwatch_vantage_info', { vantage: 'abroad', control: 'true', country: 'DE', isp_name: '', _1st: '' }), 1],
      ]),
    );
  });

  it('on reload removes the series of vantages, apps and targets no longer configured and keeps the rest', async () => {
    const m = configured({ alerts: { ...config().alerts, receivers: [{ name: 'ops', type: 'webhook', url: 'http://127.0.0.1:1/', headers: {}, timeoutMs: 1000 }] } });
    m.recordApp(verdict(telegram, 'isp', 'blocked', { web: { status: 'blocked', pattern: 'tls.reset' } }));
    m.recordVantage({ id: 'abroad', online: true, state: 'online', reason: null, control: true, labels: {} });
    m.roundDone('abroad', new Date(1_700_000_000_000));
    m.alertSent('ops', 'failure');
    const smaller = app('telegram', [telegram.targets[1]]);
    m.configure(config({ apps: [smaller], vantages: [vantage('isp')] }));
    const s = await scrape(m);
    const text = [...s.keys()].join('\n');
    expect(text).not.toContain('abroad');
    expect(text).not.toContain('whatsapp');
    expect(text).not.toContain('receiver="ops"');
    expect(ofMetric(s, 'blockwatch_target_blocked').size).toBe(0);
    expect(ofMetric(s, 'blockwatch_target_success')).toEqual(
      new Map([[k('blockwatch_target_success', { vantage: 'isp', app: 'telegram', target: 'dc2', kind: 'tcp' }), 1]]),
    );
    // Kept series keep their values across the reload.
    expect(s.get(k('blockwatch_app_status', { vantage: 'isp', app: 'telegram', status: 'blocked' }))).toBe(1);
    expect(ofMetric(s, 'blockwatch_vantage_info')).toEqual(new Map([[k('blockwatch_vantage_info', { vantage: 'isp', control: 'false' }), 1]]));
  });

  it('exports vantage, round, alert, reload and build series with their values', async () => {
    const m = configured({ alerts: { ...config().alerts, receivers: [{ name: 'ops', type: 'webhook', url: 'http://127.0.0.1:1/', headers: {}, timeoutMs: 1000 }] } });
    m.recordVantage({ id: 'isp', online: true, state: 'online', reason: null, control: false, labels: {} });
    m.roundDone('isp', new Date(1_700_000_000_500));
    m.alertSent('ops', 'success');
    m.alertSent('ops', 'failure');
    m.alertSent('ops', 'failure');
    m.alertDropped('ops', 'queue_full');
    expect(m.alertDropped('unconfigured', 'queue_full')).toBe(false);
    m.configReload(false);
    m.roundSkipped();
    const s = await scrape(m);
    expect(s.get(k('blockwatch_vantage_online', { vantage: 'isp' }))).toBe(1);
    expect(s.get(k('blockwatch_vantage_online', { vantage: 'abroad' }))).toBe(0);
    expect(s.get(k('blockwatch_round_timestamp_seconds', { vantage: 'isp' }))).toBe(1_700_000_000.5);
    expect(s.has(k('blockwatch_round_timestamp_seconds', { vantage: 'abroad' }))).toBe(false);
    expect(s.get(k('blockwatch_alerts_sent_total', { receiver: 'ops', result: 'success' }))).toBe(1);
    expect(s.get(k('blockwatch_alerts_sent_total', { receiver: 'ops', result: 'failure' }))).toBe(2);
    // Both reasons exist from the start; only the one that happened counts.
    expect(s.get(k('blockwatch_alerts_dropped_total', { receiver: 'ops', reason: 'queue_full' }))).toBe(1);
    expect(s.get(k('blockwatch_alerts_dropped_total', { receiver: 'ops', reason: 'rejected' }))).toBe(0);
    expect(ofMetric(s, 'blockwatch_alerts_dropped_total').size).toBe(2);
    expect(s.get('blockwatch_config_last_reload_successful')).toBe(0);
    expect(s.get('blockwatch_rounds_skipped_total')).toBe(1);
    expect(s.get(k('blockwatch_build_info', { version: '1.2.3', nodejs: process.version }))).toBe(1);
  });

  it('pre-creates every vantage state and offline reason at 0 before any round', async () => {
    const s = await scrape(configured());
    expect(ofMetric(s, 'blockwatch_vantage_state')).toEqual(
      new Map(['isp', 'abroad'].flatMap((vantage) => VANTAGE_STATES.map((state) => [k('blockwatch_vantage_state', { vantage, state }), 0]))),
    );
    expect(ofMetric(s, 'blockwatch_vantage_offline_reason')).toEqual(
      new Map(['isp', 'abroad'].flatMap((vantage) => OFFLINE_REASONS.map((reason) => [k('blockwatch_vantage_offline_reason', { vantage, reason }), 0]))),
    );
  });

  it('sets exactly the current vantage state to 1, online to 1 for walled, and the offline reason only while offline', async () => {
    const m = configured();
    const states = (s: Map<string, number>, vantage: string) => VANTAGE_STATES.filter((state) => s.get(k('blockwatch_vantage_state', { vantage, state })) === 1);
    const reasons = (s: Map<string, number>, vantage: string) =>
      OFFLINE_REASONS.filter((reason) => s.get(k('blockwatch_vantage_offline_reason', { vantage, reason })) === 1);

    m.recordVantage({ id: 'isp', online: true, state: 'walled', reason: null, control: false, labels: {} });
    m.recordVantage({ id: 'abroad', online: false, state: 'offline', reason: 'link', control: true, labels: {} });
    let s = await scrape(m);
    expect(states(s, 'isp')).toEqual(['walled']);
    expect(s.get(k('blockwatch_vantage_online', { vantage: 'isp' }))).toBe(1);
    expect(reasons(s, 'isp')).toEqual([]);
    expect(states(s, 'abroad')).toEqual(['offline']);
    expect(s.get(k('blockwatch_vantage_online', { vantage: 'abroad' }))).toBe(0);
    expect(reasons(s, 'abroad')).toEqual(['link']);

    m.recordVantage({ id: 'isp', online: false, state: 'offline', reason: 'shutdown', control: false, labels: {} });
    m.recordVantage({ id: 'abroad', online: true, state: 'online', reason: null, control: true, labels: {} });
    s = await scrape(m);
    expect(states(s, 'isp')).toEqual(['offline']);
    expect(reasons(s, 'isp')).toEqual(['shutdown']);
    expect(states(s, 'abroad')).toEqual(['online']);
    expect(reasons(s, 'abroad')).toEqual([]);
    expect(ofMetric(s, 'blockwatch_vantage_offline_reason').size).toBe(2 * OFFLINE_REASONS.length);
  });

  it('declares the contract types in the exposition', async () => {
    const text = await configured().render();
    const types = Object.fromEntries([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]));
    expect(types).toEqual({
      blockwatch_app_status: 'gauge',
      blockwatch_app_reachable: 'gauge',
      blockwatch_target_success: 'gauge',
      blockwatch_target_blocked: 'gauge',
      blockwatch_target_blocked_ratio: 'gauge',
      blockwatch_round_in_flight_peak: 'gauge',
      blockwatch_control_resolver_reachable: 'gauge',
      blockwatch_probe_duration_seconds: 'histogram',
      blockwatch_probes_total: 'counter',
      blockwatch_vantage_online: 'gauge',
      blockwatch_vantage_state: 'gauge',
      blockwatch_vantage_offline_reason: 'gauge',
      blockwatch_vantage_info: 'gauge',
      blockwatch_round_timestamp_seconds: 'gauge',
      blockwatch_alerts_sent_total: 'counter',
      blockwatch_alerts_dropped_total: 'counter',
      blockwatch_config_last_reload_successful: 'gauge',
      blockwatch_rounds_skipped_total: 'counter',
      blockwatch_build_info: 'gauge',
    });
  });

  it('includes the default process metrics', async () => {
    const m = new Metrics({ version: '0' });
    const text = await m.render();
    expect(text).toContain('# TYPE process_cpu_seconds_total counter');
    expect(text).toContain('# TYPE nodejs_heap_size_used_bytes gauge');
  });

  it('renders 50,000 target series, each present once', async () => {
    const targets = Array.from({ length: 500 }, (_, i) => ({ id: `t${i}`, kind: 'dns' as const, host: `h${i}.example` }));
    const apps = Array.from({ length: 10 }, (_, i) => app(`app${i}`, targets));
    const vantages = Array.from({ length: 10 }, (_, i) => vantage(`v${i}`));
    const m = configured({ apps, vantages });
    const s = ofMetric(await scrape(m), 'blockwatch_target_success');
    expect(s.size).toBe(50_000);
    expect(s.get(k('blockwatch_target_success', { vantage: 'v9', app: 'app9', target: 't499', kind: 'dns' }))).toBe(0);
  });
});

describe('Metrics render cache', () => {
  it('serves every change made after an earlier scrape', async () => {
    const m = configured();
    m.recordApp(verdict(telegram, 'isp', 'blocked'));
    expect((await scrape(m)).get(k('blockwatch_app_status', { vantage: 'isp', app: 'telegram', status: 'blocked' }))).toBe(1);
    m.recordApp(verdict(telegram, 'isp', 'reachable'));
    m.roundSkipped();
    const s = await scrape(m);
    expect(s.get(k('blockwatch_app_status', { vantage: 'isp', app: 'telegram', status: 'blocked' }))).toBe(0);
    expect(s.get(k('blockwatch_app_status', { vantage: 'isp', app: 'telegram', status: 'reachable' }))).toBe(1);
    expect(s.get('blockwatch_rounds_skipped_total')).toBe(1);
  });

  it('reads the process metrics at every scrape', async () => {
    const m = new Metrics({ version: '1.2.3' });
    m.configure(config());
    const first = (await scrape(m)).get('process_cpu_user_seconds_total')!;
    const until = Date.now() + 30;
    while (Date.now() < until); // spend some CPU
    expect((await scrape(m)).get('process_cpu_user_seconds_total')!).toBeGreaterThan(first);
  });
});
