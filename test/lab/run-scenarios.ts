/**
 * Runs the scenario catalogue against a lab: every scenario that can share the lab is
 * applied at once and probed in one `blockwatch check`; the exclusive ones (whose censor
 * touches every app) run alone after it, or with the others of their `together` batch. A
 * batch whose scenarios need a schedule of their own (trials, confirmation) runs with a config
 * of its own.
 * Used by the lab tests and the demo.
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

/**
 * Runs the scenarios, each batch with a config of its own (Lab.configFor: no confirmation unless
 * a scenario's schedule asks for it), or the shared one with `configFile`.
 */
export async function runScenarios(
  lab: Lab, scenarios: Scenario[], log: (line: string) => void = () => {}, opts: { configFile?: string } = {},
): Promise<ScenarioRun[]> {
  const runs: ScenarioRun[] = [];
  const shared = scenarios.filter((s) => !s.exclusive && !s.schedule);
  if (shared.length) {
    for (const s of shared) await lab.apply(s);
    log(`checking ${shared.length} scenarios at once`);
    const check = await lab.check(shared.map((s) => s.name), { configFile: opts.configFile ?? lab.configFor(shared) });
    await lab.revert();
    for (const s of shared) runs.push({ scenario: s, report: check.report, check });
  }
  const batches = new Map<string, Scenario[]>();
  for (const s of scenarios.filter((x) => x.exclusive || x.schedule)) {
    const key = s.together ?? s.name;
    batches.set(key, [...(batches.get(key) ?? []), s]);
  }
  for (const batch of batches.values()) {
    // Members' actions are applied once each, in order (the members of an allowlist batch list the same ones).
    await lab.apply([...new Set(batch.flatMap((s) => s.censor))]);
    log(batch.length > 1 ? `checking ${batch.map((s) => s.name).join(', ')} together` : `checking ${batch[0].name} alone`);
    const schedule = batch.find((s) => s.schedule)?.schedule;
    const check = await lab.check(batch.map((s) => s.name), { configFile: schedule ? lab.configFor(batch, schedule) : (opts.configFile ?? lab.configFor(batch)) });
    await lab.revert();
    for (const s of batch) runs.push({ scenario: s, report: check.report, check });
  }
  return runs;
}
