/** The table `check` prints for a person: one line per app and vantage. */
import type { AppStatus, Report, TargetVerdict } from '../model/index.js';
import { failingStep, PATTERN_WORDS } from './words.js';

const COLOURS: Record<AppStatus, string> = {
  reachable: '\x1b[32m',
  degraded: '\x1b[33m',
  anomaly: '\x1b[33m',
  blocked: '\x1b[31m',
  down: '\x1b[35m',
  unknown: '\x1b[90m',
};
const RESET = '\x1b[0m';

/** The target that explains an app's status: the first blocked, then anomaly, then down. */
function decisive(targets: TargetVerdict[]): TargetVerdict | undefined {
  for (const s of ['blocked', 'anomaly', 'down', 'unknown'] as const) {
    const t = targets.find((x) => x.status === s);
    if (t) return t;
  }
  return undefined;
}

export function renderTable(report: Report, colour: boolean): string {
  const rows: string[][] = [['APP', 'VANTAGE', 'STATUS', 'PATTERN', 'FAILING STEP']];
  const statuses: AppStatus[] = [];
  for (const a of report.apps) {
    const t = a.status === 'reachable' ? undefined : decisive(a.targets);
    rows.push([a.app, a.vantage, a.status, a.patterns.join(',') || '-', t ? failingStep(t) : '-']);
    statuses.push(a.status);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const lines = rows.map((r, i) => {
    const cells = r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c])));
    if (colour && i > 0) cells[2] = COLOURS[statuses[i - 1]] + cells[2] + RESET;
    return cells.join('  ').trimEnd();
  });
  const walled = report.vantages.filter((v) => v.state === 'walled').map((v) => v.id);
  if (walled.length) lines.push('', `Walled vantages (only domestic canaries answer: destination allowlisting; apps judged as usual): ${walled.join(', ')}`);
  const offline = report.vantages.filter((v) => v.state === 'offline').map((v) => `${v.id} (${v.reason ?? 'unknown'})`);
  if (offline.length) lines.push('', `Offline vantages (canaries failed; their verdicts are unknown): ${offline.join(', ')}`);
  const seen = [...new Set(report.apps.flatMap((a) => a.patterns))];
  if (seen.length) {
    lines.push('', 'Patterns:');
    for (const p of seen) lines.push(`  ${p.padEnd(17)} ${PATTERN_WORDS[p]}`);
  }
  return lines.join('\n') + '\n';
}
