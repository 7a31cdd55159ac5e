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
import { hostPort } from '../model/index.js';

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
}

export async function runDiagnosis(requests: DiagnosisRequest[], dc: DiagnosisContext): Promise<DiagnosisStep[]> {
  return Promise.all(requests.map((r) => runOne(r, dc)));
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
    case 'answer_tls': {
      const { socket, record: tcp, lost } = await connectStep(r.ip, r.port, ctx, origin);
      if (lost) return step(r, false, lost, { operation: 'tls_handshake' });
      if (!socket) return step(r, false, tcp.status.failure, { operation: 'connect' });
      const { tlsSocket, record } = await tlsStep(socket, r.ip, r.port, r.sni, ['http/1.1'], undefined, ctx, origin);
      tlsSocket?.destroy();
      const completed = tlsSocket !== undefined && COMPLETED.has(record.failure);
      const detail: Record<string, unknown> = { operation: 'tls_handshake', certificate: record.peer_certificates[0] };
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
