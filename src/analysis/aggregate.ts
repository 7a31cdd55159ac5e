/** An app's verdict at one vantage: targets in a group are redundant, essential groups decide. */
import { groupOf, PATTERNS, type App, type AppStatus, type AppVerdict, type Pattern, type TargetStatus, type TargetVerdict } from '../model/index.js';

type GroupStatus = 'ok' | 'blocked' | 'anomaly' | 'down' | 'unknown';

/** A group is ok while any target is; otherwise its most telling failure speaks for it. */
export function groupStatus(statuses: TargetStatus[]): GroupStatus {
  for (const s of ['ok', 'blocked', 'anomaly', 'down'] as const) if (statuses.includes(s)) return s;
  return 'unknown';
}

function groupsOf(app: App, verdicts: TargetVerdict[]): Map<string, TargetVerdict[]> {
  const byId = new Map(app.targets.map((t) => [t.id, groupOf(t)]));
  const groups = new Map<string, TargetVerdict[]>();
  for (const v of verdicts) {
    const g = byId.get(v.id) ?? v.id;
    const list = groups.get(g);
    if (list) list.push(v);
    else groups.set(g, [v]);
  }
  return groups;
}

/**
 * Distinct patterns of blocked and anomalous targets, most important first:
 * those that make an essential group fail, then confirmed before suspected,
 * then the more targets, then the order of the README's pattern table.
 */
function rankPatterns(groups: Map<string, TargetVerdict[]>, failing: Set<string>): Pattern[] {
  const rank = new Map<Pattern, { decisive: number; status: number; count: number }>();
  for (const [g, vs] of groups)
    for (const v of vs) {
      if ((v.status !== 'blocked' && v.status !== 'anomaly') || v.pattern === null) continue;
      const decisive = failing.has(g) ? 0 : 1;
      const status = v.status === 'blocked' ? 0 : 1;
      const r = rank.get(v.pattern);
      if (!r) rank.set(v.pattern, { decisive, status, count: 1 });
      else rank.set(v.pattern, { decisive: Math.min(r.decisive, decisive), status: Math.min(r.status, status), count: r.count + 1 });
    }
  return [...rank.entries()]
    .sort(([pa, a], [pb, b]) => a.decisive - b.decisive || a.status - b.status || b.count - a.count || PATTERNS.indexOf(pa) - PATTERNS.indexOf(pb))
    .map(([p]) => p);
}

/** Aggregates target verdicts into the app's verdict. An offline vantage makes everything unknown. */
export function aggregateApp(app: App, vantage: string, verdicts: TargetVerdict[], vantageOnline: boolean): AppVerdict {
  if (!vantageOnline) {
    const targets = verdicts.map((v) => ({ ...v, status: 'unknown' as const, pattern: null, evidence: { ...v.evidence, reason: 'vantage_offline' } }));
    return { app: app.id, vantage, status: 'unknown', patterns: [], targets };
  }
  const groups = groupsOf(app, verdicts);
  const statuses = new Map([...groups].map(([g, vs]) => [g, groupStatus(vs.map((v) => v.status))]));
  const essential = [...groups.keys()].filter((g) => app.groups[g]?.essential !== false);
  const failing = new Set(essential.filter((g) => statuses.get(g) !== 'ok'));
  const essentialStatuses = essential.map((g) => statuses.get(g));
  const anyTarget = (s: TargetStatus): boolean => verdicts.some((v) => v.status === s);

  let status: AppStatus;
  if (essentialStatuses.includes('blocked')) status = 'blocked';
  else if (essentialStatuses.includes('anomaly')) status = 'anomaly';
  else if (essentialStatuses.includes('down')) status = 'down';
  else if (essentialStatuses.includes('unknown')) status = 'unknown';
  else if (essential.length === 0 && !anyTarget('ok') && !anyTarget('blocked') && !anyTarget('anomaly')) status = 'unknown';
  // Degraded: a whole (non-essential) group fails by blocking; one blocked host of a
  // redundant group that still works leaves the app reachable (its target says so).
  else if ([...statuses.values()].some((s) => s === 'blocked' || s === 'anomaly')) status = 'degraded';
  else status = 'reachable';

  return { app: app.id, vantage, status, patterns: rankPatterns(groups, failing), targets: verdicts };
}
