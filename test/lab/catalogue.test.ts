/** The scenario catalogue itself: complete coverage of every pattern and status, and scenarios that cannot disturb each other. */
import { describe, expect, it } from 'vitest';
import { APP_STATUSES, PATTERNS, TARGET_STATUSES } from '../../src/model/index.js';
import { ALL_SCENARIOS as SCENARIOS } from './all-scenarios.js';
import { PENDING } from './pending.js';

const expectations = SCENARIOS.flatMap((s) => Object.values(s.expect));

describe('lab scenario catalogue', () => {
  it('has at least 25 scenarios with unique names', () => {
    expect(SCENARIOS.length).toBeGreaterThanOrEqual(25);
    expect(new Set(SCENARIOS.map((s) => s.name)).size).toBe(SCENARIOS.length);
  });

  it('expects every blocking pattern blockwatch names somewhere', () => {
    const seen = new Set(expectations.flatMap((e) => Object.values(e.targets).map(([, p]) => p)));
    expect(PATTERNS.filter((p) => !seen.has(p))).toEqual([]);
  });

  it('expects every target status and every app status somewhere', () => {
    const targetStatuses = new Set(expectations.flatMap((e) => Object.values(e.targets).map(([s]) => s)));
    expect(TARGET_STATUSES.filter((s) => !targetStatuses.has(s))).toEqual([]);
    const appStatuses = new Set(expectations.map((e) => e.app));
    expect(APP_STATUSES.filter((s) => !appStatuses.has(s))).toEqual([]);
  });

  it('states a verdict for every target of every scenario, with a pattern exactly when blocked or anomaly', () => {
    for (const s of SCENARIOS) {
      for (const e of Object.values(s.expect)) {
        expect(Object.keys(e.targets).sort(), s.name).toEqual(s.targets.map((t) => t.id).sort());
        for (const [status, pattern] of Object.values(e.targets)) {
          expect(pattern !== null, `${s.name}: ${status}/${pattern}`).toBe(status === 'blocked' || status === 'anomaly');
        }
      }
    }
  });

  it('never expects blocked from an outage or an offline vantage', () => {
    for (const s of SCENARIOS.filter((x) => /^outage|^offline/.test(x.name))) {
      for (const e of Object.values(s.expect)) expect(e.app, s.name).not.toBe('blocked');
    }
  });

  it('gives each scenario names and addresses of its own, so shared runs cannot disturb each other', () => {
    const names = SCENARIOS.flatMap((s) => Object.keys(s.hosts));
    const ips = SCENARIOS.flatMap((s) => Object.values(s.hosts));
    expect(new Set(names).size).toBe(names.length);
    expect(new Set(ips).size).toBe(ips.length);
    for (const ip of ips) expect(ip).toMatch(/^198\.1[89]\./);
  });

  it('lists only existing scenarios as pending, each with a reason', () => {
    for (const [name, byVantage] of Object.entries(PENDING)) {
      expect(SCENARIOS.some((s) => s.name === name), name).toBe(true);
      for (const reason of Object.values(byVantage)) expect(reason.length).toBeGreaterThan(10);
    }
  });
});
