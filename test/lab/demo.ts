/**
 * `npm run lab`: brings the censorship lab up, runs `blockwatch check` across every
 * scenario, prints what was expected and what blockwatch said, and tears the lab down.
 */
import { Lab } from './lab.js';
import { pendingReason } from './pending.js';
import { runScenarios } from './run-scenarios.js';
import { SCENARIOS } from './scenarios.js';
import { WALLED_SCENARIOS } from './scenarios-walled.js';
import { isRoot } from './sh.js';
import { describeExpected, describeVantage, describeVerdict, findVerdict, mismatches, VANTAGES } from './verdicts.js';

async function main(): Promise<number> {
  if (!isRoot()) {
    console.error('The lab builds network namespaces and firewall rules: run it as root (sudo npm run lab).');
    return 2;
  }
  const only = process.argv.slice(2);
  const all = [...SCENARIOS, ...WALLED_SCENARIOS];
  const scenarios = only.length ? all.filter((s) => only.includes(s.name)) : all;
  console.log(`Bringing the lab up (client, censor, servers, abroad namespaces; addresses in 198.18.0.0/15)…`);
  const lab = await Lab.up();
  const stop = () => void lab.down().finally(() => process.exit(130));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let failed = 0;
  try {
    const runs = await runScenarios(lab, scenarios, (line) => console.log(`… ${line}`));
    const rows: string[][] = [['scenario', 'vantage', 'expected', 'got', '']];
    for (const r of runs) {
      for (const v of VANTAGES) {
        const diff = mismatches(r.scenario, v, r.report);
        const pending = pendingReason(r.scenario.name, v);
        if (diff.length) failed++;
        const state = r.report?.vantages.find((x) => x.id === v);
        const got = `${state && r.scenario.expectVantage?.[v] ? describeVantage({ state: state.state, reason: state.reason ?? undefined }) : ''}${describeVerdict(findVerdict(r.report, r.scenario.name, v))}`;
        rows.push([r.scenario.name, v, describeVantage(r.scenario.expectVantage?.[v]) + describeExpected(r.scenario.expect[v]), got, diff.length ? (pending ? '✗ (pending)' : '✗') : '✓']);
      }
      if (!r.report) console.log(`${r.scenario.name}: no report (exit ${r.check.code}): ${r.check.stderr.trim().slice(0, 500)}`);
    }
    const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
    for (const row of rows) console.log(row.map((c, i) => c.padEnd(widths[i])).join('  '));
    console.log(`\n${rows.length - 1 - failed} as expected, ${failed} not. Pending verdicts and why: test/lab/pending.ts`);
  } finally {
    await lab.down();
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    console.error(e.stack ?? e.message);
    process.exit(1);
  },
);
