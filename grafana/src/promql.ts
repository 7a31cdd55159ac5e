/** PromQL pieces the dashboards share: variable-filtered selectors and the app status code. */
import { APP_STATUSES, type AppStatus } from '../../src/model/verdict.js';

/** `metric{vantage=~"$vantage",app=~"$app",extra}`: the dashboards' template variables as regex matches. */
export function sel(metric: string, opts: { app?: boolean; matchers?: string[] } = {}): string {
  const m = ['vantage=~"$vantage"'];
  if (opts.app !== false) m.push('app=~"$app"');
  m.push(...(opts.matchers ?? []));
  return `${metric}{${m.join(',')}}`;
}

/** Colours per app status, worst in red; unknown is grey because nobody could look. */
export const STATUS_COLORS: Record<AppStatus, string> = {
  reachable: 'green',
  degraded: 'yellow',
  anomaly: 'orange',
  blocked: 'red',
  down: 'purple',
  unknown: 'text',
};

/**
 * The app status as a number (its index in APP_STATUSES), one series per vantage and app,
 * for panels that colour a cell or a timeline by status. blockwatch_app_status carries the
 * status as a label; each arm keeps the series whose status is current and gives it its code.
 */
export function appStatusCode(): string {
  const arms = APP_STATUSES.map(
    (s, i) => `(${sel('blockwatch_app_status', { matchers: [`status="${s}"`] })} == 1) * 0 + ${i}`,
  );
  return `max by (vantage, app) (\n  ${arms.join('\n  or ')}\n)`;
}

export function statusMappings(): [number, string, string][] {
  return APP_STATUSES.map((s, i) => [i, s, STATUS_COLORS[s]]);
}
