// Checks the Grafana dashboards: the committed JSON is what grafana/src generates, every query
// is PromQL a real Prometheus accepts, and the provisioning points where the compose mounts them.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { freePort, waitReady } from '../support/local-process.js';
import { dashboards, renderDashboard } from '../../grafana/src/dashboards.js';
import { dashboardQueries, expandVariables, variableSelectors } from '../../grafana/src/queries.js';
import { INTERMITTENT_BAND, VANTAGE_STATE_CODES } from '../../grafana/src/promql.js';
import { PATTERNS } from '../../src/model/verdict.js';
import { TARGET_KINDS } from '../../src/model/target.js';

const ROOT = resolve(import.meta.dirname, '../..');
const DASHBOARDS = join(ROOT, 'grafana/dashboards');

describe('generated dashboards', () => {
  test('the committed JSON equals freshly generated JSON (run npm run build && node dist/grafana/src/build.js)', () => {
    const generated = dashboards();
    expect(readdirSync(DASHBOARDS).filter((f) => f.endsWith('.json')).sort()).toEqual([...generated.keys()].sort());
    for (const [file, d] of generated) {
      expect(readFileSync(join(DASHBOARDS, file), 'utf8'), file).toBe(renderDashboard(d));
    }
  });

  test('every dashboard has vantage and app query variables over label_values', () => {
    for (const [file, d] of dashboards()) {
      const vars = d.templating.list.filter((v) => v.type === 'query').map((v) => [v.name, String(v.definition).startsWith('label_values(')]);
      expect(vars.sort(), file).toEqual([
        ['app', true],
        ['vantage', true],
      ]);
    }
  });

  test('panel ids are unique and panels do not overlap on the grid', () => {
    for (const [file, d] of dashboards()) {
      expect(new Set(d.panels.map((p) => p.id)).size, file).toBe(d.panels.length);
      const cells = new Set<string>();
      for (const p of d.panels) {
        const { x, y, w, h } = p.gridPos;
        expect(x + w, `${file}: ${p.title}`).toBeLessThanOrEqual(24);
        for (let i = x; i < x + w; i++) {
          for (let j = y; j < y + h; j++) {
            const cell = `${i},${j}`;
            expect(cells.has(cell), `${file}: ${p.title} overlaps at ${cell}`).toBe(false);
            cells.add(cell);
          }
        }
      }
    }
  });

  test('expandVariables handles $name, ${name} and built-in intervals', () => {
    expect(expandVariables('x{vantage=~"$vantage",app=~"${app}"}[$__rate_interval]')).toBe('x{vantage=~".*",app=~".*"}[2m]');
    expect(expandVariables('x{app=~"$app"}', { app: 'telegram' })).toBe('x{app=~"telegram"}');
  });
});

describe('patterns, kinds and the intermittent band', () => {
  test('no query selects a pattern or a kind by value: every one the model has shows through its label', () => {
    const literal = (v: string) => new RegExp(`"[^"]*${v.replace(/\./g, '\\.')}[^"]*"`);
    const bad: string[] = [];
    for (const q of dashboardQueries()) {
      if (/\b(pattern|kind)\s*(=|!=|=~|!~)\s*"/.test(q.expr)) bad.push(`${q.dashboard} / ${q.panel}: matches on pattern or kind`);
      for (const v of [...PATTERNS, ...TARGET_KINDS]) if (literal(v).test(q.expr)) bad.push(`${q.dashboard} / ${q.panel}: names ${v}`);
    }
    expect(bad).toEqual([]);
  });

  test("the dashboards' intermittent band is BlockwatchIntermittentBlocking's", () => {
    const rules = parse(readFileSync(join(ROOT, 'config/prometheus/rules/blockwatch.rules.yml'), 'utf8')) as {
      groups: { rules: { alert?: string; expr: string }[] }[];
    };
    const rule = rules.groups.flatMap((g) => g.rules).find((r) => r.alert === 'BlockwatchIntermittentBlocking');
    const m = /blockwatch_target_blocked_ratio > ([\d.]+) < ([\d.]+)/.exec(rule?.expr ?? '');
    expect(m && [Number(m[1]), Number(m[2])]).toEqual([...INTERMITTENT_BAND]);
  });
});

describe('provisioning', () => {
  test("the dashboard provider reads the folder the centre's compose mounts grafana/dashboards into", () => {
    const provider = parse(readFileSync(join(ROOT, 'grafana/provisioning/dashboards/blockwatch.yml'), 'utf8')) as {
      providers: { options: { path: string } }[];
    };
    const compose = parse(readFileSync(join(ROOT, 'deploy/centre/compose.yml'), 'utf8')) as {
      services: { grafana: { volumes: string[] } };
    };
    const mount = compose.services.grafana.volumes.find((v) => v.startsWith('../../grafana/dashboards:'));
    expect(mount?.split(':')[1]).toBe(provider.providers[0].options.path);
  });

  test('the provisioned data source is a Prometheus one', () => {
    const ds = parse(readFileSync(join(ROOT, 'grafana/provisioning/datasources/prometheus.yml'), 'utf8')) as {
      datasources: { type: string; uid: string }[];
    };
    expect(ds.datasources.map((d) => d.type)).toEqual(['prometheus']);
  });
});

const HAVE_PROMETHEUS = spawnSync('sh', ['-c', 'command -v prometheus']).status === 0;
const CI = Boolean(process.env.CI);
if (!HAVE_PROMETHEUS && !CI) console.warn('skipping the PromQL checks: prometheus is not on PATH (Debian package prometheus); CI is unset');

describe.skipIf(!HAVE_PROMETHEUS && !CI)('dashboard queries against a real Prometheus', () => {
  let prom: ChildProcess;
  let dir: string;
  let base: string;
  let log = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'blockwatch-promql-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    writeFileSync(join(dir, 'prometheus.yml'), 'global: {}\nscrape_configs: []\n');
    prom = spawn(
      'prometheus',
      [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prom.stdout?.on('data', (b: Buffer) => (log += b.toString()));
    prom.stderr?.on('data', (b: Buffer) => (log += b.toString()));
    await waitReady(`${base}/-/ready`, prom, () => log);
  });

  afterAll(() => {
    prom?.kill('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Prometheus' answer to one instant query: 200 with status success, or its error. */
  async function query(expr: string): Promise<{ http: number; status: string; error?: string }> {
    const res = await fetch(`${base}/api/v1/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ query: expr }).toString(),
    });
    const body = (await res.json()) as { status: string; error?: string };
    return { http: res.status, status: body.status, error: body.error };
  }

  test('the check itself tells invalid PromQL from valid', async () => {
    expect(await query('sum by (app) (')).toMatchObject({ http: 400, status: 'error' });
    expect(await query('up')).toMatchObject({ http: 200, status: 'success' });
  });

  test('every panel expression parses and evaluates', async () => {
    const queries = dashboardQueries();
    expect(queries.length).toBeGreaterThan(15);
    const bad: string[] = [];
    for (const q of queries) {
      const r = await query(expandVariables(q.expr));
      if (r.status !== 'success') bad.push(`${q.dashboard} / ${q.panel} / ${q.refId}: ${r.error}`);
    }
    expect(bad).toEqual([]);
  });

  test("every variable's label_values selector is a valid series selector", async () => {
    const bad: string[] = [];
    for (const v of variableSelectors()) {
      const r = await query(expandVariables(v.selector));
      if (r.status !== 'success') bad.push(`${v.dashboard} / $${v.variable}: ${r.error}`);
    }
    expect(bad).toEqual([]);
  });
});

describe('queries.ts', () => {
  test('queries on series that exist only after an event say what they need', () => {
    const byPanel = Object.fromEntries(dashboardQueries().map((q) => [`${q.dashboard}/${q.panel}/${q.refId}`, q.needs]));
    expect(byPanel['overview.json/Blocking patterns over time/A']).toEqual(['a target blocked at the time of the query']);
    expect(byPanel['overview.json/Native alerts sent/A']).toEqual(['a native alert sent to a receiver']);
    expect(byPanel['overview.json/Blocked now/A']).toEqual([]);
  });
});

const HAVE_PROMTOOL = spawnSync('sh', ['-c', 'command -v promtool']).status === 0;

/** Runs one promql_expr_test with promtool; returns its status and output. */
function promtoolExpr(series: { series: string; values: string }[], expr: string, exp: { labels: string; value: number }[]): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'blockwatch-panel-'));
  try {
    const file = join(dir, 'panel.test.yml');
    writeFileSync(file, JSON.stringify({ rule_files: [], evaluation_interval: '1m', tests: [{ interval: '1m', input_series: series, promql_expr_test: [{ expr, eval_time: '2m', exp_samples: exp }] }] }));
    const r = spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8' });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!HAVE_PROMTOOL && !CI)('the intermittent targets panel, evaluated by promtool', () => {
  test('lists the targets whose share lies strictly inside the band, with their share', () => {
    const panel = dashboards().get('overview.json')!.panels.find((p) => p.title === 'Intermittent targets now')!;
    const expr = expandVariables(panel.targets[0].expr);
    const shares: Record<string, number> = { never: 0, edge_low: INTERMITTENT_BAND[0], some: 0.5, edge_high: INTERMITTENT_BAND[1], always: 1 };
    const series = Object.entries(shares).map(([target, v]) => ({ series: `blockwatch_target_blocked_ratio{vantage="isp",app="telegram",target="${target}"}`, values: `${v}x3` }));
    const r = promtoolExpr(series, expr, [{ labels: '{vantage="isp",app="telegram",target="some"}', value: 0.5 }]);
    expect(r.status, r.output).toBe(0);
  });
});

describe.skipIf(!HAVE_PROMTOOL && !CI)('the vantage state panel, evaluated by promtool', () => {
  test('codes online, walled and each offline reason as its value mappings name them', () => {
    const panel = dashboards().get('overview.json')!.panels.find((p) => p.title === 'Vantage state')!;
    const expr = expandVariables(panel.targets[0].expr);
    const codes = Object.fromEntries(VANTAGE_STATE_CODES.map(([code, text]) => [text, code]));
    // One vantage per case; "old" is a blockwatch without the offline reason metric.
    const cases: Record<string, { state: string; reason?: string; code: number }> = {
      a: { state: 'online', code: codes.online },
      b: { state: 'walled', code: codes.walled },
      c: { state: 'offline', reason: 'shutdown', code: codes['offline: shutdown'] },
      d: { state: 'offline', reason: 'link', code: codes["offline: host's link"] },
      e: { state: 'offline', reason: 'silent', code: codes['offline: silent'] },
      f: { state: 'offline', reason: 'unknown', code: codes.offline },
      old: { state: 'offline', code: codes.offline },
    };
    const series: { series: string; values: string }[] = [];
    for (const [vantage, c] of Object.entries(cases)) {
      for (const s of ['online', 'walled', 'offline']) series.push({ series: `blockwatch_vantage_state{vantage="${vantage}",state="${s}"}`, values: s === c.state ? '1x3' : '0x3' });
      if (vantage === 'old') continue;
      for (const r of ['shutdown', 'silent', 'link', 'unknown']) series.push({ series: `blockwatch_vantage_offline_reason{vantage="${vantage}",reason="${r}"}`, values: r === c.reason ? '1x3' : '0x3' });
    }
    const exp = Object.entries(cases).map(([vantage, c]) => ({ labels: `{vantage="${vantage}"}`, value: c.code }));
    const r = promtoolExpr(series, expr, exp);
    expect(r.status, r.output).toBe(0);
  });
});
