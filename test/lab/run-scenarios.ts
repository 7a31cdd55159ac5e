/**
 * Runs the scenario catalogue against a lab: every scenario that can share the lab is
 * applied at once and probed in one `blockwatch check`; the exclusive ones (whose censor
 * touches every app) run alone after it. Used by the lab tests and the demo.
 */
import type { Report } from '../../src/model/index.js';
import type { CheckResult, Lab } from './lab.js';
import type { Scenario } from './scenario-types.js';

export interface ScenarioRun {
  scenario: Scenario;
  report: Report | null;
  /** The CLI's exit code and output, for explaining a failure. */
  check: CheckResult;
}

/** Runs the scenarios with the lab's config, or with `configFile` (see Lab.configFor). */
export async function runScenarios(
  lab: Lab, scenarios: Scenario[], log: (line: string) => void = () => {}, opts: { configFile?: string } = {},
): Promise<ScenarioRun[]> {
  const runs: ScenarioRun[] = [];
  const shared = scenarios.filter((s) => !s.exclusive);
  if (shared.length) {
    for (const s of shared) await lab.apply(s);
    log(`checking ${shared.length} scenarios at once`);
    const check = await lab.check(shared.map((s) => s.name), opts);
    await lab.revert();
    for (const s of shared) runs.push({ scenario: s, report: check.report, check });
  }
  for (const s of scenarios.filter((x) => x.exclusive)) {
    await lab.apply(s);
    log(`checking ${s.name} alone`);
    const check = await lab.check([s.name], opts);
    await lab.revert();
    runs.push({ scenario: s, report: check.report, check });
  }
  return runs;
}
