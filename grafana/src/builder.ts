/** A small builder for Grafana dashboards: panels, variables and a row-major grid layout. */
import type { DataSourceRef, Dashboard, Panel, PanelType, PromTarget, Transformation, ValueMapping, Variable } from './model.js';

/** Every panel queries the data source the `datasource` variable picks. */
export const DS: DataSourceRef = { type: 'prometheus', uid: '${datasource}' };

/** Grafana's grid is 24 columns wide. */
const GRID_WIDTH = 24;

export interface QuerySpec {
  expr: string;
  legend?: string;
  /** Instant queries feed tables and "now" panels; the rest are range queries. */
  instant?: boolean;
  table?: boolean;
}

export interface PanelSpec {
  type: PanelType;
  title: string;
  description: string;
  w: number;
  h: number;
  queries: QuerySpec[];
  defaults?: Record<string, unknown>;
  options?: Record<string, unknown>;
  transformations?: Transformation[];
}

function target(q: QuerySpec, i: number): PromTarget {
  const t: PromTarget = { refId: String.fromCharCode(65 + i), datasource: DS, expr: q.expr };
  if (q.legend !== undefined) t.legendFormat = q.legend;
  if (q.instant) {
    t.instant = true;
    t.range = false;
  } else {
    t.range = true;
  }
  if (q.table) t.format = 'table';
  return t;
}

/** Lays panels out left to right, wrapping to a new line when a panel no longer fits. */
export function layout(specs: PanelSpec[]): Panel[] {
  let x = 0;
  let y = 0;
  let lineHeight = 0;
  return specs.map((s, i) => {
    if (x + s.w > GRID_WIDTH) {
      x = 0;
      y += lineHeight;
      lineHeight = 0;
    }
    const panel: Panel = {
      id: i + 1,
      type: s.type,
      title: s.title,
      description: s.description,
      gridPos: { x, y, w: s.w, h: s.h },
      datasource: DS,
      targets: s.queries.map(target),
      fieldConfig: { defaults: s.defaults ?? {}, overrides: [] },
      options: s.options ?? {},
    };
    if (s.transformations) panel.transformations = s.transformations;
    x += s.w;
    lineHeight = Math.max(lineHeight, s.h);
    return panel;
  });
}

/** Value → text and colour, in the order given. */
export function mappings(entries: [value: string | number, text: string, color: string][]): ValueMapping[] {
  const options: ValueMapping['options'] = {};
  entries.forEach(([value, text, color], index) => {
    options[String(value)] = { text, color, index };
  });
  return [{ type: 'value', options }];
}

export function datasourceVariable(): Variable {
  return {
    type: 'datasource',
    name: 'datasource',
    label: 'Data source',
    query: 'prometheus',
    current: {},
    hide: 0,
    refresh: 1,
    regex: '',
  };
}

/** A query variable over label_values(selector, label). */
export function labelValuesVariable(opts: {
  name: string;
  label: string;
  selector: string;
  labelName: string;
  multi: boolean;
}): Variable {
  const query = `label_values(${opts.selector}, ${opts.labelName})`;
  return {
    type: 'query',
    name: opts.name,
    label: opts.label,
    datasource: DS,
    definition: query,
    query: { query, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
    refresh: 2,
    sort: 1,
    multi: opts.multi,
    includeAll: opts.multi,
    ...(opts.multi ? { allValue: '.*', current: { selected: true, text: ['All'], value: ['$__all'] } } : { current: {} }),
    hide: 0,
    regex: '',
    options: [],
  };
}

export function dashboard(opts: {
  uid: string;
  title: string;
  description: string;
  variables: Variable[];
  panels: PanelSpec[];
}): Dashboard {
  return {
    uid: opts.uid,
    title: opts.title,
    description: opts.description,
    tags: ['blockwatch'],
    editable: true,
    graphTooltip: 1,
    refresh: '1m',
    schemaVersion: 39,
    time: { from: 'now-24h', to: 'now' },
    timezone: 'utc',
    templating: { list: opts.variables },
    annotations: { list: [] },
    links: [{ type: 'dashboards', tags: ['blockwatch'], asDropdown: false, title: 'blockwatch', includeVars: true, keepTime: true }],
    panels: layout(opts.panels),
    version: 1,
  };
}
