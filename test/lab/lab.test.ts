/** The censorship lab end to end: each scenario's censor applied in namespaces, the real CLI run in the client, verdicts asserted exactly. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from './lab.js';
import { pendingReason } from './pending.js';
import { runScenarios, type ScenarioRun } from './run-scenarios.js';
import { ALL_SCENARIOS as ALL } from './all-scenarios.js';
import { isRoot } from './sh.js';
import { describeExpected, describeVantage, mismatches, VANTAGES } from './verdicts.js';

const canRun = isRoot() || Boolean(process.env.CI);
if (!canRun) console.warn('censorship lab skipped: it needs root (network namespaces, iptables); run `sudo npm test` or set CI=true to make it mandatory');

function context(r: ScenarioRun | undefined): string {
  if (!r) return 'scenario did not run';
  return `exit ${r.check.code}; stderr: ${r.check.stderr.slice(0, 2000)}${r.report ? '' : `; stdout: ${r.check.stdout.slice(0, 2000)}`}`;
}

describe.skipIf(!canRun)('censorship lab: blockwatch check names each technique', () => {
  let lab: Lab | undefined;
  const runs = new Map<string, ScenarioRun>();

  beforeAll(async () => {
    lab = await Lab.up();
    for (const r of await runScenarios(lab, ALL)) runs.set(r.scenario.name, r);
  }, 300_000);

  afterAll(async () => {
    await lab?.down();
  }, 60_000);

  for (const s of ALL) {
    for (const v of VANTAGES) {
      const test = pendingReason(s.name, v) ? it.fails : it;
      test(`${s.name} at ${v}: ${describeVantage(s.expectVantage?.[v])}${describeExpected(s.expect[v])} (${s.why})`, () => {
        const r = runs.get(s.name);
        const diff = mismatches(s, v, r?.report ?? null);
        expect(diff, context(r)).toEqual([]);
      });
    }
  }
});
