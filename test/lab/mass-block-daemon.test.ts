/**
 * A country that blocks everything at once: 100 targets blackholed mid-run. Their confirmation
 * re-probes run inside the round, under its concurrency bound: the most probes in flight stays
 * at schedule.concurrency, with 200 re-probes queued behind it. Each probe of a blackholed
 * target holds its slot until its deadline, so the bound is reached however busy the machine
 * (a refused connect ends at once, and whether eight of them overlap is the scheduler's luck).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type Daemon } from '../support/daemon.js';
import { Lab } from './lab.js';
import { startLabDaemon } from './lab-daemon.js';
import { T } from './censor.js';
import { addr } from './scenario-kit.js';
import type { Scenario } from './scenario-types.js';
import { isRoot } from './sh.js';

const canRun = isRoot() || Boolean(process.env.CI);
if (!canRun) console.warn('mass-block lab test skipped: the censorship lab needs root (CI runs it as root)');

const CONCURRENCY = 8;
const TARGETS = 100;
const IP = addr(248);
/** 100 TCP targets on one server address (the app hosts answer on 443 of every address). */
const MASS: Scenario = {
  name: 'mass-block',
  description: 'One hundred targets on one address, dropped by the censor all at once.',
  why: 'every target fails for the first time in the same round: each is confirmed twice, within the round',
  hosts: {},
  targets: Array.from({ length: TARGETS }, (_, i) => ({ id: `t${i}`, kind: 'tcp' as const, host: IP, port: 443 })),
  censor: [T.blackhole(IP)],
  expect: { isp: { app: 'blocked', targets: {} }, abroad: { app: 'reachable', targets: {} } },
};

interface RoundLine {
  msg: string;
  confirmations?: number;
  inFlightPeak?: number;
}

let lab: Lab;
let daemon: Daemon;

describe.skipIf(!canRun)('100 targets blocked at once', () => {
  beforeAll(async () => {
    lab = await Lab.up({ cron: '*/5 * * * * *', timeout: '3s', scenarios: [MASS] });
    daemon = await startLabDaemon(lab, {
      apps: [MASS.name],
      name: 'mass',
      edit: (c) => {
        // A second's deadline: 300 probes of a second each, eight at a time, make a round of about 40 s.
        c.schedule = { ...(c.schedule as object), concurrency: CONCURRENCY, timeout: '1s' };
      },
    });
  }, 120_000);

  afterAll(async () => {
    await daemon?.stop('SIGTERM');
    await lab?.down();
  }, 90_000);

  it('confirms every one of them inside the round, never more probes in flight than schedule.concurrency', async () => {
    const rounds = () => daemon.logs.filter((l) => l.msg === 'round done') as unknown as RoundLine[];
    const before = rounds().length;
    await lab.apply(MASS);
    // Each target is confirmed twice in the round that first sees it blocked: 200 re-probes in
    // all, in one round, or in two when the block came while a round was under way.
    const confirmed = (rs: RoundLine[]) => rs.reduce((n, r) => n + (r.confirmations ?? 0), 0);
    const after = await eventually(async () => {
      const rs = rounds().slice(before);
      return confirmed(rs) >= 2 * TARGETS ? rs : undefined;
    }, 200_000, 500);
    expect(confirmed(after)).toBe(2 * TARGETS);
    for (const r of rounds()) expect(r.inFlightPeak).toBeLessThanOrEqual(CONCURRENCY);
    expect(Math.max(...after.filter((r) => (r.confirmations ?? 0) > 0).map((r) => r.inFlightPeak ?? 0))).toBe(CONCURRENCY);
    const report = JSON.parse((await daemon.get('/api/v1/status')).text);
    const isp = report.apps.find((a: { vantage: string }) => a.vantage === 'isp');
    expect(isp.targets.filter((t: { status: string }) => t.status === 'blocked').length).toBe(TARGETS);
    // Every trial of every target was blocked: three in the round that confirmed it, one in a later round.
    const trials = new Set(isp.targets.map((t: { trials: { run: number; blocked: number } }) => `${t.trials.blocked}/${t.trials.run}`));
    expect([...trials].every((x) => x === '3/3' || x === '1/1')).toBe(true);
  }, 260_000);
});
