/**
 * Runs the follow-up probes analysis asks for (control resolve, control connect,
 * SNI swap, TLS and HTTP to an answered address, control throughput) with the
 * engines' own steps, and returns them as DiagnosisSteps.
 */
import type { Socket } from 'node:net';
import { diagnosisInput, type DiagnosisRequest } from '../analysis/index.js';
import { httpStep } from '../engines/http-step.js';
import { connectStep, tlsStep } from '../engines/steps.js';
import type { ProbeContext } from '../engines/types.js';
import type { DiagnosisStep, FailureString, Measurement } from '../model/index.js';
import { now } from '../net/clock.js';
import type { Resolver } from '../net/types.js';
import { toFailure } from '../net/errors.js';
import { quicInitialExchange } from '../net/quic/index.js';
import { mtprotoExchange } from '../net/mtproto/index.js';
import { sampleTimings, shuffled } from './timing.js';
import { deadline } from '../net/deadline.js';
import { handshakeReached, hostPort } from '../model/index.js';
import { helloProfile } from '../config/hellos.js';
import { helloExchange } from '../net/tls-hello/index.js';

/** What the SNI swap of QUIC offers: the same as a browser's HTTP/3 Initial. */
const QUIC_SWAP_ALPN = ['h3'];

/** Failures that still mean the TLS handshake completed (the certificate did not fit the name). */
const COMPLETED: ReadonlySet<FailureString | null> = new Set([null, 'ssl_invalid_hostname', 'ssl_unknown_authority', 'ssl_invalid_certificate']);

export interface DiagnosisContext {
  /** The vantage under test. */
  vantage: ProbeContext;
  /** A control vantage, when one is online. */
  control: ProbeContext | null;
  /** The trusted resolver. */
  controlResolver: Resolver;
  /** The target as the control vantage measured it in this round (its transfer is the baseline). */
  controlMeasurement: () => Promise<Measurement | null>;
  /**
   * Milliseconds the follow-ups have in all (the job's deadline). Follow-ups on one path run one
   * after another, so each gets a fair share of what is left: a silent one cannot use up the
   * time of those after it.
   */
  budgetMs?: number;
  /**
   * Run the follow-ups on a path in the order asked, not shuffled: a second look after a
   * residual block's hold asks the innocuous name first, before any follow-up that names the
   * blocked one again and would start a new hold.
   */
  ordered?: boolean;
}

/**
 * The path a follow-up takes from the vantage, or null when it leaves from elsewhere (the
 * control resolver, the control vantage) or reads what is there: follow-ups on one path run
 * one at a time, so one cannot taint the next through a censor's state.
 */
export function pathOf(r: DiagnosisRequest): string | null {
  switch (r.step) {
    case 'sni_swap':
    case 'sni_repeat':
    case 'hello_swap':
    case 'ech_swap':
    case 'answer_tls':
    case 'transport_swap':
    case 'transport_repeat':
    case 'handshake_timing':
      return `tcp ${r.ip} ${r.port}`;
    case 'quic_sni_swap':
      return `udp ${r.ip} ${r.port}`;
    case 'answer_http':
      return `tcp ${r.ip} 80`;
    default:
      return null;
  }
}

/**
 * Runs the follow-ups: those on one path one after another in a random order (each on a new
 * connection, so from a fresh source port), different paths at once. Steps come back in the
 * order asked; each on a path says where it came in that path's order (`detail.order`, from 0).
 */
export async function runDiagnosis(requests: DiagnosisRequest[], dc: DiagnosisContext): Promise<DiagnosisStep[]> {
  const out: DiagnosisStep[] = new Array(requests.length);
  const paths = new Map<string, number[]>();
  const alone: number[] = [];
  requests.forEach((r, i) => {
    const p = pathOf(r);
    if (p === null) alone.push(i);
    else paths.set(p, [...(paths.get(p) ?? []), i]);
  });
  await Promise.all([
    ...alone.map(async (i) => {
      out[i] = await runOne(requests[i], dc);
    }),
    ...[...paths.values()].map(async (indices) => {
      const started = performance.now();
      let order = 0;
      for (const i of dc.ordered ? indices : shuffled(indices)) {
        const left = indices.length - order;
        const share = dc.budgetMs === undefined ? undefined : Math.max(0, (dc.budgetMs - (performance.now() - started)) / left);
        const s = share === undefined ? await runOne(requests[i], dc) : await withShare(share, dc, (shared) => runOne(requests[i], shared));
        out[i] = { ...s, detail: { ...s.detail, order: order++ } };
      }
    }),
  ]);
  return out;
}

/** Runs `work` with the vantage's and the control's signals cut to `ms` from now. */
async function withShare<T>(ms: number, dc: DiagnosisContext, work: (dc: DiagnosisContext) => Promise<T>): Promise<T> {
  const v = deadline(ms, dc.vantage.signal);
  const c = dc.control ? deadline(ms, dc.control.signal) : null;
  try {
    return await work({ ...dc, vantage: { ...dc.vantage, signal: v.signal }, control: dc.control && c ? { ...dc.control, signal: c.signal } : null });
  } finally {
    v.dispose();
    c?.dispose();
  }
}

function step(r: DiagnosisRequest, ok: boolean, failure: FailureString | null, detail: Record<string, unknown>): DiagnosisStep {
  const { step: name, ...fields } = r;
  return { step: name, input: diagnosisInput(r), outcome: ok ? 'success' : 'failure', failure: ok ? null : failure, detail: { ...fields, ...detail } };
}

async function runOne(r: DiagnosisRequest, dc: DiagnosisContext): Promise<DiagnosisStep> {
  const ctx = dc.vantage;
  const origin = now();
  switch (r.step) {
    case 'control_resolve': {
      const q = await dc.controlResolver.query(r.hostname, r.queryType, { signal: ctx.signal, origin });
      return step(r, q.failure === null, q.failure, { answers: q.answers.filter((a) => a.answer_type !== 'CNAME').map((a) => a.value), rcode: q.rcode });
    }
    case 'control_connect': {
      const from = dc.control ?? ctx;
      const { socket, record } = await connectStep(r.ip, r.port, from, origin);
      socket?.destroy();
      return step(r, record.status.success, record.status.failure, { from: dc.control ? 'control' : 'vantage' });
    }
    case 'sni_swap':
    case 'sni_repeat':
    case 'hello_swap':
    case 'ech_swap':
    case 'answer_tls': {
      const { socket, record: tcp, lost } = await connectStep(r.ip, r.port, ctx, origin);
      if (lost) return step(r, false, lost, { operation: 'tls_handshake' });
      if (!socket) return step(r, false, tcp.status.failure, { operation: 'connect' });
      const sourcePort = socket.localPort;
      const client = r.step === 'answer_tls' ? null : r;
      const profile = client?.hello ? helloProfile(client.hello) : null;
      if (client && profile && profile.engine === 'hand') {
        // A hand-written hello: judged at the ServerHello, as the probe was.
        const hs = await helloExchange(socket, { profile, sni: r.sni, ech: client.ech, signal: ctx.signal, origin, ip: r.ip, port: r.port });
        return step(r, handshakeReached(hs), hs.failure, { operation: 'tls_handshake', sourcePort, server_response: hs.server_response ?? null, ech: hs.ech ?? false, ...(hs.alert ? { alert: hs.alert.name } : {}) });
      }
      const { tlsSocket, record } = await tlsStep(socket, r.ip, r.port, r.sni, ['http/1.1'], undefined, ctx, origin);
      tlsSocket?.destroy();
      const completed = tlsSocket !== undefined && COMPLETED.has(record.failure);
      const detail: Record<string, unknown> = { operation: 'tls_handshake', certificate: record.peer_certificates[0], sourcePort };
      if (r.step === 'answer_tls' && completed) detail.validated = record.validated;
      return step(r, completed, record.failure, detail);
    }
    case 'quic_sni_swap': {
      let channel;
      try {
        channel = await ctx.datagrams.open(r.ip, r.port, { signal: ctx.signal });
      } catch (err) {
        return step(r, false, toFailure(err, 'quic_handshake').failure, { operation: 'quic_handshake' });
      }
      try {
        const hs = await quicInitialExchange(channel, { signal: ctx.signal, origin, sni: r.sni, alpn: QUIC_SWAP_ALPN });
        return step(r, hs.response !== null, hs.failure, { operation: 'quic_handshake', response: hs.response, server_hello: hs.server_hello });
      } finally {
        channel.close();
      }
    }
    case 'answer_http': {
      const url = new URL(r.url);
      const plain = new URL(`http://${url.host}${url.pathname}${url.search}`);
      const { socket, record: tcp, lost } = await connectStep(r.ip, 80, ctx, origin);
      if (lost) return step(r, false, lost, { operation: 'http_round_trip' });
      if (!socket) return step(r, false, tcp.status.failure, { operation: 'connect' });
      const res = await httpStep(socket as Socket, plain, ctx, origin, { bodyBytes: ctx.limits.bodyBytes, stallMs: ctx.limits.stallMs });
      const resp = res.record.response;
      if (!resp) return step(r, false, res.record.failure, { operation: res.operation });
      return step(r, true, null, { status: resp.code, headers: resp.headers, body_sample: resp.body_sample, title: resp.title, body_length: resp.body_length });
    }
    case 'throughput':
      return throughputStep(r, dc.controlMeasurement);
    case 'handshake_timing': {
      // The vantage and the control time the same address at once: different paths, no shared taint.
      const [vantage, control] = await Promise.all([sampleTimings(r, ctx), dc.control ? sampleTimings(r, dc.control) : Promise.resolve(null)]);
      const complete = vantage.named.some((s) => s.failure === null) && vantage.innocuous.some((s) => s.failure === null);
      return step(r, complete, complete ? null : (vantage.named.concat(vantage.innocuous).find((s) => s.failure)?.failure ?? null), { vantage, control });
    }
    case 'transport_swap':
    case 'transport_repeat': {
      const { socket, record: tcp, lost } = await connectStep(r.ip, r.port, ctx, origin);
      if (lost) return step(r, false, lost, { operation: 'mtproto_handshake' });
      if (!socket) return step(r, false, tcp.status.failure, { operation: 'connect' });
      try {
        const x = await mtprotoExchange(socket, { address: hostPort(r.ip, r.port), transport: r.transport, dc: r.dc, signal: ctx.signal, origin });
        return step(r, x.response === 'res_pq', x.failure, { operation: 'mtproto_handshake', response: x.response });
      } finally {
        socket.destroy();
      }
    }
  }
}

/** The throughput baseline: the same transfer as the control vantage measured it this round. No probe of its own. */
export async function throughputStep(r: Extract<DiagnosisRequest, { step: 'throughput' }>, controlMeasurement: () => Promise<Measurement | null>): Promise<DiagnosisStep> {
  const m = await controlMeasurement();
  if (!m) return step(r, false, null, { skipped: 'no control vantage online' });
  const t = m.transfer;
  if (!t) return step(r, false, m.failure, { from: 'control', operation: m.operation });
  return step(r, t.complete, m.failure, { from: 'control', bitsPerSecond: t.bitsPerSecond, bytes: t.bytes, seconds: t.seconds, complete: t.complete, ...(t.stalled ? { stalled: true } : {}) });
}
