/** A typed subset of Grafana's dashboard JSON model: only what the blockwatch dashboards use. */

export interface DataSourceRef {
  type: 'prometheus';
  uid: string;
}

export interface PromTarget {
  refId: string;
  datasource: DataSourceRef;
  expr: string;
  legendFormat?: string;
  instant?: boolean;
  range?: boolean;
  format?: 'time_series' | 'table';
}

export interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface ValueMapping {
  type: 'value';
  options: Record<string, { text: string; color: string; index: number }>;
}

export interface Transformation {
  id: string;
  options: Record<string, unknown>;
}

export type PanelType = 'stat' | 'table' | 'timeseries' | 'state-timeline' | 'text';

export interface Panel {
  id: number;
  type: PanelType;
  title: string;
  description?: string;
  gridPos: GridPos;
  datasource?: DataSourceRef;
  targets: PromTarget[];
  fieldConfig: { defaults: Record<string, unknown>; overrides: unknown[] };
  options: Record<string, unknown>;
  transformations?: Transformation[];
}

export interface Variable {
  type: 'datasource' | 'query';
  name: string;
  label: string;
  [key: string]: unknown;
}

export interface Dashboard {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  editable: boolean;
  graphTooltip: number;
  refresh: string;
  schemaVersion: number;
  time: { from: string; to: string };
  timezone: string;
  templating: { list: Variable[] };
  annotations: { list: unknown[] };
  links: unknown[];
  panels: Panel[];
  version: number;
}
