/**
 * `npm run lab`: brings the censorship lab up, runs `blockwatch check` across every
 * scenario, prints what was expected and what blockwatch said, and tears the lab down.
 *   npm run lab                              every scenario (test/lab/all-scenarios.ts)
 *   npm run lab -- NAME…                     some of them
 *   npm run lab -- --incident NAME|all       one incident of the pack (test/lab/incidents.ts), or all of them
 */
import { INCIDENTS, incidentByName, incidentScenarios, type Incident } from './incidents.js';
import { Lab } from './lab.js';
import { pendingReason } from './pending.js';
import { runScenarios, type ScenarioRun } from './run-scenarios.js';
import { ALL_SCENARIOS } from './all-scenarios.js';
import type { Scenario } from './scenario-types.js';
import { isRoot } from './sh.js';
import { describeExpected, describeVantage, describeVerdict, findVerdict, mismatches, VANTAGES } from './verdicts.js';

interface Request {
  scenarios: Scenario[];
  incidents: Incident[];
}

function parse(args: string[]): Request {
  const incidents: Incident[] = [];
  const names: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = a === '--incident' ? args[++i] : a.startsWith('--incident=') ? a.slice('--incident='.length) : null;
    if (a === '--incident' || value !== null) {
      if (!value) throw new Error(`--incident needs a name: all, ${INCIDENTS.map((x) => x.name).join(', ')}`);
      incidents.push(...(value === 'all' ? INCIDENTS : [incidentByName(value)]));
    } else if (a.startsWith('-')) {
      throw new Error(`unknown option ${a}`);
    } else {
      names.push(a);
    }
  }
  const scenarios = names.map((n) => {
    const s = ALL_SCENARIOS.find((x) => x.name === n);
    if (!s) throw new Error(`no lab scenario named ${n}`);
    return s;
  });
  return { scenarios: scenarios.length || incidents.length ? scenarios : ALL_SCENARIOS, incidents: [...new Set(incidents)] };
}

/** Prints expected against got for each run; returns how many scenario × vantage verdicts differ. */
function report(runs: ScenarioRun[]): number {
  let failed = 0;
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
  return failed;
}

async function main(): Promise<number> {
  if (!isRoot()) {
    console.error('The lab builds network namespaces and firewall rules: run it as root (sudo npm run lab).');
    return 2;
  }
  let req: Request;
  try {
    req = parse(process.argv.slice(2));
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  const all = [...new Map([...req.scenarios, ...incidentScenarios(req.incidents)].map((s) => [s.name, s])).values()];
  console.log(`Bringing the lab up (client, censor, servers, abroad namespaces; addresses in 198.18.0.0/15)…`);
  const lab = await Lab.up({ scenarios: all });
  const stop = () => void lab.down().finally(() => process.exit(130));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let failed = 0;
  let total = 0;
  try {
    if (req.scenarios.length) {
      const runs = await runScenarios(lab, req.scenarios, (line) => console.log(`… ${line}`), { configFile: lab.configFor(req.scenarios) });
      failed += report(runs);
      total += runs.length * VANTAGES.length;
    }
    for (const incident of req.incidents) {
      console.log(`\n== ${incident.name}: ${incident.title} (${incident.date})`);
      console.log(incident.account);
      for (const s of incident.sources) console.log(`   source: ${s.title} <${s.url}>`);
      // Each incident with a config of its own: one incident's catalogues cannot spoil another's run.
      const runs = await runScenarios(lab, incident.scenarios, (line) => console.log(`… ${line}`), { configFile: lab.configFor(incident.scenarios) });
      failed += report(runs);
      total += runs.length * VANTAGES.length;
    }
    console.log(`\n${total - failed} as expected, ${failed} not. Pending verdicts and why: test/lab/pending.ts`);
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
