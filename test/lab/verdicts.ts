/** Compares a report from `blockwatch check` with a scenario's expected verdicts, exactly. */
import type { AppVerdict, Report, TargetVerdict } from '../../src/model/index.js';
import { ANY_PATTERN, type ExpectedApp, type ExpectedDetail, type ExpectedTarget, type ExpectedVantage, type Scenario, type VantageId } from './scenario-types.js';

export const VANTAGES: VantageId[] = ['isp', 'abroad'];

/** An inclusive range as [lo, hi]. */
const bounds = (n: number | readonly [number, number]): readonly [number, number] => (typeof n === 'number' ? [n, n] : n);
/** `3`, or `1–3`. */
function span(n: number | readonly [number, number]): string {
  const [lo, hi] = bounds(n);
  return lo === hi ? String(lo) : `${lo}–${hi}`;
}

function describeDetail(d: ExpectedDetail | undefined): string {
  if (!d) return '';
  const parts: string[] = [];
  if (d.diagnosis !== undefined) parts.push(`diagnosis ${d.diagnosis}`);
  if (d.basis !== undefined) parts.push(`basis ${d.basis}`);
  if (d.trials) parts.push(`trials ${span(d.trials.blocked)}/${span(d.trials.run)}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

function describeOne(e: Omit<ExpectedApp, 'or'>): string {
  return [e.app, ...Object.entries(e.targets).map(([id, [s, p, d]]) => `${id}=${s}${p ? `/${p}` : ''}${describeDetail(d)}`)].join(' ');
}

/** One line per vantage: `blocked web=blocked/tls.sni_filter dns=ok`, and each equally right alternative after ` | `. */
export function describeExpected(e: ExpectedApp): string {
  return [e, ...(e.or ?? [])].map(describeOne).join(' | ');
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

/** Differences between one expected target and the report's verdict of it. */
function targetMismatches(id: string, [status, pattern, detail]: ExpectedTarget, t: TargetVerdict): string[] {
  const out: string[] = [];
  if (t.status !== status || (pattern !== ANY_PATTERN && t.pattern !== pattern)) {
    out.push(`target ${id}: expected ${status}/${pattern}, got ${t.status}/${t.pattern} (failure ${t.failure} at ${t.operation})`);
  }
  if (detail?.diagnosis !== undefined && t.diagnosis !== detail.diagnosis) out.push(`target ${id}: expected diagnosis ${detail.diagnosis}, got ${t.diagnosis}`);
  if (detail?.basis !== undefined && t.basis !== detail.basis) out.push(`target ${id}: expected basis ${detail.basis}, got ${t.basis}`);
  if (detail?.trials) {
    const [lo, hi] = bounds(detail.trials.blocked);
    const [runLo, runHi] = bounds(detail.trials.run);
    const got = t.trials;
    if (!got || got.run < runLo || got.run > runHi || got.blocked < lo || got.blocked > hi) {
      out.push(`target ${id}: expected trials ${span(detail.trials.blocked)} blocked of ${span(detail.trials.run)}, got ${got ? `${got.blocked} of ${got.run}` : 'none'}`);
    }
  }
  return out;
}

/** Every difference between one complete expectation and the app's verdict. */
function appMismatches(want: Omit<ExpectedApp, 'or'>, got: AppVerdict): string[] {
  const out: string[] = [];
  if (got.status !== want.app) out.push(`app status: expected ${want.app}, got ${got.status}`);
  for (const [id, expected] of Object.entries(want.targets)) {
    const t = got.targets.find((x) => x.id === id);
    if (!t) out.push(`target ${id}: missing from the report`);
    else out.push(...targetMismatches(id, expected, t));
  }
  for (const t of got.targets) if (!(t.id in want.targets)) out.push(`target ${t.id}: not in the scenario's expectation`);
  return out;
}

/** Every difference between what a scenario expects at a vantage and what the report says; empty when they agree (with any one alternative). */
export function mismatches(s: Scenario, vantage: VantageId, report: Report | null): string[] {
  const want = s.expect[vantage];
  const got = findVerdict(report, s.name, vantage);
  if (!got) return [`no verdict for app ${s.name} at vantage ${vantage}`];
  let out = appMismatches(want, got);
  for (const alternative of want.or ?? []) {
    if (out.length === 0) break;
    const other = appMismatches(alternative, got);
    if (other.length === 0) out = [];
    else out.push(`or, against the alternative ${describeOne(alternative)}: ${other.join('; ')}`);
  }
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
