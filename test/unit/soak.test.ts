// The soak: a few hundred rounds against loopback targets that work, fail and misbehave; RSS, heap, file
// descriptors and active handles stay flat. Thousands, for minutes: `npm run bench -- soak` (the curves), or
// BLOCKWATCH_SOAK_ROUNDS=1000 here (the same checks).
import { describe, expect, it } from 'vitest';
import { medianOf, minOf, runSoak, type SoakSample } from '../support/soak.js';

const ROUNDS = Number(process.env.BLOCKWATCH_SOAK_ROUNDS ?? 300);
/** About 25 samples, whatever the rounds: enough for thirds of what follows the warm-up. */
const SAMPLE_EVERY = Math.max(1, Math.round(ROUNDS / 25));
const MB = 1024 * 1024;

describe('soak', () => {
  it(`${ROUNDS} rounds leave RSS, heap, file descriptors and active handles flat`, { timeout: 600_000 }, async () => {
    // 24 rounds at a time on one event loop keep it busy enough that many probes end at their
    // deadline: the timer and abort paths soak as much as the parsers. `npm run bench -- soak`
    // runs fewer at a time, for longer, with the mix of verdicts the targets call for.
    const r = await runSoak({ rounds: ROUNDS, parallel: 24, sampleEvery: SAMPLE_EVERY, timeout: '200ms' });
    expect(r.rounds).toBe(ROUNDS);
    // Successes and several kinds of failure: it soaked hostility, not just the happy path.
    expect(r.statuses.ok).toBeGreaterThan(0);
    expect(Object.keys(r.statuses).filter((s) => s !== 'ok').length).toBeGreaterThanOrEqual(2);
    expect(r.probes).toBe(ROUNDS * 26);
    // Everything a round feeds kept up: every evidence line written, alerts delivered to a receiver failing every other time.
    expect([r.evidenceWritten, r.evidenceDropped]).toEqual([r.probes, 0]);
    expect(r.alertsDelivered).toBeGreaterThan(0);

    // Warm-up: pools, caches and JIT fill during the first fifth; from then on nothing may grow.
    const after = r.samples.filter((s) => s.round >= ROUNDS / 5);
    const early = after.slice(0, Math.ceil(after.length / 3));
    const late = after.slice(-Math.ceil(after.length / 3));
    const growth = (pick: (s: SoakSample) => number) => medianOf(late, pick) - medianOf(early, pick);
    // A leaked descriptor or handle is never released: it raises every later sample, the lowest
    // too. Sockets still closing when a sample is taken (more of them on a loaded machine) raise
    // some samples, not the floor.
    const floorGrowth = (pick: (s: SoakSample) => number) => minOf(late, pick) - minOf(early, pick);
    const report = after.map((s) => `${s.round}: rss ${(s.rssBytes / MB).toFixed(0)} MB, heap ${(s.heapUsedBytes / MB).toFixed(0)} MB, fds ${s.fds}, handles ${JSON.stringify(s.resources)}`).join('\n');

    expect(floorGrowth((s) => s.fds), report).toBeLessThanOrEqual(4);
    expect(floorGrowth((s) => s.resourcesTotal), report).toBeLessThanOrEqual(4);
    for (const kind of ['TCPSocketWrap', 'UDPWrap', 'Timeout', 'TLSWrap', 'Immediate']) {
      expect(floorGrowth((s) => s.resources[kind] ?? 0), `${kind}\n${report}`).toBeLessThanOrEqual(2);
    }
    expect(growth((s) => s.heapUsedBytes), report).toBeLessThan(16 * MB);
    expect(growth((s) => s.rssBytes), report).toBeLessThan(48 * MB);
  });
});
