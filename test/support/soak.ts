/**
 * The soak: thousands of rounds, fast, against loopback targets that work, fail and misbehave,
 * through everything a round of the daemon feeds (metrics, alerts to a flaky receiver, the
 * evidence log), sampling the process's RSS, heap, file descriptors and active handles as it goes.
 * Used by the soak test (flat resources, asserted) and by `npm run bench -- soak` (the curves).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dnsPacket from 'dns-packet';
import pino from 'pino';
import { Alerter } from '../../src/alerts/index.js';
import { loadConfig } from '../../src/config/load.js';
import { EvidenceWriter } from '../../src/evidence/index.js';
import { Metrics } from '../../src/metrics/index.js';
import { runRound } from '../../src/runner/round.js';
import { closeTransports, makeTransports } from '../../src/runner/transports.js';
import { chunked, pump, rawHttpServer } from './hostile-servers.js';
import { settled } from './memory.js';
import { answer, pointerLoop, startRawDns, type RawDns } from './raw-dns.js';
import { closedPort, listen, resetOnData, type Listener } from './tcp-servers.js';
import { pages, startHttpServer, startHttpsServer, testPki, type Running } from './tls-servers.js';

export interface SoakSample {
  round: number;
  seconds: number;
  rssBytes: number;
  /** After a full garbage collection. */
  heapUsedBytes: number;
  externalBytes: number;
  fds: number;
  /** process.getActiveResourcesInfo(), counted by kind (TCPSocketWrap, Timeout, UDPWrap …). */
  resources: Record<string, number>;
  /** Every active resource. */
  resourcesTotal: number;
}

export interface SoakOptions {
  rounds: number;
  /** Rounds run at once. */
  parallel: number;
  /** A sample every this many rounds. */
  sampleEvery: number;
  /** schedule.timeout of each probe. */
  timeout: string;
  /** Called with each sample as it is taken. */
  onSample?(s: SoakSample): void;
  /** Ends the soak early (bench: a time limit). */
  stop?(): boolean;
}

export interface SoakResult {
  samples: SoakSample[];
  rounds: number;
  probes: number;
  /** Evidence lines written, and lost (the writer fell behind, or a write failed). */
  evidenceWritten: number;
  evidenceDropped: number;
  /** Alert payloads delivered to the flaky receiver, and given up. */
  alertsDelivered: number;
  alertsDropped: number;
  statuses: Record<string, number>;
  seconds: number;
}

/** What the process holds now. */
export function sample(round: number, startedAt: number): SoakSample {
  // The heap after a full collection: what is kept, not what is garbage yet.
  settled();
  const m = process.memoryUsage();
  const resources: Record<string, number> = {};
  const all = process.getActiveResourcesInfo();
  for (const r of all) resources[r] = (resources[r] ?? 0) + 1;
  return {
    round,
    seconds: (performance.now() - startedAt) / 1000,
    rssBytes: m.rss,
    heapUsedBytes: m.heapUsed,
    externalBytes: m.external,
    fds: readdirSync('/proc/self/fd').length,
    resources,
    resourcesTotal: all.length,
  };
}

interface Peers {
  dns: RawDns;
  /** The catalogue's targets, YAML lines. */
  yaml: string;
  /** The flaky alert receiver's URL. */
  receiver: string;
  /** A SOCKS5 proxy that answers garbage: the second vantage's path. */
  socksPort: number;
  closers: Array<Listener | Running | RawDns>;
  dir: string;
}

/** The loopback peers: a DNS server with a behaviour per name, HTTPS that works and HTTPS/TLS/TCP that do not, a hostile SOCKS5 proxy, a flaky receiver. */
async function startPeers(): Promise<Peers> {
  const pki = testPki(['app.test']);
  const dns = await startRawDns({
    udp: (q, _m, reply) => {
      const name = q.questions?.[0]?.name ?? '';
      const a = (ip: string) => (q.questions?.[0]?.type === 'A' ? [{ type: 'A' as const, name, ttl: 60, data: ip }] : []);
      if (name === 'ok.test') reply(answer(q, a('192.0.2.10')));
      else if (name === 'nx.test') reply(answer(q, [], 3));
      else if (name === 'loop.test') reply(pointerLoop(q));
      else if (name === 'flood.test') for (let i = 0; i < 40; i++) reply(answer(q, a(`192.0.2.${i + 1}`)));
      else if (name === 'tc.test') reply(answer(q, [], dnsPacket.TRUNCATED_RESPONSE));
      // Anything else: silence, until the deadline.
    },
    tcp: (q, sock) => sock.end(Buffer.concat([Buffer.from([0, 3]), Buffer.from('bad')])),
  });
  const web = await startHttpsServer(pki.leaf, pages);
  // Reads and ignores (so that the client's close is seen and the socket goes), never answers.
  const silent = await listen((s) => s.resume());
  const reset = await resetOnData();
  const garbage = await listen((s) => s.once('data', () => s.write(randomBytes(512))));
  const endless = await rawHttpServer((s) => {
    s.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n');
    void pump(s, Buffer.alloc(16_384, 0x61), Infinity, chunked);
  }, pki.leaf);
  const badStatus = await rawHttpServer((s) => s.end('HTTP/1.1 2OO Fine\r\n\r\n'), pki.leaf);
  const socks = await listen((s) => s.once('data', () => s.end(Buffer.from('no socks here'))));
  let n = 0;
  const receiver = await startHttpServer((req, res) => {
    req.resume();
    // Every other delivery fails: the queue retries, and overflows now and then.
    res.writeHead(n++ % 2 ? 200 : 503).end();
  });
  const refused = await closedPort();
  const dir = mkdtempSync(join(tmpdir(), 'bw-soak-'));
  writeFileSync(join(dir, 'ca.pem'), pki.ca.cert);
  const t = (line: string) => `  - ${line}\n`;
  const yaml =
    t('{ id: dns-ok, kind: dns, host: ok.test }') +
    t('{ id: dns-nx, kind: dns, host: nx.test }') +
    t('{ id: dns-loop, kind: dns, host: loop.test }') +
    t('{ id: dns-flood, kind: dns, host: flood.test }') +
    t('{ id: dns-tc, kind: dns, host: tc.test }') +
    t(`{ id: tcp-ok, kind: tcp, host: 127.0.0.1, port: ${web.port} }`) +
    t(`{ id: tcp-refused, kind: tcp, host: 127.0.0.1, port: ${refused} }`) +
    t(`{ id: tls-reset, kind: tls, host: 127.0.0.1, port: ${reset.port}, sni: app.test }`) +
    t(`{ id: tls-garbage, kind: tls, host: 127.0.0.1, port: ${garbage.port}, sni: app.test }`) +
    t(`{ id: web-ok, kind: https, url: "https://127.0.0.1:${web.port}/" }`) +
    t(`{ id: tls-silent, kind: tls, host: 127.0.0.1, port: ${silent.port}, sni: app.test }`) +
    t(`{ id: web-endless, kind: https, url: "https://127.0.0.1:${endless.port}/" }`) +
    t(`{ id: web-bad-status, kind: https, url: "https://127.0.0.1:${badStatus.port}/" }`);
  return {
    dns,
    dir,
    yaml,
    receiver: `http://127.0.0.1:${receiver.port}/hook`,
    closers: [dns, web, silent, reset, garbage, endless, badStatus, socks, receiver],
    socksPort: socks.port,
  };
}

/** Polls the count of active handles until it has not fallen for SETTLE_POLLS polls in a row (or SETTLE_MAX_MS). */
const SETTLE_POLL_MS = 25;
const SETTLE_POLLS = 4;
const SETTLE_MAX_MS = 5000;
async function handlesSettled(): Promise<void> {
  const until = performance.now() + SETTLE_MAX_MS;
  let low = Infinity;
  let still = 0;
  while (still < SETTLE_POLLS && performance.now() < until) {
    await new Promise((r) => setTimeout(r, SETTLE_POLL_MS));
    const n = process.getActiveResourcesInfo().length;
    if (n < low) {
      low = n;
      still = 0;
    } else still++;
  }
}

/** Runs the soak and returns its samples; everything it opened is closed before it returns. */
export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const peers = await startPeers();
  const { dir } = peers;
  mkdirSync(join(dir, 'probes'));
  writeFileSync(join(dir, 'probes', 'soak.yaml'), `id: soak\nname: Soak\nsources: ["loopback soak"]\ntargets:\n${peers.yaml}`);
  writeFileSync(
    join(dir, 'blockwatch.yaml'),
    `probes: ./probes
schedule: { timeout: ${o.timeout}, concurrency: 64 }
vantages:
  - { id: lo, resolver: "udp://127.0.0.1:${peers.dns.port}" }
  - { id: broken-proxy, resolver: "udp://127.0.0.1:${peers.dns.port}", proxy: "socks5://127.0.0.1:${peers.socksPort}" }
control: { resolver: "udp://127.0.0.1:${peers.dns.port}" }
tls: { extraCA: ./ca.pem }
limits: { dnsReplyWindow: 20ms, stall: 150ms }
alerts:
  receivers: [ { name: flaky, type: webhook, url: "${peers.receiver}", timeout: 500ms } ]
`,
  );
  const config = loadConfig(join(dir, 'blockwatch.yaml'));
  const logger = pino({ level: 'silent' });
  const metrics = new Metrics({ version: 'soak', defaultMetrics: false });
  metrics.configure(config);
  const alerter = new Alerter({ alerts: { ...config.alerts, resolveAfter: 1 }, counter: metrics, logger, delivery: { baseDelayMs: 5, maxDelayMs: 50, capacity: 50 } });
  // Room enough that the writer keeps up with thousands of rounds a minute (a small cap rotates
  // files many times a second, and the queue fills to its own cap instead).
  const evidence = new EvidenceWriter({ dir: join(dir, 'evidence'), maxBytes: 64_000_000, logger });
  const transports = makeTransports(config);
  const samples: SoakSample[] = [];
  const statuses: Record<string, number> = {};
  const startedAt = performance.now();
  let done = 0;
  let probes = 0;
  const take = async (): Promise<void> => {
    // Let sockets closed by the last rounds (and the loopback peers' ends of them) finish
    // closing, then look: once the count of handles has stopped falling. How long that takes
    // is the machine's speed, so it is waited for rather than given a fixed time.
    await handlesSettled();
    await metrics.render();
    const s = sample(done, startedAt);
    samples.push(s);
    o.onSample?.(s);
  };
  try {
    await take();
    while (done < o.rounds && !o.stop?.()) {
      const batch = Math.min(o.parallel, o.rounds - done);
      await Promise.all(
        Array.from({ length: batch }, async () => {
          // As the daemon does: each observation to metrics and evidence as it concludes, the round keeping verdicts.
          const startedAt = new Date().toISOString();
          const r = await runRound(config, transports, {
            startedAt,
            onObservation: (obs) => {
              probes++;
              statuses[obs.verdict.status] = (statuses[obs.verdict.status] ?? 0) + 1;
              metrics.recordProbe(obs.vantage, obs.app, obs.target.kind, obs.verdict.status, obs.measurement.timings);
              evidence.write({ round: startedAt, measurement: obs.measurement, verdict: obs.verdict });
            },
          });
          const at = new Date();
          for (const v of r.report.apps) metrics.recordApp(v);
          for (const state of r.report.vantages) {
            metrics.roundDone(state.id, at);
            alerter.observeRound(state, r.report.apps.filter((a) => a.vantage === state.id), at);
          }
          alerter.tick(at);
        }),
      );
      const before = done;
      done += batch;
      if (Math.floor(done / o.sampleEvery) > Math.floor(before / o.sampleEvery) || done >= o.rounds) await take();
    }
    await evidence.flush();
    const counted = parseCounters(await metrics.render());
    return {
      samples,
      rounds: done,
      probes,
      statuses,
      seconds: (performance.now() - startedAt) / 1000,
      evidenceWritten: evidence.written,
      evidenceDropped: evidence.dropped,
      alertsDelivered: counted.delivered,
      alertsDropped: counted.dropped,
    };
  } finally {
    alerter.stop();
    await evidence.close();
    await closeTransports(transports);
    for (const c of peers.closers) await c.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The smallest value of `pick` among samples: a floor that only something never released raises. */
export const minOf = (xs: SoakSample[], pick: (s: SoakSample) => number): number => Math.min(...xs.map(pick));

/** The median of `pick` among samples. */
export function medianOf(xs: SoakSample[], pick: (s: SoakSample) => number): number {
  const v = xs.map(pick).sort((a, b) => a - b);
  return v[v.length >> 1];
}

/** Alert deliveries and drops, from the exposition (the metrics are what an operator would read). */
function parseCounters(text: string): { delivered: number; dropped: number } {
  let delivered = 0;
  let dropped = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('blockwatch_alerts_sent_total{') && line.includes('result="success"')) delivered += Number(line.split(' ').pop());
    if (line.startsWith('blockwatch_alerts_dropped_total{')) dropped += Number(line.split(' ').pop());
  }
  return { delivered, dropped };
}
