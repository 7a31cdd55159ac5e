/**
 * `blockwatch run` end to end on loopback: readiness, the contract metrics with
 * their values, the status API, an outage alerted as BlockwatchAppDown at every
 * vantage and resolved when it ends, a bad reload that keeps serving, a reload
 * that would drop every canary refused, and SIGTERM with every evidence line whole.
 */
import { readdirSync, readFileSync, writeFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, eventually, type Daemon } from '../support/daemon.js';
import { parseExposition, seriesKey as k } from '../support/exposition.js';
import { startSocks5Proxy, type Proxy } from '../support/proxies.js';
import { startHttpServer, startTlsServer, testPki, type Running } from '../support/tls-servers.js';

interface Hook {
  status: string;
  alerts: Array<{ status: string; labels: Record<string, string> }>;
}

const { ca, leaf } = testPki(['app.test']);
let app: Server;
let appPort = 0;
const appConns = new Set<Socket>();
let canary: Running;
let proxy: Proxy;
let sink: Running;
const hooks: Hook[] = [];
let dir: string;
let configFile: string;
let config: string;
let daemon: Daemon;

function startApp(port: number): Promise<void> {
  app = createHttpsServer({ cert: leaf.cert, key: leaf.key }, (_req, res) => res.end('<title>chat</title>hello'));
  app.on('connection', (s: Socket) => {
    appConns.add(s);
    s.on('close', () => appConns.delete(s));
  });
  return new Promise((res) => app.listen(port, '127.0.0.1', () => res()));
}

async function stopApp(): Promise<void> {
  for (const s of appConns) s.destroy();
  await new Promise<void>((res) => app.close(() => res()));
}

async function metrics(): Promise<Map<string, number>> {
  const r = await daemon.get('/metrics');
  expect(r.status).toBe(200);
  return parseExposition(r.text);
}

const firing = (name: string, vantage: string) =>
  hooks.some((h) => h.alerts.some((a) => a.status === 'firing' && a.labels.alertname === name && a.labels.vantage === vantage && a.labels.app === 'chat'));
const resolved = (name: string, vantage: string) =>
  hooks.some((h) => h.alerts.some((a) => a.status === 'resolved' && a.labels.alertname === name && a.labels.vantage === vantage));

beforeAll(async () => {
  await startApp(0);
  appPort = (app.address() as AddressInfo).port;
  canary = await startTlsServer(leaf);
  proxy = await startSocks5Proxy();
  sink = await startHttpServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c)).on('end', () => {
      hooks.push(JSON.parse(body) as Hook);
      res.end('ok');
    });
  });
  dir = mkdtempSync(join(tmpdir(), 'bw-daemon-'));
  mkdirSync(join(dir, 'probes'));
  writeFileSync(
    join(dir, 'probes', 'chat.yaml'),
    `id: chat
name: Chat
sources: ["loopback test"]
targets:
  - { id: web, kind: https, url: "https://127.0.0.1:${appPort}/" }
  - { id: api, kind: tcp, host: 127.0.0.1, port: ${appPort} }
`,
  );
  config = `probes: ./probes
schedule: { cron: "* * * * * *", jitter: 0s, concurrency: 8, timeout: 2s }
vantages:
  - { id: isp, labels: { country: XX, asn: "64500" } }
  - { id: abroad, proxy: "socks5://127.0.0.1:${proxy.port}", control: true }
control: { resolver: "udp://127.0.0.1:9" }
canaries: [ { id: canary, kind: tls, host: 127.0.0.1, port: ${canary.port}, sni: app.test } ]
tls: { extraCA: ${ca.certFile} }
server: { listen: "127.0.0.1:0", enableReload: true }
alerts:
  confirm: { attempts: 1, spacing: 100ms }
  resolveAfter: 1
  repeat: 1h
  receivers: [ { name: sink, type: webhook, url: "http://127.0.0.1:${sink.port}/hook" } ]
evidence: { dir: ./evidence, maxBytes: 8MB }
`;
  configFile = join(dir, 'blockwatch.yaml');
  writeFileSync(configFile, config);
  daemon = await startDaemon(configFile, [], { BLOCKWATCH_LOG_LEVEL: 'info' });
});

afterAll(async () => {
  if (daemon?.proc.exitCode === null) await daemon.stop('SIGKILL');
  await Promise.all([app && stopApp().catch(() => {}), canary?.close(), proxy?.close(), sink?.close()]);
});

describe('blockwatch run', () => {
  it('is alive at once and ready after its first round', async () => {
    expect((await daemon.get('/healthz')).status).toBe(200);
    await eventually(async () => (await daemon.get('/readyz')).status === 200, 15_000);
  });

  it('exports every contract metric with the values of a reachable app', async () => {
    const m = await eventually(async () => {
      const all = await metrics();
      return all.get(k('blockwatch_app_status', { vantage: 'abroad', app: 'chat', status: 'reachable' })) === 1 ? all : null;
    }, 15_000);
    for (const vantage of ['isp', 'abroad']) {
      expect(m.get(k('blockwatch_app_status', { vantage, app: 'chat', status: 'reachable' }))).toBe(1);
      for (const status of ['degraded', 'anomaly', 'blocked', 'down', 'unknown']) {
        expect(m.get(k('blockwatch_app_status', { vantage, app: 'chat', status }))).toBe(0);
      }
      expect(m.get(k('blockwatch_app_reachable', { vantage, app: 'chat' }))).toBe(1);
      expect(m.get(k('blockwatch_target_success', { vantage, app: 'chat', target: 'web', kind: 'https' }))).toBe(1);
      expect(m.get(k('blockwatch_target_success', { vantage, app: 'chat', target: 'api', kind: 'tcp' }))).toBe(1);
      expect(m.get(k('blockwatch_vantage_online', { vantage }))).toBe(1);
      expect(m.get(k('blockwatch_probes_total', { vantage, app: 'chat', kind: 'https', status: 'ok' }))).toBeGreaterThan(0);
      expect(m.get(k('blockwatch_probe_duration_seconds_count', { vantage, app: 'chat', kind: 'https', phase: 'tls' }))).toBeGreaterThan(0);
      expect(m.get(k('blockwatch_round_timestamp_seconds', { vantage }))).toBeGreaterThan(Date.now() / 1000 - 60);
    }
    expect(m.get(k('blockwatch_vantage_info', { vantage: 'isp', control: 'false', country: 'XX', asn: '64500' }))).toBe(1);
    expect(m.get(k('blockwatch_vantage_info', { vantage: 'abroad', control: 'true', country: '', asn: '' }))).toBe(1);
    expect([...m.keys()].some((s) => s.startsWith('blockwatch_target_blocked{'))).toBe(false);
    expect(m.get('blockwatch_config_last_reload_successful')).toBe(1);
    expect(m.get(k('blockwatch_build_info', { version: '0.1.0', nodejs: process.version }))).toBe(1);
    expect(m.get(k('blockwatch_alerts_sent_total', { receiver: 'sink', result: 'success' }))).toBe(0);
    expect(m.has('process_resident_memory_bytes')).toBe(true);
  });

  it('serves the blockwatch.report/v1 document', async () => {
    const r = await daemon.get('/api/v1/status');
    expect(r.status).toBe(200);
    const report = JSON.parse(r.text);
    expect(report.schema).toBe('blockwatch.report/v1');
    const canaryOk = { id: 'canary', scope: 'foreign', status: 'ok', failure: null, operation: null };
    expect(report.vantages).toEqual([
      { id: 'isp', online: true, state: 'online', reason: null, control: false, labels: { country: 'XX', asn: '64500' }, canaries: [canaryOk] },
      { id: 'abroad', online: true, state: 'online', reason: null, control: true, labels: {}, canaries: [canaryOk] },
    ]);
    expect(report.apps.map((a: { vantage: string; status: string }) => `${a.vantage}:${a.status}`)).toEqual(['isp:reachable', 'abroad:reachable']);
  });

  it('alerts an outage as BlockwatchAppDown at every vantage, never as blocked, and resolves it', async () => {
    await stopApp();
    await eventually(async () => firing('BlockwatchAppDown', 'isp') && firing('BlockwatchAppDown', 'abroad'), 20_000);
    expect(hooks.some((h) => h.alerts.some((a) => a.labels.alertname === 'BlockwatchAppBlocked'))).toBe(false);
    const m = await metrics();
    expect(m.get(k('blockwatch_app_status', { vantage: 'isp', app: 'chat', status: 'down' }))).toBe(1);
    expect(m.get(k('blockwatch_alerts_sent_total', { receiver: 'sink', result: 'success' }))).toBeGreaterThanOrEqual(2);
    await startApp(appPort);
    await eventually(async () => resolved('BlockwatchAppDown', 'isp') && resolved('BlockwatchAppDown', 'abroad'), 20_000);
  });

  it('refuses a reload of an emptied file, and of one that drops every canary, and probes on with the old canaries', async () => {
    const refusals = () => daemon.logs.filter((l) => l.msg === 'reload failed; the previous configuration keeps running').map((l) => (l.errors as string[]).join('\n'));
    const before = refusals().length;
    // `: > live.yaml; kill -HUP PID`: what an editor or a deploy tool cut short leaves behind.
    writeFileSync(configFile, '');
    daemon.proc.kill('SIGHUP');
    await eventually(async () => refusals().length > before, 10_000);
    expect(refusals()[before]).toMatch(/blockwatch\.yaml: found nothing \(an empty file, only comments, or ---\), expected a config that says what it watches from/);
    expect((await metrics()).get('blockwatch_config_last_reload_successful')).toBe(0);

    writeFileSync(configFile, config.replace(/^canaries: .*\n/m, ''));
    daemon.proc.kill('SIGHUP');
    await eventually(async () => refusals().length > before + 1, 10_000);
    expect(refusals()[before + 1]).toMatch(/the new configuration drops every canary \(the running one has 1\)/);
    expect(daemon.logs.some((l) => l.msg === 'configuration reloaded')).toBe(false);

    // Rounds go on with the old canaries: a vantage is still judged by them.
    const reloadedAt = Date.now();
    const report = await eventually(async () => {
      const r = JSON.parse((await daemon.get('/api/v1/status')).text) as { finishedAt: string; vantages: Array<{ canaries: Array<{ id: string }> }> };
      return Date.parse(r.finishedAt) > reloadedAt ? r : null;
    }, 15_000);
    expect(report.vantages.map((v) => v.canaries.map((c) => c.id))).toEqual([['canary'], ['canary']]);
    expect((await metrics()).get('blockwatch_config_last_reload_successful')).toBe(0);
  });

  it('keeps serving the old config after a bad reload, and takes a good one', async () => {
    writeFileSync(configFile, config);
    await fetch(`${daemon.url}/-/reload`, { method: 'POST' });
    expect((await metrics()).get('blockwatch_config_last_reload_successful')).toBe(1);
    writeFileSync(configFile, config.replace('timeout: 2s', 'timeout: soon'));
    daemon.proc.kill('SIGHUP');
    await eventually(async () => (await metrics()).get('blockwatch_config_last_reload_successful') === 0, 10_000);
    expect(daemon.logs.some((l) => l.msg === 'reload failed; the previous configuration keeps running')).toBe(true);
    expect((await daemon.get('/readyz')).status).toBe(200);
    const before = (await metrics()).get('blockwatch_round_timestamp_seconds{vantage="isp"}')!;
    await eventually(async () => (await metrics()).get('blockwatch_round_timestamp_seconds{vantage="isp"}')! > before, 10_000);

    writeFileSync(configFile, config);
    const reload = await fetch(`${daemon.url}/-/reload`, { method: 'POST' });
    expect(reload.status).toBe(200);
    expect((await metrics()).get('blockwatch_config_last_reload_successful')).toBe(1);
  });

  it('exits 0 on SIGTERM mid-round with every evidence line whole', async () => {
    const code = await daemon.stop('SIGTERM');
    expect(code).toBe(0);
    const files = readdirSync(join(dir, 'evidence')).filter((f) => f.endsWith('.jsonl'));
    expect(files.length).toBeGreaterThan(0);
    let lines = 0;
    for (const f of files) {
      const text = readFileSync(join(dir, 'evidence', f), 'utf8');
      expect(text.endsWith('\n')).toBe(true);
      for (const line of text.split('\n').filter(Boolean)) {
        const rec = JSON.parse(line);
        expect(rec).toMatchObject({ schema: 'blockwatch.evidence/v1', app: 'chat' });
        if (rec.measurement === null) {
          // The line that gives a confirmed target's verdict over its trials follows that target's own trial lines.
          expect(rec.verdict.trials.run).toBeGreaterThan(1);
        } else {
          expect(rec.measurement.target.id).toBe(rec.target);
        }
        lines++;
      }
    }
    expect(lines).toBeGreaterThan(4);
  });
});
