/**
 * Drives blackbox_exporter the way Prometheus does: GET /probe?module=…&target=… per probe,
 * at a fixed concurrency over kept-alive scrape connections, and reads back the probe's
 * success and phase durations from the exposition text.
 */
import { Agent, get } from 'node:http';
import type { ProbeSample, RunRequest, RunResult } from './protocol.js';
import { limiter } from '../src/schedule/limit.js';

/** The value of a sample line in Prometheus text, by its exact name{labels} prefix. */
function sample(text: string, series: string): number | null {
  const i = text.indexOf(`\n${series} `);
  if (i < 0) return null;
  const end = text.indexOf('\n', i + 1);
  return Number(text.slice(i + series.length + 2, end < 0 ? undefined : end));
}

export function parseProbe(text: string): ProbeSample {
  const body = `\n${text}`;
  const ok = sample(body, 'probe_success') === 1;
  return {
    ok,
    failure: ok ? null : 'probe_failed',
    tls: sample(body, 'probe_http_duration_seconds{phase="tls"}'),
    // blackbox's "processing": from the request written to the first response byte, like our ttfb.
    ttfb: sample(body, 'probe_http_duration_seconds{phase="processing"}'),
    total: sample(body, 'probe_duration_seconds') ?? NaN,
  };
}

const sleepUntil = (at: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, at - performance.now())));

export async function runBlackbox(port: number, module: string, req: RunRequest): Promise<RunResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: req.concurrency });
  const path = `/probe?module=${module}&target=${encodeURIComponent(req.url)}`;
  const limit = limiter(req.concurrency);
  const samples: ProbeSample[] = [];
  const one = (): Promise<string> =>
    new Promise((res, rej) => {
      const r = get({ host: '127.0.0.1', port, path, agent, timeout: req.timeoutMs + 5000 }, (resp) => {
        const chunks: Buffer[] = [];
        resp.on('data', (c: Buffer) => chunks.push(c));
        resp.on('end', () => res(Buffer.concat(chunks).toString('utf8')));
        resp.on('error', rej);
      });
      r.on('timeout', () => r.destroy(new Error('scrape timed out')));
      r.on('error', rej);
    });
  const t0 = performance.now();
  try {
    await Promise.all(
      Array.from({ length: req.n }, (_, i) =>
        limit(async () => {
          if (req.spreadMs) await sleepUntil(t0 + (req.spreadMs * i) / req.n);
          if (req.spacingMs && i < req.concurrency) await new Promise((r) => setTimeout(r, i * req.spacingMs!));
          samples.push(parseProbe(await one()));
        }),
      ),
    );
  } finally {
    agent.destroy();
  }
  return { wallSeconds: (performance.now() - t0) / 1000, samples };
}
