/**
 * What the parts of a probe cost, in this process, against the bench's HTTPS target in its own:
 * CPU per operation (user + system of this process only) of a TLS handshake as Node validates it
 * by default (the name checked on the whole chain converted to objects) and as tlsStep does (the
 * leaf alone), and of one GET over a handshaken socket with a per-probe undici Client (the engine
 * before 0.2) and with the engine's own exchange (engines/http-step.ts). Blocks of each kind
 * alternate; the figures are medians over blocks.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { Client } from 'undici';
import { httpStep } from '../src/engines/http-step.js';
import { tlsStep } from '../src/engines/steps.js';
import { trustContext } from '../src/net/trust.js';
import { limiter } from '../src/schedule/limit.js';
import { median } from './proc.js';

export interface PartsResult {
  n: number;
  concurrency: number;
  blocks: number;
  /** Median CPU milliseconds per operation, by way. */
  ms: Record<Way, number>;
}

type Way = 'handshake_node_default' | 'handshake_blockwatch' | 'get_undici_client' | 'get_blockwatch';

const dial = (port: number): Promise<Socket> =>
  new Promise((resolve, reject) => {
    const s = netConnect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });

const neverAborts = new AbortController().signal;

/** Node's default client validation, as the engine made it before: whole chain converted, then the leaf read. */
function nodeDefault(socket: Socket, ca: string): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const t = tlsConnect({ socket, host: '127.0.0.1', secureContext: trustContext([ca]), rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => {
      t.getPeerX509Certificate();
      resolve(t);
    });
    t.once('error', reject);
  });
}

async function ours(socket: Socket, port: number, ca: string): Promise<TLSSocket> {
  const ctx = { signal: neverAborts, extraCA: [ca] } as never;
  const r = await tlsStep(socket, '127.0.0.1', port, null, ['http/1.1'], undefined, ctx, performance.now());
  if (!r.tlsSocket || !r.record.validated) throw new Error(`handshake failed: ${r.record.failure}`);
  return r.tlsSocket;
}

/** One GET with a Client made for it over the given socket, as the engine did with undici. */
async function undiciGet(tls: TLSSocket, url: URL): Promise<void> {
  let handed = false;
  const client = new Client(url.origin, {
    connect: (_o, cb) => {
      if (handed) return cb(new Error('closed'), null);
      handed = true;
      process.nextTick(cb, null, tls);
    },
    pipelining: 1,
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  try {
    const res = await client.request({ path: url.pathname, method: 'GET', headers: { 'user-agent': 'bench', accept: '*/*' }, signal: neverAborts, reset: true });
    for await (const _ of res.body) {
      // read the body as the engine did
    }
  } finally {
    await client.destroy().catch(() => {});
  }
}

export async function parts(o: { port: number; ca: string; n: number; concurrency: number; blocks: number; log?: (s: string) => void }): Promise<PartsResult> {
  const url = new URL(`https://127.0.0.1:${o.port}/`);
  const ways: Record<Way, () => Promise<void>> = {
    handshake_node_default: async () => void (await nodeDefault(await dial(o.port), o.ca)).destroy(),
    handshake_blockwatch: async () => void (await ours(await dial(o.port), o.port, o.ca)).destroy(),
    get_undici_client: async () => undiciGet(await ours(await dial(o.port), o.port, o.ca), url),
    get_blockwatch: async () => {
      const tls = await ours(await dial(o.port), o.port, o.ca);
      const r = await httpStep(tls, url, { signal: neverAborts }, performance.now(), { bodyBytes: 65_536, stallMs: 10_000 });
      if (r.record.failure) throw new Error(`GET failed: ${r.record.failure}`);
    },
  };
  const run = async (f: () => Promise<void>): Promise<number> => {
    const limit = limiter(o.concurrency);
    const c0 = process.cpuUsage();
    await Promise.all(Array.from({ length: o.n }, () => limit(f)));
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000 / o.n;
  };
  const names = Object.keys(ways) as Way[];
  // Warm every way before counting (JIT, the trust store, the target's own warm-up).
  for (const w of names) await run(ways[w]);
  const per: Record<Way, number[]> = { handshake_node_default: [], handshake_blockwatch: [], get_undici_client: [], get_blockwatch: [] };
  for (let b = 0; b < o.blocks; b++) {
    const order = b % 2 ? [...names].reverse() : names;
    for (const w of order) per[w].push(await run(ways[w]));
  }
  const ms = Object.fromEntries(names.map((w) => [w, median(per[w])])) as Record<Way, number>;
  o.log?.(
    `  handshake: Node's default ${ms.handshake_node_default.toFixed(3)} ms, blockwatch ${ms.handshake_blockwatch.toFixed(3)} ms; ` +
      `handshake + GET: undici Client ${ms.get_undici_client.toFixed(3)} ms, blockwatch ${ms.get_blockwatch.toFixed(3)} ms (CPU per operation, this process)`,
  );
  return { n: o.n, concurrency: o.concurrency, blocks: o.blocks, ms };
}
