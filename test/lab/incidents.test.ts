/** The incident pack end to end: each documented incident replayed in the lab through the real CLI, its verdicts asserted exactly. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INCIDENTS, incidentScenarios } from './incidents.js';
import { Lab } from './lab.js';
import { runScenarios, type ScenarioRun } from './run-scenarios.js';
import { isRoot } from './sh.js';
import { describeExpected, mismatches, VANTAGES } from './verdicts.js';

const canRun = isRoot() || Boolean(process.env.CI);
if (!canRun) console.warn('censorship lab skipped: it needs root (network namespaces, iptables); run `sudo npm test` or set CI=true to make it mandatory');

function context(r: ScenarioRun | undefined): string {
  if (!r) return 'scenario did not run';
  return `exit ${r.check.code}; stderr: ${r.check.stderr.slice(0, 2000)}${r.report ? '' : `; stdout: ${r.check.stdout.slice(0, 2000)}`}`;
}

describe.skipIf(!canRun)('incident pack: documented incidents replayed through blockwatch check', () => {
  let lab: Lab | undefined;
  const runs = new Map<string, ScenarioRun>();

  beforeAll(async () => {
    const up = await Lab.up({ scenarios: incidentScenarios() });
    lab = up;
    // One config per incident, as `npm run lab -- --incident NAME` does.
    for (const incident of INCIDENTS) {
      for (const r of await runScenarios(up, incident.scenarios, () => {}, { configFile: up.configFor(incident.scenarios) })) runs.set(r.scenario.name, r);
    }
  }, 400_000);

  afterAll(async () => {
    await lab?.down();
  }, 60_000);

  for (const incident of INCIDENTS) {
    describe(`${incident.name}: ${incident.title} (${incident.date})`, () => {
      for (const s of incident.scenarios) {
        for (const v of VANTAGES) {
          it(`${s.name} at ${v}: ${describeExpected(s.expect[v])} (${s.why})`, () => {
            const r = runs.get(s.name);
            expect(mismatches(s, v, r?.report ?? null), context(r)).toEqual([]);
          });
        }
      }
    });
  }
});
