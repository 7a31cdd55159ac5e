// Checks the shipped Prometheus rules, rule tests, Prometheus configs and the Alertmanager example
// with the real promtool, amtool and Alertmanager.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { freePort, waitReady } from '../support/local-process.js';

const ROOT = resolve(import.meta.dirname, '../..');
const PROM = join(ROOT, 'config/prometheus');

function onPath(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
}

// Outside CI a machine without the tools skips these suites; in CI a missing tool fails them.
const HAVE_PROMTOOL = onPath('promtool');
const HAVE_AMTOOL = onPath('amtool');
const HAVE_ALERTMANAGER = onPath('prometheus-alertmanager');
const CI = Boolean(process.env.CI);
for (const [tool, have, pkg] of [
  ['promtool', HAVE_PROMTOOL, 'prometheus'],
  ['amtool', HAVE_AMTOOL, 'prometheus-alertmanager'],
  ['prometheus-alertmanager', HAVE_ALERTMANAGER, 'prometheus-alertmanager'],
] as const) {
  if (!have && !CI) console.warn(`skipping ${tool} checks: ${tool} is not on PATH (Debian package ${pkg}); CI is unset`);
}

function run(tool: string, args: string[], cwd = ROOT): { status: number | null; output: string } {
  const r = spawnSync(tool, args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw new Error(`${tool} could not run (is it installed?): ${r.error.message}`);
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

function yamlFiles(dir: string, suffix = '.yml'): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(suffix))
    .sort()
    .map((f) => join(dir, f));
}

/**
 * Lays out a compose service's bind mounts under a temporary root, as the container sees
 * them, and returns that root. A source missing from the repository may ship as
 * `<source>.example` (a secret the operator writes); the example stands in for it.
 */
function mirrorMounts(composeFile: string, service: string): string {
  const compose = parse(readFileSync(composeFile, 'utf8')) as { services: Record<string, { volumes?: string[] }> };
  const root = mkdtempSync(join(tmpdir(), 'blockwatch-mounts-'));
  for (const v of compose.services[service].volumes ?? []) {
    const [src, dst] = v.split(':');
    if (!src.startsWith('.') && !src.startsWith('/')) continue; // a named volume
    let from = resolve(dirname(composeFile), src);
    if (!existsSync(from) && existsSync(`${from}.example`)) from = `${from}.example`;
    expect(existsSync(from), `${composeFile}: mount source ${src} exists`).toBe(true);
    mkdirSync(dirname(join(root, dst)), { recursive: true });
    cpSync(from, join(root, dst), { recursive: true });
  }
  return root;
}

describe.skipIf(!HAVE_PROMTOOL && !CI)('promtool', () => {
  test('the rule files pass promtool check rules', () => {
    const r = run('promtool', ['check', 'rules', ...yamlFiles(join(PROM, 'rules'))]);
    expect(r.output).toContain('SUCCESS');
    expect(r.status, r.output).toBe(0);
  });

  test('every rule unit test passes promtool test rules', () => {
    const tests = yamlFiles(join(PROM, 'tests')).filter((f) => f.endsWith('.test.yml'));
    expect(tests.length).toBeGreaterThanOrEqual(4);
    const r = run('promtool', ['test', 'rules', ...tests]);
    expect(r.output).not.toContain('FAILED');
    expect(r.status, r.output).toBe(0);
  });

  test('every alerting rule is exercised by a rule test that expects it to fire', () => {
    const rules = parse(readFileSync(join(PROM, 'rules/blockwatch.rules.yml'), 'utf8')) as {
      groups: { rules: { alert?: string }[] }[];
    };
    const alerts = rules.groups.flatMap((g) => g.rules.flatMap((r) => (r.alert ? [r.alert] : [])));
    const fired = new Set<string>();
    for (const f of yamlFiles(join(PROM, 'tests'))) {
      const doc = parse(readFileSync(f, 'utf8')) as { tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[] };
      for (const t of doc.tests) for (const a of t.alert_rule_test ?? []) if (a.exp_alerts.length > 0) fired.add(a.alertname);
    }
    expect([...fired].sort()).toEqual([...alerts].sort());
  });

  test('the example Prometheus configuration is valid, with its rule files', () => {
    const r = run('promtool', ['check', 'config', join(PROM, 'prometheus.yml')]);
    expect(r.status, r.output).toBe(0);
  });

  test("the centre's Prometheus configuration is valid with the files its compose mounts", () => {
    const root = mirrorMounts(join(ROOT, 'deploy/centre/compose.yml'), 'prometheus');
    try {
      const r = run('promtool', ['check', 'config', join(root, 'etc/prometheus/prometheus.yml')]);
      expect(r.output).toContain('rules found');
      expect(r.status, r.output).toBe(0);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test("the probe host's agent configuration is valid in agent mode", () => {
    const root = mirrorMounts(join(ROOT, 'deploy/probe-host/compose.yml'), 'prometheus-agent');
    try {
      const r = run('promtool', ['check', 'config', '--agent', join(root, 'etc/prometheus/prometheus.yml')]);
      expect(r.status, r.output).toBe(0);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!HAVE_AMTOOL && !CI)('amtool', () => {
  test('the example Alertmanager configuration passes amtool check-config', () => {
    const r = run('amtool', ['check-config', join(ROOT, 'config/alertmanager/alertmanager.yml')]);
    expect(r.output).toContain('SUCCESS');
    expect(r.status, r.output).toBe(0);
  });

  test('alerts are grouped by alertname, app and vantage', () => {
    const am = parse(readFileSync(join(ROOT, 'config/alertmanager/alertmanager.yml'), 'utf8')) as { route: { group_by: string[] } };
    expect([...am.route.group_by].sort()).toEqual(['alertname', 'app', 'vantage']);
  });
});

interface AmAlert {
  labels: Record<string, string>;
  status: { state: 'active' | 'suppressed' | 'unprocessed'; inhibitedBy: string[] };
}

describe.skipIf(!HAVE_ALERTMANAGER && !CI)('Alertmanager inhibitions', () => {
  let am: ChildProcess;
  let dir: string;
  let base: string;
  let log = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'blockwatch-am-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // The example as shipped, with its webhook pointed at a closed loopback port.
    const config = readFileSync(join(ROOT, 'config/alertmanager/alertmanager.yml'), 'utf8').replace(
      /url: '[^']*'/g,
      `url: 'http://127.0.0.1:${await freePort()}/hook'`,
    );
    writeFileSync(join(dir, 'alertmanager.yml'), config);
    am = spawn(
      'prometheus-alertmanager',
      [
        `--config.file=${join(dir, 'alertmanager.yml')}`,
        `--storage.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    am.stdout?.on('data', (b: Buffer) => (log += b.toString()));
    am.stderr?.on('data', (b: Buffer) => (log += b.toString()));
    await waitReady(`${base}/-/ready`, am, () => log);
  });

  afterAll(() => {
    am?.kill('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function post(alerts: Record<string, string>[]): Promise<void> {
    const res = await fetch(`${base}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alerts.map((labels) => ({ labels, annotations: { summary: 'test' } }))),
    });
    expect(res.status).toBe(200);
  }

  const sorted = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).sort());

  /** The state of each alert `want` names by its `id` label, polled until it equals `want` (inhibition is asynchronous). */
  async function states(want: Record<string, string>): Promise<Record<string, string>> {
    let got: Record<string, string> = {};
    for (let i = 0; i < 50; i++) {
      const list = (await (await fetch(`${base}/api/v2/alerts`)).json()) as AmAlert[];
      got = sorted(Object.fromEntries(list.filter((a) => a.labels.id in want).map((a) => [a.labels.id, a.status.state])));
      if (JSON.stringify(got) === JSON.stringify(sorted(want))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    return got;
  }

  test("an offline vantage's alert silences that vantage's app alerts, and only those", async () => {
    await post([
      { id: 'offline', alertname: 'BlockwatchVantageDown', vantage: 'isp', severity: 'warning' },
      { id: 'censorship-isp', alertname: 'BlockwatchCensorship', vantage: 'isp', app: 'telegram', severity: 'critical' },
      { id: 'native-isp', alertname: 'BlockwatchAppBlocked', vantage: 'isp', app: 'telegram', severity: 'critical' },
      { id: 'censorship-other', alertname: 'BlockwatchCensorship', vantage: 'mobile', app: 'telegram', severity: 'critical' },
      { id: 'other-host', alertname: 'BlockwatchCensorship', vantage: 'isp', host: 'probe-2', app: 'telegram', severity: 'critical' },
      { id: 'outage', alertname: 'BlockwatchOutage', app: 'signal', severity: 'warning' },
      { id: 'intermittent-isp', alertname: 'BlockwatchIntermittentBlocking', vantage: 'isp', app: 'telegram', target: 'dc2', severity: 'warning' },
      { id: 'intermittent-other', alertname: 'BlockwatchIntermittentBlocking', vantage: 'mobile', app: 'telegram', target: 'dc2', severity: 'warning' },
    ]);
    const want = {
      offline: 'active',
      'censorship-isp': 'suppressed',
      'native-isp': 'suppressed',
      'censorship-other': 'active',
      'other-host': 'active',
      outage: 'active',
      'intermittent-isp': 'suppressed',
      'intermittent-other': 'active',
    };
    expect(await states(want)).toEqual(sorted(want));
  });

  test("a walled vantage's alerts silence nothing: its apps are judged and alerted as usual", async () => {
    await post([
      { id: 'walled-native', alertname: 'BlockwatchVantageWalled', vantage: 'mts', status: 'walled', severity: 'critical' },
      { id: 'walled-rule', alertname: 'BlockwatchAllowlisting', vantage: 'mts', severity: 'critical' },
      { id: 'censorship-mts', alertname: 'BlockwatchCensorship', vantage: 'mts', app: 'whatsapp', severity: 'critical' },
      { id: 'native-mts', alertname: 'BlockwatchAppBlocked', vantage: 'mts', app: 'whatsapp', severity: 'critical' },
      // A shutdown is an offline vantage: it silences that vantage's app alerts.
      { id: 'shutdown', alertname: 'BlockwatchVantageOffline', vantage: 'tele2', status: 'offline', reason: 'shutdown', severity: 'warning' },
      { id: 'native-tele2', alertname: 'BlockwatchAppBlocked', vantage: 'tele2', app: 'whatsapp', severity: 'critical' },
    ]);
    const want = {
      'walled-native': 'active',
      'walled-rule': 'active',
      'censorship-mts': 'active',
      'native-mts': 'active',
      shutdown: 'active',
      'native-tele2': 'suppressed',
    };
    expect(await states(want)).toEqual(sorted(want));
  });
});
