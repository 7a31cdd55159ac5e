/** The app detail dashboard: one app's targets, their outcomes, patterns and phase latencies. */
import { dashboard, datasourceVariable, labelValuesVariable, mappings } from './builder.js';
import type { Dashboard } from './model.js';
import { appStatusCode, blockedShare, INTERMITTENT_BAND, sel, statusMappings } from './promql.js';

const OK_FAILING = mappings([
  [1, 'ok', 'green'],
  [0, 'failing', 'red'],
]);

function phaseQuantile(q: number): string {
  return `histogram_quantile(${q}, sum by (le, phase) (rate(${sel('blockwatch_probe_duration_seconds_bucket', { matchers: ['phase!="total"'] })}[$__rate_interval])))`;
}

export function appDetail(): Dashboard {
  return dashboard({
    uid: 'blockwatch-app-detail',
    title: 'Blockwatch / App detail',
    description: 'One app target by target: what each probe saw, which pattern blocked it, how long each phase took.',
    variables: [
      datasourceVariable(),
      labelValuesVariable({ name: 'app', label: 'App', selector: 'blockwatch_app_status', labelName: 'app', multi: false }),
      labelValuesVariable({ name: 'vantage', label: 'Vantage', selector: 'blockwatch_app_status{app=~"$app"}', labelName: 'vantage', multi: true }),
    ],
    panels: [
      {
        type: 'state-timeline',
        title: 'App status',
        description: 'The app verdict at each vantage.',
        w: 24,
        h: 6,
        queries: [{ expr: appStatusCode(), legend: '{{vantage}}' }],
        defaults: { mappings: mappings(statusMappings()), color: { mode: 'thresholds' }, thresholds: { mode: 'absolute', steps: [{ color: 'text', value: null }] } },
        options: { showValue: 'auto', mergeValues: true, legend: { showLegend: false } },
      },
      {
        type: 'table',
        title: 'Targets now: target × vantage',
        description: 'Whether the last probe of each target succeeded, per vantage.',
        w: 10,
        h: 12,
        queries: [{ expr: sel('blockwatch_target_success'), instant: true, table: true }],
        transformations: [{ id: 'groupingToMatrix', options: { columnField: 'vantage', rowField: 'target', valueField: 'Value' } }],
        defaults: { mappings: OK_FAILING, custom: { align: 'center', cellOptions: { type: 'color-background' } } },
        options: { showHeader: true, cellHeight: 'sm' },
      },
      {
        type: 'state-timeline',
        title: 'Target history',
        description: 'Each target at each vantage: ok or failing, over time.',
        w: 14,
        h: 12,
        queries: [{ expr: sel('blockwatch_target_success'), legend: '{{target}} ({{kind}}) @ {{vantage}}' }],
        defaults: { mappings: OK_FAILING, color: { mode: 'thresholds' } },
        options: { showValue: 'never', mergeValues: true, rowHeight: 0.8, legend: { showLegend: false } },
      },
      {
        type: 'state-timeline',
        title: 'Blocking pattern timeline',
        description: 'While a target is blocked: the technique, per target and vantage.',
        w: 24,
        h: 8,
        queries: [{ expr: `max by (vantage, target, pattern) (${sel('blockwatch_target_blocked')})`, legend: '{{target}} @ {{vantage}}: {{pattern}}' }],
        defaults: { mappings: mappings([[1, 'blocked', 'red']]), color: { mode: 'thresholds' } },
        options: { showValue: 'never', mergeValues: true, legend: { showLegend: false } },
      },
      {
        type: 'timeseries',
        title: 'Blocked share per target',
        description:
          'The share of each target\'s trials that were blocked, over blockwatch\'s window: 0 never, 1 always. ' +
          `Between ${INTERMITTENT_BAND[0]} and ${INTERMITTENT_BAND[1]} for 30 minutes it is intermittent (BlockwatchIntermittentBlocking).`,
        w: 24,
        h: 8,
        queries: [{ expr: blockedShare(), legend: '{{target}} @ {{vantage}}' }],
        defaults: {
          unit: 'percentunit',
          min: 0,
          max: 1,
          custom: { thresholdsStyle: { mode: 'dashed' } },
          thresholds: {
            mode: 'absolute',
            steps: [
              { color: 'green', value: null },
              { color: 'orange', value: INTERMITTENT_BAND[0] },
              { color: 'red', value: INTERMITTENT_BAND[1] },
            ],
          },
        },
        options: { legend: { showLegend: true, displayMode: 'table', placement: 'right', calcs: ['max', 'lastNotNull'] } },
      },
      {
        type: 'timeseries',
        title: 'Phase latency, median',
        description: 'Median duration of each probe phase (dns, connect, tls, ttfb) across the selected vantages.',
        w: 12,
        h: 8,
        queries: [{ expr: phaseQuantile(0.5), legend: '{{phase}}' }],
        defaults: { unit: 's', min: 0 },
        options: { legend: { showLegend: true, displayMode: 'list', placement: 'bottom' } },
      },
      {
        type: 'timeseries',
        title: 'Phase latency, 95th percentile',
        description: 'Slow tails: a stall before a timeout shows here before it shows as a failure.',
        w: 12,
        h: 8,
        queries: [{ expr: phaseQuantile(0.95), legend: '{{phase}}' }],
        defaults: { unit: 's', min: 0 },
        options: { legend: { showLegend: true, displayMode: 'list', placement: 'bottom' } },
      },
      {
        type: 'timeseries',
        title: 'Probe outcomes',
        description: 'Probes per interval by the status of their verdict (ok, anomaly, blocked, down, unknown).',
        w: 12,
        h: 8,
        queries: [{ expr: `sum by (status) (increase(${sel('blockwatch_probes_total')}[$__rate_interval]))`, legend: '{{status}}' }],
        defaults: { custom: { drawStyle: 'bars', stacking: { mode: 'normal' }, fillOpacity: 80 }, min: 0 },
        options: { legend: { showLegend: true, displayMode: 'list', placement: 'bottom' } },
      },
      {
        type: 'table',
        title: 'Probe outcomes in the time range, by kind',
        description: 'How many probes of each target kind ended in each status over the dashboard\'s time range.',
        w: 12,
        h: 8,
        queries: [{ expr: `sum by (kind, status) (increase(${sel('blockwatch_probes_total')}[$__range]))`, instant: true, table: true }],
        transformations: [{ id: 'groupingToMatrix', options: { columnField: 'status', rowField: 'kind', valueField: 'Value' } }],
        defaults: { decimals: 0 },
        options: { showHeader: true, cellHeight: 'sm' },
      },
    ],
  });
}
