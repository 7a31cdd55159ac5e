/** The dashboards blockwatch ships, by the file name they are written to in grafana/dashboards/. */
import { appDetail } from './app-detail.js';
import type { Dashboard } from './model.js';
import { overview } from './overview.js';

export function dashboards(): Map<string, Dashboard> {
  return new Map([
    ['overview.json', overview()],
    ['app-detail.json', appDetail()],
  ]);
}

/** The file text: stable key order from the builders, two-space indent, final newline. */
export function renderDashboard(d: Dashboard): string {
  return `${JSON.stringify(d, null, 2)}\n`;
}
