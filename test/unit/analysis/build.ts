// Builders for measurements, controls and diagnosis steps in unit tests: realistic shapes, short to write.
import type { AnalysisInput } from '../../../src/analysis/index.js';
import type {
  CertificateSummary,
  DiagnosisStep,
  DnsQuery,
  FailureString,
  FingerprintDb,
  HttpRequest,
  HttpResponse,
  Measurement,
  Target,
  TcpConnect,
  TlsHandshake,
} from '../../../src/model/index.js';

export const HOST = 'web.telegram.org';
export const IP = '149.154.167.99';
export const WEB: Target = { id: 'web', kind: 'https', url: `https://${HOST}/` };

export function query(type: 'A' | 'AAAA', answers: string[], rcode: string | null = 'NOERROR', failure: FailureString | null = null, hostname = HOST): DnsQuery {
  const list = answers.map((value) => ({ answer_type: type, value, ttl: 300 }));
  return {
    hostname,
    query_type: type,
    engine: 'udp',
    resolver_address: 'udp://192.0.2.53:53',
    answers: list,
    rcode,
    failure,
    replies: rcode ? [{ rcode, answers: list, t: 0.01, id: 7 }] : [],
    t0: 0,
    t: 0.01,
  };
}

export function connect(ip: string, port: number, failure: FailureString | null = null): TcpConnect {
  return { ip, port, status: { success: failure === null, failure }, t0: 0.01, t: 0.04 };
}

export function cert(name: string): CertificateSummary {
  return { subject: `CN=${name}`, issuer: 'CN=Test CA', san: [name], notBefore: '2025-01-01T00:00:00Z', notAfter: '2027-01-01T00:00:00Z', sha256: 'ab'.repeat(32) };
}

export function handshake(ip: string, failure: FailureString | null = null, validated = failure === null, sni = HOST, port = 443): TlsHandshake {
  const completed = failure === null || failure.startsWith('ssl_invalid') || failure === 'ssl_unknown_authority';
  return {
    address: ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`,
    server_name: sni,
    tls_version: completed ? 'TLSv1.3' : null,
    cipher_suite: completed ? 'TLS_AES_128_GCM_SHA256' : null,
    negotiated_protocol: completed ? 'h2' : null,
    peer_certificates: completed ? [cert(sni)] : [],
    validated,
    failure,
    t0: 0.04,
    t: 0.09,
  };
}

export function response(code: number, headers: Record<string, string> = {}, body = '<html><title>ok</title></html>'): HttpResponse {
  return { code, headers, body_length: body.length, body_is_truncated: false, body_sha256: 'cd'.repeat(32), title: null, body_sample: body };
}

export function request(res: HttpResponse | null, failure: FailureString | null = null, url = `https://${HOST}/`): HttpRequest {
  return { request: { url, method: 'GET', headers: {} }, response: res, failure, t0: 0.09, t: 0.2 };
}

export function measurement(over: Partial<Measurement> = {}): Measurement {
  return {
    app: 'telegram',
    vantage: 'isp',
    target: WEB,
    startedAt: '2026-03-02T10:00:00.000Z',
    queries: [],
    tcp_connect: [],
    tls_handshakes: [],
    requests: [],
    failure: null,
    operation: null,
    timings: { total: 0.2 },
    ...over,
  };
}

/** A whole successful HTTPS measurement, for controls. */
export function okHttps(vantage = 'abroad'): Measurement {
  return measurement({ vantage, queries: [query('A', [IP])], tcp_connect: [connect(IP, 443)], tls_handshakes: [handshake(IP)], requests: [request(response(200))] });
}

export function step(kind: DiagnosisStep['step'], input: string, outcome: 'success' | 'failure', failure: FailureString | null = null, detail?: Record<string, unknown>): DiagnosisStep {
  return { step: kind, input, outcome, failure, ...(detail ? { detail } : {}) };
}

export const NO_FINGERPRINTS: FingerprintDb = { dns: [], http: [] };

export function input(m: Measurement, over: Partial<AnalysisInput> = {}): AnalysisInput {
  return { measurement: m, vantageOnline: true, controlQueries: null, control: null, diagnosis: [], fingerprints: NO_FINGERPRINTS, ...over };
}
