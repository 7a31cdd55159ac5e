/** Compares a report from `blockwatch check` with a scenario's expected verdicts, exactly. */
import type { AppVerdict, Report } from '../../src/model/index.js';
import type { ExpectedApp, ExpectedVantage, Scenario, VantageId } from './scenario-types.js';

export const VANTAGES: VantageId[] = ['isp', 'abroad'];

/** One line per vantage: `blocked web=blocked/tls.sni_filter dns=ok`. */
export function describeExpected(e: ExpectedApp): string {
  return [e.app, ...Object.entries(e.targets).map(([id, [s, p]]) => `${id}=${s}${p ? `/${p}` : ''}`)].join(' ');
}

/** `walled: ` or `offline (shutdown): `, to put before describeExpected; empty when no state is expected. */
export function describeVantage(e: ExpectedVantage | undefined): string {
  if (!e) return '';
  return `${e.state}${e.reason ? ` (${e.reason})` : ''}: `;
}

export function describeVerdict(v: AppVerdict | undefined): string {
  if (!v) return '(no verdict)';
  return [v.status, ...v.targets.map((t) => `${t.id}=${t.status}${t.pattern ? `/${t.pattern}` : ''}`)].join(' ');
}

export function findVerdict(report: Report | null, app: string, vantage: VantageId): AppVerdict | undefined {
  return report?.apps.find((a) => a.app === app && a.vantage === vantage);
}

/** Every difference between what a scenario expects at a vantage and what the report says; empty when they agree. */
export function mismatches(s: Scenario, vantage: VantageId, report: Report | null): string[] {
  const want = s.expect[vantage];
  const got = findVerdict(report, s.name, vantage);
  if (!got) return [`no verdict for app ${s.name} at vantage ${vantage}`];
  const out: string[] = [];
  if (got.status !== want.app) out.push(`app status: expected ${want.app}, got ${got.status}`);
  for (const [id, [status, pattern]] of Object.entries(want.targets)) {
    const t = got.targets.find((x) => x.id === id);
    if (!t) {
      out.push(`target ${id}: missing from the report`);
      continue;
    }
    if (t.status !== status || t.pattern !== pattern) {
      out.push(`target ${id}: expected ${status}/${pattern}, got ${t.status}/${t.pattern} (failure ${t.failure} at ${t.operation})`);
    }
  }
  for (const t of got.targets) if (!(t.id in want.targets)) out.push(`target ${t.id}: not in the scenario's expectation`);
  const wantState = s.expectVantage?.[vantage];
  if (wantState) {
    const state = report?.vantages.find((v) => v.id === vantage);
    if (!state) out.push(`vantage ${vantage}: missing from the report`);
    else if (state.state !== wantState.state || state.reason !== (wantState.reason ?? null)) {
      out.push(`vantage ${vantage}: expected ${wantState.state}/${wantState.reason ?? null}, got ${state.state}/${state.reason}`);
    }
  }
  return out;
}
