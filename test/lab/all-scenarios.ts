/** Every scenario the lab runs by default: the catalogue of techniques, the UDP era's, and the walled vantages'. */
import type { Scenario } from './scenario-types.js';
import { SCENARIOS } from './scenarios.js';
import { UDP_SCENARIOS } from './scenarios-udp.js';
import { WALLED_SCENARIOS } from './scenarios-walled.js';

export const ALL_SCENARIOS: Scenario[] = [...SCENARIOS, ...UDP_SCENARIOS, ...WALLED_SCENARIOS];

export function anyScenario(name: string): Scenario {
  const s = ALL_SCENARIOS.find((x) => x.name === name);
  if (!s) throw new Error(`no lab scenario named ${name}`);
  return s;
}
