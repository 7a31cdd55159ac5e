// Probe workers: jobs run in worker threads give what the same jobs give in this thread; aborts, a dying worker, one that fails on start, closing.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import type { Config } from '../../../src/model/index.js';
import { probeSetup, type ProbeSetup } from '../../../src/runner/jobs.js';
import { WorkerPool, type WorkerExit } from '../../../src/runner/pool.js';
import { runRound } from '../../../src/runner/round.js';
import { closeTransports, makeTransports } from '../../../src/runner/transports.js';
import { acceptSilently, closedPort, type Listener } from '../../support/tcp-servers.js';
import { startHttpsServer, testPki, type Running } from '../../support/tls-servers.js';

const { ca, leaf } = testPki(['app.test']);
let web: Running;
let silent: Listener;
let config: Config;

beforeAll(async () => {
  web = await startHttpsServer(leaf, (_req, res) => res.end('<title>chat</title>hello'));
  silent = await acceptSilently();
  const refused = await closedPort();
  const dir = mkdtempSync(join(tmpdir(), 'bw-pool-'));
  mkdirSync(join(dir, 'probes'));
  writeFileSync(join(dir, 'ca.pem'), ca.cert);
  writeFileSync(
    join(dir, 'probes', 'chat.yaml'),
    `id: chat\nname: Chat\nsources: ["loopback test"]\ntargets:\n` +
      `  - { id: web, kind: https, url: "https://127.0.0.1:${web.port}/" }\n` +
      `  - { id: api, kind: tls, host: 127.0.0.1, port: ${web.port}, sni: app.test }\n` +
      `  - { id: mail, kind: tcp, host: 127.0.0.1, port: ${refused} }\n`,
  );
  // Probe deadlines are not under test here: long enough that a loaded machine never reaches them.
  writeFileSync(join(dir, 'blockwatch.yaml'), `probes: ./probes\nschedule: { timeout: 20s }\nvantages: [{ id: lo }]\ncontrol: { resolver: system }\ntls: { extraCA: ./ca.pem }\n`);
  config = loadConfig(join(dir, 'blockwatch.yaml'));
});
afterAll(async () => {
  await web.close();
  await silent.close();
});

const shape = (r: Awaited<ReturnType<typeof runRound>>) =>
  r.report.apps.map((a) => [a.status, ...a.targets.map((t) => `${t.id}=${t.status}/${t.pattern}/${t.failure}/${t.operation}`)]);

describe('probe workers', () => {
  it('give the verdicts the same round gives in this thread', async () => {
    const inline = makeTransports(config, { workers: 0 });
    const pooled = makeTransports(config, { workers: 2 });
    try {
      const a = await runRound(config, inline);
      const b = await runRound(config, pooled);
      expect(shape(b)).toEqual(shape(a));
      expect(shape(b)).toEqual([['anomaly', 'web=ok/null/null/null', 'api=ok/null/null/null', 'mail=anomaly/tcp.refused/connection_refused/connect']]);
    } finally {
      await closeTransports(inline);
      await closeTransports(pooled);
    }
  });

  it('send back a whole measurement, and end a job as interrupted when the round is aborted', async () => {
    const pool = new WorkerPool(probeSetup(config), 1);
    try {
      const m = await pool.run({ kind: 'probe', vantage: 'lo', app: 'chat', target: config.apps[0].targets[0] }, new AbortController().signal);
      expect(m.requests[0].response?.title).toBe('chat');
      expect(m.tls_handshakes[0].validated).toBe(true);
      const ac = new AbortController();
      const stalled = pool.run({ kind: 'probe', vantage: 'lo', app: 'chat', target: { id: 's', kind: 'tls', host: '127.0.0.1', port: silent.port, sni: 'app.test' } }, ac.signal);
      setTimeout(() => ac.abort(new Error('shutdown')), 100);
      expect((await stalled).failure).toBe('interrupted');
    } finally {
      await pool.close();
    }
  });

  it('fail the jobs of a worker that dies, and put another in its place', async () => {
    const pool = new WorkerPool(probeSetup(config), 1);
    try {
      const slot = (pool as unknown as { slots: { worker: { terminate(): Promise<number> } }[] }).slots[0];
      const job = pool.run({ kind: 'probe', vantage: 'lo', app: 'chat', target: { id: 's', kind: 'tls', host: '127.0.0.1', port: silent.port, sni: 'app.test' } }, new AbortController().signal);
      await new Promise((r) => setTimeout(r, 100));
      await slot.worker.terminate();
      await expect(job).rejects.toThrow(/probe worker exited/);
      const m = await pool.run({ kind: 'probe', vantage: 'lo', app: 'chat', target: config.apps[0].targets[0] }, new AbortController().signal);
      expect(m.failure).toBeNull();
    } finally {
      await pool.close();
    }
  });

  it('restart a worker that fails on start after a wait that doubles, never in a loop, and fail the jobs meanwhile with its error', async () => {
    // Settings the worker cannot set itself up from: it throws before it takes a job, every time.
    const broken = { ...probeSetup(config), vantages: null } as unknown as ProbeSetup;
    const exits: WorkerExit[] = [];
    let started = 0;
    const count = (): void => void started++;
    process.on('worker', count);
    const pool = new WorkerPool(broken, 1, { onWorkerExit: (e) => exits.push(e) });
    try {
      const job = pool.run({ kind: 'control_dns', hostname: 'app.test' }, new AbortController().signal);
      await expect(job).rejects.toThrow(/vantages|iterable/);
      await new Promise((r) => setTimeout(r, 3200));
      // Started at 0, then 0.5, 1.5 and 3.5 s: a loop would have started hundreds by now.
      expect(started).toBeGreaterThanOrEqual(2);
      expect(started).toBeLessThanOrEqual(4);
      expect(exits.every((e) => e.failedOnStart)).toBe(true);
      expect(exits.map((e) => e.restartInMs)).toEqual([500, 1000, 2000].slice(0, exits.length));
      // A job that comes while none runs waits for the next start, and fails with what killed it.
      await expect(pool.run({ kind: 'control_dns', hostname: 'app.test' }, new AbortController().signal)).rejects.toThrow(/vantages|iterable/);
    } finally {
      await pool.close();
      process.off('worker', count);
    }
    const after = started;
    await new Promise((r) => setTimeout(r, 1500));
    expect(started).toBe(after);
  });

  it('refuse new jobs once closed', async () => {
    const pool = new WorkerPool(probeSetup(config), 1);
    await pool.close();
    await expect(pool.run({ kind: 'control_dns', hostname: 'app.test' }, new AbortController().signal)).rejects.toThrow(/closed/);
  });
});

describe('a round that hands its observations on', () => {
  it('streams every observation with its measurement, and keeps only verdicts', async () => {
    const t = makeTransports(config, { workers: 0 });
    const streamed: string[] = [];
    try {
      const r = await runRound(config, t, { onObservation: (o) => streamed.push(`${o.target.id}:${o.measurement.target.id}`) });
      expect(streamed.sort()).toEqual(['api:api', 'mail:mail', 'web:web']);
      for (const o of r.observations) expect(o).not.toHaveProperty('measurement');
      expect(r.report.apps[0].targets.map((x) => x.id)).toEqual(['web', 'api', 'mail']);
    } finally {
      await closeTransports(t);
    }
  });
});
