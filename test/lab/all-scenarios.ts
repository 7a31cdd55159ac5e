/** Every scenario the lab runs by default: the catalogue of techniques, the UDP era's, the walled vantages', blocks that judge the client, and degree and frequency. */
import type { Scenario } from './scenario-types.js';
import { SCENARIOS } from './scenarios.js';
import { UDP_SCENARIOS } from './scenarios-udp.js';
import { WALLED_SCENARIOS } from './scenarios-walled.js';
import { CLIENT_SCENARIOS } from './scenarios-client.js';
import { DEGREE_SCENARIOS } from './scenarios-degree.js';

export const ALL_SCENARIOS: Scenario[] = [...SCENARIOS, ...UDP_SCENARIOS, ...WALLED_SCENARIOS, ...CLIENT_SCENARIOS, ...DEGREE_SCENARIOS];

export function anyScenario(name: string): Scenario {
  const s = ALL_SCENARIOS.find((x) => x.name === name);
  if (!s) throw new Error(`no lab scenario named ${name}`);
  return s;
}
