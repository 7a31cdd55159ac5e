/** Evidence summaries: the parts of a measurement that support a verdict, in a stable, bounded shape. */
import type {
  CertificateSummary,
  DiagnosisStep,
  DnsAnswer,
  DnsQuery,
  DnsReply,
  HttpRequest,
  HttpResponse,
  TcpConnect,
  ThroughputSample,
  TlsHandshake,
} from '../model/index.js';

/** Headers worth keeping: they name the server, a redirect or a middlebox; cookies are left out. */
const KEPT_HEADERS = ['location', 'server', 'via', 'content-type', 'content-length', 'x-cache', 'x-squid-error'];

function answerText(a: DnsAnswer): string {
  return a.answer_type === 'CNAME' ? `CNAME ${a.value}` : a.value;
}

function replySummary(r: DnsReply): Record<string, unknown> {
  return {
    rcode: r.rcode,
    answers: r.answers.map(answerText),
    t: r.t,
    id: r.id,
    ...(r.from ? { from: r.from } : {}),
    ...(r.truncated ? { truncated: true } : {}),
    ...(r.transport ? { transport: r.transport } : {}),
  };
}

export function querySummary(q: DnsQuery): Record<string, unknown> {
  const out: Record<string, unknown> = {
    hostname: q.hostname,
    query_type: q.query_type,
    engine: q.engine,
    resolver: q.resolver_address,
    rcode: q.rcode,
    failure: q.failure,
    answers: q.answers.map(answerText),
  };
  // Every reply is kept when there was more than one: that is what injection looks like.
  if (q.replies.length > 1) out.replies = q.replies.map(replySummary);
  if (q.replies_dropped) out.replies_dropped = q.replies_dropped;
  const answersDropped = Math.max(0, ...q.replies.map((r) => r.answers_dropped ?? 0));
  if (answersDropped > 0) out.answers_dropped = answersDropped;
  return out;
}

export function connectSummary(c: TcpConnect): Record<string, unknown> {
  return { ip: c.ip, port: c.port, success: c.status.success, failure: c.status.failure };
}

export function certificateSummary(c: CertificateSummary): Record<string, unknown> {
  return { subject: c.subject, issuer: c.issuer, san: c.san.slice(0, 20), notBefore: c.notBefore, notAfter: c.notAfter, sha256: c.sha256 };
}

export function handshakeSummary(h: TlsHandshake): Record<string, unknown> {
  const leaf = h.peer_certificates[0];
  return {
    address: h.address,
    server_name: h.server_name,
    tls_version: h.tls_version,
    negotiated_protocol: h.negotiated_protocol,
    validated: h.validated,
    failure: h.failure,
    certificate: leaf ? certificateSummary(leaf) : null,
    // A hand-written hello: which client spoke, with ECH or not, and what answered it.
    ...(h.hello ? { hello: h.hello, ech: h.ech ?? false, server_response: h.server_response ?? null } : {}),
    ...(h.alert ? { alert: h.alert.name } : {}),
  };
}

export function selectHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (KEPT_HEADERS.includes(k.toLowerCase())) out[k.toLowerCase()] = v.slice(0, 512);
  return out;
}

export function responseSummary(r: HttpResponse): Record<string, unknown> {
  return {
    status: r.code,
    headers: selectHeaders(r.headers),
    body_length: r.body_length,
    body_is_truncated: r.body_is_truncated,
    body_sha256: r.body_sha256,
    title: r.title,
    ...(r.stalled ? { stalled: true } : {}),
    ...(r.wire_bytes !== undefined ? { wire_bytes: r.wire_bytes } : {}),
  };
}

export function requestSummary(r: HttpRequest): Record<string, unknown> {
  return {
    url: r.request.url,
    method: r.request.method,
    failure: r.failure,
    response: r.response ? responseSummary(r.response) : null,
  };
}

export function transferSummary(t: ThroughputSample): Record<string, unknown> {
  return { bytes: t.bytes, seconds: t.seconds, bitsPerSecond: t.bitsPerSecond, complete: t.complete };
}

export function diagnosisSummary(s: DiagnosisStep): Record<string, unknown> {
  return { step: s.step, input: s.input, outcome: s.outcome, failure: s.failure, ...(s.detail ? { detail: s.detail } : {}) };
}
