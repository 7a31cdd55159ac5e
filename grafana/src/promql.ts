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

/**
 * A vantage's state as a number, one series per vantage: online, walled, or offline
 * with its reason where blockwatch gives one. Offline codes rise with how much the
 * reason says, so that `max` keeps the reason over the bare offline state.
 */
export const VANTAGE_STATE_CODES: [code: number, text: string, color: string][] = [
  [0, 'online', 'green'],
  [1, 'walled', 'orange'],
  [2, 'offline', 'red'],
  [3, "offline: host's link", 'purple'],
  [4, 'offline: silent', 'red'],
  [5, 'offline: shutdown', 'dark-red'],
];

export function vantageStateCode(): string {
  const state = (s: string, code: number) => `(${sel('blockwatch_vantage_state', { app: false, matchers: [`state="${s}"`] })} == 1) * 0 + ${code}`;
  const reason = (r: string, code: number) => `(${sel('blockwatch_vantage_offline_reason', { app: false, matchers: [`reason="${r}"`] })} == 1) * 0 + ${code}`;
  const arms = [state('online', 0), state('walled', 1), state('offline', 2), reason('link', 3), reason('silent', 4), reason('shutdown', 5)];
  return `max by (vantage) (\n  ${arms.join('\n  or ')}\n)`;
}

/**
 * The blocked share (blockwatch_target_blocked_ratio) that is neither never nor always:
 * the bounds of BlockwatchIntermittentBlocking in config/prometheus/rules/blockwatch.rules.yml,
 * exclusive. A test keeps the two equal.
 */
export const INTERMITTENT_BAND: readonly [low: number, high: number] = [0.1, 0.9];

/** Each target's blocked share, per vantage and target. */
export function blockedShare(): string {
  return `max by (vantage, app, target) (${sel('blockwatch_target_blocked_ratio')})`;
}

/** The targets whose blocked share lies inside INTERMITTENT_BAND now. */
export function intermittentTargets(): string {
  const [low, high] = INTERMITTENT_BAND;
  return `${blockedShare()} > ${low} < ${high}`;
}
