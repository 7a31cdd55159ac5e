/** The walled, shutdown and link-loss scenarios as data: each states its vantage states, batches share one censor, nothing collides with the main catalogue. */
import { describe, expect, it } from 'vitest';
import { SCENARIOS } from './scenarios.js';
import { RUSSIA_2025_ALLOWLISTS, WALLED_SCENARIOS } from './scenarios-walled.js';

const ALL = [...SCENARIOS, ...WALLED_SCENARIOS];

describe('walled-vantage scenarios', () => {
  it('have names, host names and addresses no other scenario uses', () => {
    const names = ALL.map((s) => s.name);
    const hosts = ALL.flatMap((s) => Object.keys(s.hosts));
    const ips = ALL.flatMap((s) => Object.values(s.hosts));
    expect(new Set(names).size).toBe(names.length);
    expect(new Set(hosts).size).toBe(hosts.length);
    expect(new Set(ips).size).toBe(ips.length);
  });

  it('run exclusive and state the vantage state at both vantages', () => {
    for (const s of WALLED_SCENARIOS) {
      expect(s.exclusive, s.name).toBe(true);
      expect(Object.keys(s.expectVantage ?? {}).sort(), s.name).toEqual(['abroad', 'isp']);
      expect(Object.keys(s.expect.isp.targets).sort(), s.name).toEqual(s.targets.map((t) => t.id).sort());
    }
  });

  it('batch the allowlist: one shared censor, a walled isp, the domestic app reachable and the foreign ones blocked', () => {
    const batch = WALLED_SCENARIOS.filter((s) => s.together === RUSSIA_2025_ALLOWLISTS);
    expect(batch.map((s) => `${s.name}:${s.expect.isp.app}`)).toEqual(['allowlist-domestic:reachable', 'allowlist-messenger:blocked', 'allowlist-chat:blocked']);
    for (const s of batch) {
      expect(s.censor, s.name).toBe(batch[0].censor);
      expect(s.expectVantage?.isp, s.name).toEqual({ state: 'walled' });
    }
  });

  it('never expect a verdict other than unknown from an offline vantage, nor an app alert there', () => {
    const offline = WALLED_SCENARIOS.filter((s) => s.expectVantage?.isp?.state === 'offline');
    expect(offline.map((s) => `${s.name}:${s.expectVantage?.isp?.reason}`)).toEqual(['shutdown:shutdown', 'shutdown-routes:shutdown', 'link-down:link', 'carrier-lost:link']);
    for (const s of offline) {
      expect(s.expect.isp.app, s.name).toBe('unknown');
      for (const [status] of Object.values(s.expect.isp.targets)) expect(status, s.name).toBe('unknown');
    }
  });
});
