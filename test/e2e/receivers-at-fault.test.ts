/**
 * `blockwatch run` with every alert receiver at fault (a webhook that hangs, one that answers 500,
 * an Alertmanager that is down): rounds keep their schedule, /metrics keeps answering and counts
 * the failed deliveries, and SIGTERM still ends the daemon cleanly.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, eventually, type Daemon } from '../support/daemon.js';
import { parseExposition, seriesKey as k } from '../support/exposition.js';
import { closedPort } from '../support/tcp-servers.js';
import { startHttpServer, type Running } from '../support/tls-servers.js';

let hang: Running;
let fail: Running;
let daemon: Daemon;

beforeAll(async () => {
  hang = await startHttpServer(() => {});
  fail = await startHttpServer((_req, res) => res.writeHead(500).end('no'));
  const dir = mkdtempSync(join(tmpdir(), 'bw-receivers-'));
  mkdirSync(join(dir, 'probes'));
  // A target nothing listens on, from a control vantage: an outage, alerted as BlockwatchAppDown every round.
  writeFileSync(join(dir, 'probes', 'chat.yaml'), `id: chat\nname: Chat\nsources: ["loopback test"]\ntargets:\n  - { id: api, kind: tcp, host: 127.0.0.1, port: ${await closedPort()} }\n`);
  const config = join(dir, 'blockwatch.yaml');
  writeFileSync(
    config,
    `probes: ./probes
schedule: { cron: "* * * * * *", jitter: 0s, timeout: 1s }
vantages: [ { id: abroad, control: true } ]
control: { resolver: "udp://127.0.0.1:9" }
server: { listen: "127.0.0.1:0" }
alerts:
  confirm: { attempts: 0 }
  repeat: 1s
  resend: 1s
  receivers:
    - { name: hangs, type: webhook, url: "http://127.0.0.1:${hang.port}/", timeout: 500ms }
    - { name: fails, type: webhook, url: "http://127.0.0.1:${fail.port}/" }
    - { name: am, type: alertmanager, url: "http://127.0.0.1:${await closedPort()}" }
`,
  );
  daemon = await startDaemon(config);
});
afterAll(async () => {
  if (daemon?.proc.exitCode === null) await daemon.stop('SIGKILL');
  await Promise.all([hang?.close(), fail?.close()]);
});

async function scrape(): Promise<{ ms: number; m: Map<string, number> }> {
  const t = performance.now();
  const r = await daemon.get('/metrics');
  expect(r.status).toBe(200);
  return { ms: performance.now() - t, m: parseExposition(r.text) };
}

describe('blockwatch run with every receiver at fault', () => {
  it('keeps its rounds on schedule and /metrics answering while deliveries fail', async () => {
    const first = await eventually(async () => {
      const { m } = await scrape();
      return (m.get(k('blockwatch_app_status', { vantage: 'abroad', app: 'chat', status: 'down' })) ?? 0) === 1 ? m : null;
    }, 20_000);
    const round0 = first.get(k('blockwatch_round_timestamp_seconds', { vantage: 'abroad' }))!;
    // Three more rounds, each scrape quick, while every receiver keeps failing.
    let last = round0;
    let rounds = 0;
    const slowest: number[] = [];
    await eventually(async () => {
      const { ms, m } = await scrape();
      slowest.push(ms);
      const r = m.get(k('blockwatch_round_timestamp_seconds', { vantage: 'abroad' }))!;
      if (r > last) {
        rounds++;
        last = r;
      }
      return rounds >= 3;
    }, 15_000, 250);
    expect(Math.max(...slowest)).toBeLessThan(1000);
    expect((await daemon.get('/healthz')).status).toBe(200);
    const { m } = await scrape();
    for (const receiver of ['hangs', 'fails', 'am']) {
      expect(m.get(k('blockwatch_alerts_sent_total', { receiver, result: 'failure' })), receiver).toBeGreaterThan(0);
      expect(m.get(k('blockwatch_alerts_sent_total', { receiver, result: 'success' })), receiver).toBe(0);
      expect(m.get(k('blockwatch_alerts_dropped_total', { receiver, reason: 'rejected' })), receiver).toBe(0);
    }
  });

  it('exits 0 on SIGTERM, giving undelivered alerts a bounded drain', async () => {
    const t = performance.now();
    expect(await daemon.stop('SIGTERM')).toBe(0);
    // Probes in flight (1 s), then at most 3 s of draining, then the listener.
    expect(performance.now() - t).toBeLessThan(8000);
    expect(daemon.logs.some((l) => l.msg === 'alert payloads left undelivered at shutdown')).toBe(true);
  });
});
