/**
 * blockwatch's side of the comparison, run as its own process so its CPU and RSS are its
 * own: the real https engine (probe() from the registry) with a probe context built the
 * way the runner builds one. Driven over IPC: {n, concurrency, url, ca, timeoutMs} in,
 * per-probe phases and failures out.
 */
import { probe } from '../src/engines/registry.js';
import type { ProbeContext } from '../src/engines/types.js';
import type { HttpsTarget, Vantage } from '../src/model/index.js';
import { makeDatagramConnector } from '../src/net/datagram/index.js';
import { makeConnector } from '../src/net/connectors/index.js';
import { makeResolver } from '../src/net/resolvers/index.js';
import { limiter } from '../src/schedule/limit.js';
import type { ProbeSample, RunRequest, RunResult } from './protocol.js';

const vantage: Vantage = { id: 'bench', resolver: { type: 'system' }, labels: {}, control: false };
const connector = makeConnector({});
const datagrams = makeDatagramConnector({});
const resolver = makeResolver(vantage.resolver, connector, [], { replyWindowMs: 300 });

async function run(req: RunRequest): Promise<RunResult> {
  const target: HttpsTarget = { id: 'bench', kind: 'https', url: req.url };
  const limit = limiter(req.concurrency);
  const samples: ProbeSample[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: req.n }, (_, i) =>
      limit(async () => {
        if (req.spacingMs && i < req.concurrency) await new Promise((r) => setTimeout(r, i * req.spacingMs!));
        const ctx: ProbeContext = {
          app: 'bench',
          vantage,
          resolver,
          connector,
          datagrams,
          extraCA: [req.ca],
          signal: AbortSignal.timeout(req.timeoutMs),
          limits: { bodyBytes: 64_000, dnsReplyWindowMs: 300, stallMs: 5000 },
        };
        const m = await probe(target, ctx);
        samples.push({
          ok: m.failure === null && m.requests.at(-1)?.response?.code === 200,
          failure: m.failure,
          tls: m.timings.tls ?? null,
          ttfb: m.timings.ttfb ?? null,
          total: m.timings.total,
        });
      }),
    ),
  );
  return { wallSeconds: (performance.now() - t0) / 1000, samples };
}

process.on('message', (msg: RunRequest) => {
  run(msg).then(
    (r) => process.send!(r),
    (err: unknown) => process.send!({ error: String(err) }),
  );
});
process.send!({ ready: true });
// A clean exit lets --cpu-prof write its profile.
process.on('SIGTERM', () => process.exit(0));
process.on('disconnect', () => process.exit(0));
