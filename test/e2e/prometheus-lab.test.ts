/**
 * Verified for real: Debian's Prometheus scrapes `blockwatch run` in the censorship lab and
 * evaluates the shipped rules; an SNI reset applied mid-run fires BlockwatchCensorship,
 * which reaches Debian's Alertmanager with its app, vantage and pattern, and every
 * dashboard query returns data from that Prometheus.
 *
 * blockwatch, Prometheus and Alertmanager all run in the lab's client namespace, whose
 * loopback is its own; the test reaches their APIs through unix sockets (support/ns-http.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { dashboardQueries, expandVariables, INTERMITTENT, type DashboardQuery } from '../../grafana/src/queries.js';
import { Lab } from '../lab/lab.js';
import { scenarioByName } from '../lab/scenarios.js';
import { WALLED_SCENARIOS } from '../lab/scenarios-walled.js';
import { DEGREE_SCENARIOS } from '../lab/scenarios-degree.js';
import { isRoot } from '../lab/sh.js';
import { eventually, startDaemon, type Daemon } from '../support/daemon.js';
import { rulesWithShortFor, SHIPPED_RULES, startStack, type RuleFile, type Stack } from './support/prometheus-stack.js';

const CI = Boolean(process.env.CI);
const onPath = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const HAVE_TOOLS = onPath('prometheus') && onPath('prometheus-alertmanager');
const canRun = (isRoot() && HAVE_TOOLS) || CI;
if (!canRun) {
  console.warn(
    'skipping the Prometheus/Alertmanager lab test: it needs root (network namespaces) and the Debian packages prometheus and ' +
      'prometheus-alertmanager; run it with sudo, or set CI=true to make it mandatory',
  );
}

const BLOCKED = scenarioByName('tls-sni-reset');
const HEALTHY = scenarioByName('baseline');
/** The allowlist of the russia-2025-allowlists scenarios: only the domestic canary and the ISP's resolver (and the domestic app) answer isp. */
const ALLOWLIST = WALLED_SCENARIOS.find((s) => s.name === 'allowlist-domestic')!.censor;
/** Every second flow to its data centre dropped at the censor: blocked in some trials and not others. */
const FLAKY = DEGREE_SCENARIOS.find((s) => s.name === 'intermittent')!;
const APPS = [HEALTHY.name, BLOCKED.name, FLAKY.name];
const VANTAGES = ['abroad', 'isp'];
/** Where the lab's config has blockwatch listen, on the client namespace's loopback. */
const BLOCKWATCH = '127.0.0.1:9464';
/** Every rule's `for:` in the test copy; see rulesWithShortFor. */
const FOR = '5s';
/**
 * The blocked share's window in this run, and BlockwatchIntermittentBlocking's `for:` kept in
 * the shipped proportion (30m over 15m): above 0.8 × the window, so the ramp of the steady SNI
 * reset through the 0.1–0.9 band never raises it, while a share that stays in the band does.
 */
const RATIO_WINDOW = '20s';
const INTERMITTENT_FOR = '40s';

interface Sample {
  metric: Record<string, string>;
  /** An instant query's [time, value]; a range query's points are in `values`. */
  value?: [number, string];
  values?: [number, string][];
}
interface QueryReply {
  status: string;
  error?: string;
  data: { resultType: string; result: Sample[] };
}
interface PromAlert {
  labels: Record<string, string>;
  state: 'pending' | 'firing';
}
interface AmAlert {
  labels: Record<string, string>;
  status: { state: 'active' | 'suppressed' | 'unprocessed' };
}

const sortedLabels = (l: Record<string, string>) => Object.fromEntries(Object.entries(l).sort(([a], [b]) => (a < b ? -1 : 1)));
/** The labels the censorship alert must carry, in Prometheus and in Alertmanager alike. */
const CENSORSHIP_LABELS = sortedLabels({
  alertname: 'BlockwatchCensorship',
  app: BLOCKED.name,
  vantage: 'isp',
  pattern: 'tls.sni_filter',
  confirmed_by: 'control',
  severity: 'critical',
  instance: BLOCKWATCH,
  job: 'blockwatch',
});

describe.skipIf(!canRun)('Prometheus and Alertmanager against blockwatch in the censorship lab', () => {
  let lab: Lab | undefined;
  let daemon: Daemon | undefined;
  let stack: Stack | undefined;
  let dir: string | undefined;
  /** When Prometheus started: range queries span from here to now. */
  let since = 0;

  beforeAll(async () => {
    // A 5 s schedule and a 2 s probe deadline keep rounds short; the SNI reset fails at once anyway.
    lab = await Lab.up({ cron: '*/5 * * * * *', timeout: '2s', scenarios: [HEALTHY, BLOCKED, FLAKY], blockedRatioWindow: RATIO_WINDOW });
    dir = mkdtempSync(join(tmpdir(), 'bw-prom-lab-'));
    const spawn = lab.spawn.bind(lab);
    since = Date.now() / 1000;
    stack = await startStack({ dir, blockwatch: BLOCKWATCH, forDuration: FOR, forOverrides: { BlockwatchIntermittentBlocking: INTERMITTENT_FOR }, spawn });
    daemon = await startDaemon(lab.configFile, ['ip', 'netns', 'exec', lab.ns.client]);
  }, 60_000);

  afterAll(async () => {
    // Each step on its own, so one failure does not leave the others running.
    await daemon?.stop().catch(() => undefined);
    await stack?.stop().catch(() => undefined);
    await lab?.down().catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  const context = () => `${stack?.logs().slice(-3000) ?? ''}\ndaemon: ${JSON.stringify(daemon?.logs.slice(-20) ?? [])}`;

  async function instant(expr: string): Promise<Sample[]> {
    const r = await stack!.prom<QueryReply>('/api/v1/query', { query: expr });
    if (r.status !== 'success') throw new Error(`${expr}: ${r.error}`);
    return r.data.result;
  }

  /**
   * A panel's query as Grafana runs it: instant, or over the time since Prometheus started,
   * with steps laid so that the last one is now and sees every sample scraped so far.
   */
  async function run(q: DashboardQuery, values: Record<string, string>): Promise<Sample[]> {
    const expr = expandVariables(q.expr, values);
    if (q.instant) return instant(expr);
    const end = Date.now() / 1000;
    const start = end - Math.max(1, Math.floor(end - since));
    const r = await stack!.prom<QueryReply>('/api/v1/query_range', { query: expr, start: String(start), end: String(end), step: '1' });
    if (r.status !== 'success') throw new Error(`${expr}: ${r.error}`);
    return r.data.result;
  }

  /** Data a panel can draw: at least one finite value (histogram_quantile over no traffic gives NaN). */
  const drawable = (got: Sample[]) =>
    got.some((s) => [...(s.value ? [s.value] : []), ...(s.values ?? [])].some(([, v]) => Number.isFinite(Number(v))));
  const name = (q: DashboardQuery, values: Record<string, string>) => `${q.dashboard} / ${q.panel} / ${q.refId} (${JSON.stringify(values)})`;
  /** "All" for both variables, and the blocked app picked at the censored vantage. */
  const SELECTIONS: Record<string, string>[] = [{}, { vantage: 'isp', app: BLOCKED.name }];
  const needsBlock = (q: DashboardQuery) => q.needs.includes('a target blocked at the time of the query');

  test('the rules Prometheus loads are the shipped ones with only `for:` shortened', () => {
    const shipped = parse(readFileSync(SHIPPED_RULES, 'utf8')) as RuleFile;
    const loaded = rulesWithShortFor(FOR);
    const withoutFor = (f: RuleFile) => f.groups.map((g) => ({ ...g, rules: g.rules.map(({ for: _for, ...r }) => r) }));
    expect(withoutFor(loaded)).toEqual(withoutFor(shipped));
    const fors = loaded.groups.flatMap((g) => g.rules.flatMap((r) => (r.for === undefined ? [] : [r.for])));
    expect(new Set(fors)).toEqual(new Set([FOR]));
  });

  test('Prometheus scrapes blockwatch: both vantages online, every app reachable at each, no alert', async () => {
    const reachable = `blockwatch_app_status{status="reachable"} == 1`;
    // Two complete rounds from each vantage: rate() and increase() in the dashboards need a counter scraped before and after a round.
    const twoRounds = 'changes(blockwatch_round_timestamp_seconds[5m]) >= 1';
    await eventually(
      async () => (await instant(reachable)).length === APPS.length * VANTAGES.length && (await instant(twoRounds)).length === VANTAGES.length,
      30_000,
      500,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${context()}`);
    });
    const pairs = (await instant(reachable)).map((s) => `${s.metric.app}@${s.metric.vantage}`).sort();
    expect(pairs).toEqual(APPS.flatMap((a) => VANTAGES.map((v) => `${a}@${v}`)).sort());
    expect((await instant('up{job="blockwatch"}')).length).toBe(1);
    expect((await instant('blockwatch_vantage_online == 1')).map((s) => s.metric.vantage).sort()).toEqual(VANTAGES);
    const alerts = await stack!.prom<{ data: { alerts: PromAlert[] } }>('/api/v1/alerts');
    expect(alerts.data.alerts).toEqual([]);
  }, 40_000);

  test('before any block, every dashboard query returns data except those on blockwatch_target_blocked, which are empty', async () => {
    const empty: string[] = [];
    const blockedData: string[] = [];
    for (const q of dashboardQueries()) {
      for (const values of SELECTIONS) {
        const got = await run(q, values);
        if (needsBlock(q)) {
          if (got.length > 0) blockedData.push(name(q, values));
        } else if (q.needs.length === 0 && !drawable(got)) {
          empty.push(name(q, values));
        }
      }
    }
    expect(empty).toEqual([]);
    expect(blockedData).toEqual([]);
  });

  test('an SNI reset applied mid-run fires BlockwatchCensorship in Prometheus for that app at isp, confirmed by the control', async () => {
    await lab!.apply(BLOCKED);
    const firing = async () => {
      const r = await stack!.prom<{ data: { alerts: PromAlert[] } }>('/api/v1/alerts');
      const f = r.data.alerts.filter((a) => a.state === 'firing');
      return f.length > 0 ? f : undefined;
    };
    const alerts = await eventually(firing, 45_000, 500).catch((e: Error) => {
      throw new Error(`${e.message}\n${context()}`);
    });
    expect(alerts.map((a) => sortedLabels(a.labels))).toEqual([
      CENSORSHIP_LABELS,
    ]);
  }, 50_000);

  test('the censorship alert reaches Alertmanager, active, with app, vantage and pattern', async () => {
    const list = await eventually(async () => {
      const got = await stack!.am<AmAlert[]>('/api/v2/alerts');
      return got.length > 0 ? got : undefined;
    }, 15_000, 250);
    expect(list.map((a) => [sortedLabels(a.labels), a.status.state])).toEqual([
      [
        CENSORSHIP_LABELS,
        'active',
      ],
    ]);
  }, 20_000);

  test('while the app is blocked, every dashboard query returns data, those on blocked targets and native alerts included', async () => {
    // The native alert is sent on confirmation, a few seconds after the block; poll until its counter is scraped.
    await eventually(async () => (await instant('blockwatch_alerts_sent_total{result="success"}')).length > 0, 20_000, 500);
    const empty: string[] = [];
    // A steady block is no intermittent one: that panel may be empty here (the last test draws it).
    for (const q of dashboardQueries()) {
      if (q.needs.includes(INTERMITTENT)) continue;
      for (const values of SELECTIONS) if (!drawable(await run(q, values))) empty.push(name(q, values));
    }
    expect(empty).toEqual([]);
    const blockedNow = await run(dashboardQueries().find((q) => q.panel === 'Blocked now: patterns')!, {});
    expect(blockedNow.map((s) => sortedLabels(s.metric))).toEqual([sortedLabels({ vantage: 'isp', app: BLOCKED.name, pattern: 'tls.sni_filter' })]);
  }, 30_000);

  test('a steady block passes through the intermittent band as its share ramps to 1, and BlockwatchIntermittentBlocking stays pending', async () => {
    const share = `min(blockwatch_target_blocked_ratio{app="${BLOCKED.name}",vantage="isp"})`;
    await eventually(async () => Number((await instant(share))[0]?.value?.[1]) === 1, 60_000, 500).catch((e: Error) => {
      throw new Error(`${e.message}\n${context()}`);
    });
    const span = `${Math.ceil(Date.now() / 1000 - since)}s`;
    const seen = async (state: string) =>
      (await instant(`max_over_time(ALERTS{alertname="BlockwatchIntermittentBlocking",alertstate="${state}"}[${span}])`)).map((s) => `${s.metric.app}/${s.metric.target}`).sort();
    // The ramp raised the rule (the share was strictly inside 0.1–0.9) but ended before its for: did.
    expect(await seen('pending')).toEqual(BLOCKED.targets.map((t) => `${BLOCKED.name}/${t.id}`).sort());
    expect(await seen('firing')).toEqual([]);
  }, 70_000);

  test('an allowlist applied mid-run fires BlockwatchAllowlisting for isp, and the vantage state panel shows isp walled', async () => {
    await lab!.revert();
    await lab!.apply(ALLOWLIST);
    try {
      const walled = async () => {
        const r = await stack!.prom<{ data: { alerts: PromAlert[] } }>('/api/v1/alerts');
        return r.data.alerts.find((a) => a.state === 'firing' && a.labels.alertname === 'BlockwatchAllowlisting');
      };
      const alert = await eventually(walled, 60_000, 500).catch((e: Error) => {
        throw new Error(`${e.message}\n${context()}`);
      });
      expect(sortedLabels(alert.labels)).toEqual(
        sortedLabels({ alertname: 'BlockwatchAllowlisting', vantage: 'isp', severity: 'critical', instance: BLOCKWATCH, job: 'blockwatch' }),
      );
      const panel = dashboardQueries().find((q) => q.panel === 'Vantage state')!;
      const codes = Object.fromEntries((await run({ ...panel, instant: true }, {})).map((s) => [s.metric.vantage, Number(s.value![1])]));
      expect(codes).toEqual({ isp: 1, abroad: 0 });
    } finally {
      await lab!.revert();
    }
  }, 70_000);

  test('every second flow dropped fires BlockwatchIntermittentBlocking for that target at isp, and the intermittent panel lists it', async () => {
    await lab!.apply(FLAKY);
    try {
      const target = FLAKY.targets[0].id;
      const intermittent = async () => {
        const r = await stack!.prom<{ data: { alerts: PromAlert[] } }>('/api/v1/alerts');
        // Only this app's: the SNI-reset app's history (blocked, lifted for the allowlist, walled,
        // lifted again) is mixed within one 20 s window for longer than the rule's for:, and on a
        // busy machine its ramp down may raise the rule too; its steady ramp is the test above.
        return r.data.alerts.find((a) => a.state === 'firing' && a.labels.alertname === 'BlockwatchIntermittentBlocking' && a.labels.app === FLAKY.name);
      };
      const alert = await eventually(intermittent, 150_000, 1000).catch((e: Error) => {
        throw new Error(`${e.message}\n${context()}`);
      });
      expect(sortedLabels(alert.labels)).toEqual(
        sortedLabels({ alertname: 'BlockwatchIntermittentBlocking', app: FLAKY.name, target, vantage: 'isp', severity: 'warning', instance: BLOCKWATCH, job: 'blockwatch' }),
      );
      const share = Number((await instant(`blockwatch_target_blocked_ratio{app="${FLAKY.name}",vantage="isp"}`))[0].value![1]);
      expect(share).toBeGreaterThan(0.1);
      expect(share).toBeLessThan(0.9);
      const panel = dashboardQueries().find((q) => q.needs.includes(INTERMITTENT) && q.dashboard.includes('overview'))!;
      expect((await run(panel, {})).map((s) => [s.metric.app, s.metric.target, s.metric.vantage])).toEqual([[FLAKY.name, target, 'isp']]);
    } finally {
      await lab!.revert();
    }
  }, 170_000);
});
