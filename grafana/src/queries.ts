/** Every PromQL expression the dashboards run, and how to expand their template variables. */
import { dashboards } from './dashboards.js';

export interface DashboardQuery {
  dashboard: string;
  panel: string;
  refId: string;
  /** As written in the dashboard, with $variables. */
  expr: string;
  instant: boolean;
  /** What must have happened for the query to return data (empty: any running blockwatch). */
  needs: string[];
}

/** Series that exist only after something happened, so queries on them may rightly be empty. */
export const CONDITIONAL_SERIES: Record<string, string> = {
  blockwatch_target_blocked: 'a target blocked at the time of the query',
  blockwatch_alerts_sent_total: 'a native alert sent to a receiver',
};

/** Queries that keep only some values, so they may rightly be empty, and what they wait for. */
export const INTERMITTENT = 'a target blocked in some trials and not others';

function needsOf(expr: string): string[] {
  const out = Object.entries(CONDITIONAL_SERIES)
    .filter(([metric]) => new RegExp(`\\b${metric}\\b`).test(expr))
    .map(([, why]) => why);
  // The blocked share kept only between its bounds (intermittentTargets in promql.ts).
  if (/blockwatch_target_blocked_ratio\b[\s\S]*\) > [\d.]+ < [\d.]+/.test(expr)) out.push(INTERMITTENT);
  return out;
}

export function dashboardQueries(): DashboardQuery[] {
  const out: DashboardQuery[] = [];
  for (const [file, d] of dashboards()) {
    for (const p of d.panels) {
      for (const t of p.targets) out.push({ dashboard: file, panel: p.title, refId: t.refId, expr: t.expr, instant: t.instant === true, needs: needsOf(t.expr) });
    }
  }
  return out;
}

/** The series selectors inside the query variables' label_values(selector, label). */
export function variableSelectors(): { dashboard: string; variable: string; selector: string }[] {
  const out: { dashboard: string; variable: string; selector: string }[] = [];
  for (const [file, d] of dashboards()) {
    for (const v of d.templating.list) {
      if (v.type !== 'query') continue;
      const m = /^label_values\((.*),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$/.exec(String(v.definition));
      if (m) out.push({ dashboard: file, variable: v.name, selector: m[1] });
    }
  }
  return out;
}

/** Grafana's built-in interval variables, at values a 30 s scrape interval supports. */
const BUILTINS: Record<string, string> = { __rate_interval: '2m', __interval: '1m', __range: '1h' };

/**
 * Substitutes template variables the way Grafana would for "All": each custom variable
 * becomes `values[name]` (default `.*`, which suits the dashboards' `=~"$name"` matches).
 * Handles `$name`, `${name}` and `[[name]]`.
 */
export function expandVariables(expr: string, values: Record<string, string> = {}): string {
  return expr.replace(/\$\{(\w+)\}|\$(\w+)|\[\[(\w+)\]\]/g, (_all, a?: string, b?: string, c?: string) => {
    const name = (a ?? b ?? c) as string;
    return values[name] ?? BUILTINS[name] ?? '.*';
  });
}
