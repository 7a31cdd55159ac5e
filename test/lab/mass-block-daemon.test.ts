/**
 * A country that blocks everything at once: 100 targets refused mid-run. Their confirmation
 * re-probes run inside the round, under its concurrency bound: the most probes in flight stays
 * at schedule.concurrency, with 200 re-probes queued behind it.
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
  description: 'One hundred targets on one address, refused by the censor all at once.',
  why: 'every target fails for the first time in the same round: each is confirmed twice, within the round',
  hosts: {},
  targets: Array.from({ length: TARGETS }, (_, i) => ({ id: `t${i}`, kind: 'tcp' as const, host: IP, port: 443 })),
  censor: [T.refuse(IP)],
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
        c.schedule = { ...(c.schedule as object), concurrency: CONCURRENCY };
      },
    });
  }, 120_000);

  afterAll(async () => {
    await daemon?.stop('SIGTERM');
    await lab?.down();
  }, 90_000);

  it('confirms every one of them inside the round, never more probes in flight than schedule.concurrency', async () => {
    await lab.apply(MASS);
    const rounds = () => daemon.logs.filter((l) => l.msg === 'round done') as unknown as RoundLine[];
    // The round that first sees the block confirms each target twice (both re-probes fail).
    const confirming = await eventually(async () => rounds().find((r) => (r.confirmations ?? 0) >= 2 * TARGETS), 150_000, 500);
    expect(confirming.confirmations).toBe(2 * TARGETS);
    expect(confirming.inFlightPeak).toBe(CONCURRENCY);
    for (const r of rounds()) expect(r.inFlightPeak).toBeLessThanOrEqual(CONCURRENCY);
    const report = JSON.parse((await daemon.get('/api/v1/status')).text);
    const isp = report.apps.find((a: { vantage: string }) => a.vantage === 'isp');
    expect(isp.targets.filter((t: { status: string }) => t.status === 'blocked').length).toBe(TARGETS);
    expect(new Set(isp.targets.map((t: { trials: { run: number; blocked: number } }) => `${t.trials.blocked}/${t.trials.run}`))).toEqual(new Set(['3/3']));
  }, 160_000);
});
