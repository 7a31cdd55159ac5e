/** The overview dashboard: which app is blocked where, how, and whether the vantages are up. */
import { dashboard, datasourceVariable, labelValuesVariable, mappings } from './builder.js';
import type { Dashboard } from './model.js';
import { appStatusCode, intermittentTargets, INTERMITTENT_BAND, sel, statusMappings, VANTAGE_STATE_CODES, vantageStateCode } from './promql.js';

const HIDDEN_COLUMNS = { Time: true, __name__: true, job: true, instance: true };

export function overview(): Dashboard {
  const statusMap = mappings(statusMappings());
  return dashboard({
    uid: 'blockwatch-overview',
    title: 'Blockwatch / Overview',
    description: 'Which messaging apps are reachable from which vantage, which are blocked and how.',
    variables: [
      datasourceVariable(),
      labelValuesVariable({ name: 'vantage', label: 'Vantage', selector: 'blockwatch_vantage_online', labelName: 'vantage', multi: true }),
      labelValuesVariable({ name: 'app', label: 'App', selector: 'blockwatch_app_status{vantage=~"$vantage"}', labelName: 'app', multi: true }),
    ],
    panels: [
      {
        type: 'stat',
        title: 'Blocked now',
        description: 'App × vantage pairs whose status is blocked.',
        w: 6,
        h: 4,
        queries: [{ expr: `count(${sel('blockwatch_app_status', { matchers: ['status="blocked"'] })} == 1) or vector(0)`, instant: true }],
        defaults: { thresholds: { mode: 'absolute', steps: [{ color: 'green', value: null }, { color: 'red', value: 1 }] } },
        options: { colorMode: 'background', graphMode: 'none', reduceOptions: { calcs: ['lastNotNull'] } },
      },
      {
        type: 'stat',
        title: 'Anomalies now',
        description: 'App × vantage pairs that look blocked without a control to confirm it.',
        w: 6,
        h: 4,
        queries: [{ expr: `count(${sel('blockwatch_app_status', { matchers: ['status="anomaly"'] })} == 1) or vector(0)`, instant: true }],
        defaults: { thresholds: { mode: 'absolute', steps: [{ color: 'green', value: null }, { color: 'orange', value: 1 }] } },
        options: { colorMode: 'background', graphMode: 'none', reduceOptions: { calcs: ['lastNotNull'] } },
      },
      {
        type: 'stat',
        title: 'Vantages',
        description: 'Selected vantages by state: online (a foreign canary answers), walled (only domestic canaries answer: destination allowlisting), offline.',
        w: 6,
        h: 4,
        queries: (['online', 'walled', 'offline'] as const).map((state) => ({
          expr: `count(${sel('blockwatch_vantage_state', { app: false, matchers: [`state="${state}"`] })} == 1) or vector(0)`,
          legend: state,
          instant: true,
        })),
        options: { colorMode: 'value', graphMode: 'none', textMode: 'value_and_name', reduceOptions: { calcs: ['lastNotNull'] } },
      },
      {
        type: 'stat',
        title: 'Oldest round',
        description: 'Age of the oldest last complete round among the selected vantages; above three intervals the results are stale.',
        w: 6,
        h: 4,
        queries: [{ expr: `max(time() - ${sel('blockwatch_round_timestamp_seconds', { app: false })})`, instant: true }],
        defaults: { unit: 's', thresholds: { mode: 'absolute', steps: [{ color: 'green', value: null }, { color: 'red', value: 180 }] } },
        options: { colorMode: 'value', graphMode: 'none', reduceOptions: { calcs: ['lastNotNull'] } },
      },
      {
        type: 'table',
        title: 'Status: app × vantage',
        description: 'The current verdict of every selected app at every selected vantage.',
        w: 14,
        h: 10,
        queries: [{ expr: appStatusCode(), instant: true, table: true }],
        transformations: [{ id: 'groupingToMatrix', options: { columnField: 'vantage', rowField: 'app', valueField: 'Value' } }],
        defaults: { mappings: statusMap, custom: { align: 'center', cellOptions: { type: 'color-background' } } },
        options: { showHeader: true, cellHeight: 'sm' },
      },
      {
        type: 'table',
        title: 'Blocked now: patterns',
        description: 'The blocking technique each blocked app shows at each vantage, with the number of targets it hits.',
        w: 10,
        h: 10,
        queries: [{ expr: `count by (vantage, app, pattern) (${sel('blockwatch_target_blocked')})`, instant: true, table: true }],
        transformations: [{ id: 'organize', options: { excludeByName: HIDDEN_COLUMNS, renameByName: { Value: 'targets' } } }],
        options: { showHeader: true, cellHeight: 'sm', sortBy: [{ displayName: 'app', desc: false }] },
      },
      {
        type: 'table',
        title: 'Intermittent targets now',
        description:
          `Targets blocked in some trials and not others: a blocked share between ${INTERMITTENT_BAND[0]} and ${INTERMITTENT_BAND[1]} ` +
          'over blockwatch\'s window. Held for 30 minutes, it raises BlockwatchIntermittentBlocking.',
        w: 24,
        h: 6,
        queries: [{ expr: intermittentTargets(), instant: true, table: true }],
        transformations: [{ id: 'organize', options: { excludeByName: HIDDEN_COLUMNS, renameByName: { Value: 'blocked share' } } }],
        defaults: { unit: 'percentunit', decimals: 0 },
        options: { showHeader: true, cellHeight: 'sm', sortBy: [{ displayName: 'blocked share', desc: true }] },
      },
      {
        type: 'state-timeline',
        title: 'App status over time',
        description: 'Each app at each vantage, coloured by its verdict.',
        w: 24,
        h: 10,
        queries: [{ expr: appStatusCode(), legend: '{{app}} @ {{vantage}}' }],
        defaults: { mappings: statusMap, color: { mode: 'thresholds' }, thresholds: { mode: 'absolute', steps: [{ color: 'text', value: null }] } },
        options: { showValue: 'never', mergeValues: true, rowHeight: 0.8, legend: { showLegend: false } },
      },
      {
        type: 'timeseries',
        title: 'Blocking patterns over time',
        description: 'Blocked targets by the technique that blocks them.',
        w: 14,
        h: 9,
        queries: [{ expr: `count by (pattern) (${sel('blockwatch_target_blocked')})`, legend: '{{pattern}}' }],
        defaults: { custom: { drawStyle: 'bars', stacking: { mode: 'normal' }, fillOpacity: 80 }, min: 0, decimals: 0 },
        options: { legend: { showLegend: true, displayMode: 'table', placement: 'right', calcs: ['max', 'lastNotNull'] } },
      },
      {
        type: 'state-timeline',
        title: 'Vantage state',
        description:
          'Online; walled: only domestic canaries answer (destination allowlisting), apps still judged; offline: every canary failed, ' +
          "app verdicts unknown, with the reason: shutdown (nothing answers while another vantage on the host is online), silent (nothing answers), the host's own link.",
        w: 10,
        h: 9,
        queries: [{ expr: vantageStateCode(), legend: '{{vantage}}' }],
        defaults: { mappings: mappings(VANTAGE_STATE_CODES), color: { mode: 'thresholds' }, thresholds: { mode: 'absolute', steps: [{ color: 'text', value: null }] } },
        options: { showValue: 'never', mergeValues: true, legend: { showLegend: false } },
      },
      {
        type: 'table',
        title: 'Vantages',
        description: 'Each vantage with its configured labels; control vantages confirm what the others see.',
        w: 14,
        h: 7,
        queries: [{ expr: sel('blockwatch_vantage_info', { app: false }), instant: true, table: true }],
        transformations: [{ id: 'organize', options: { excludeByName: { ...HIDDEN_COLUMNS, Value: true } } }],
        options: { showHeader: true, cellHeight: 'sm' },
      },
      {
        type: 'timeseries',
        title: 'Native alerts sent',
        description: 'Deliveries of blockwatch\'s own alerts, by receiver and result.',
        w: 10,
        h: 7,
        queries: [{ expr: 'sum by (receiver, result) (increase(blockwatch_alerts_sent_total[$__rate_interval]))', legend: '{{receiver}} {{result}}' }],
        defaults: { custom: { drawStyle: 'bars', fillOpacity: 80 }, min: 0 },
        options: { legend: { showLegend: true, displayMode: 'list', placement: 'bottom' } },
      },
    ],
  });
}
