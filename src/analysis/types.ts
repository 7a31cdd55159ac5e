/** What analysis takes in and gives back: inputs, step findings, and the follow-up probes it asks for. */
import type {
  DecidingDiagnosis,
  DiagnosisStep,
  DnsQuery,
  EchMode,
  FingerprintDb,
  Measurement,
  Pattern,
  MtprotoTransport,
  QueryType,
  ThrottleBasis,
} from '../model/index.js';

export interface AnalysisInput {
  /** From the vantage. */
  measurement: Measurement;
  /** The canaries said the vantage is online. */
  vantageOnline: boolean;
  /** The control resolver's answers for the target's hostname (A and AAAA); null when none was asked or usable. */
  controlQueries: DnsQuery[] | null;
  /** The same target probed from a control vantage in the same round, or null. */
  control: Measurement | null;
  /** Follow-up probes already run (see DiagnosisRequest for what each one's `detail` carries). */
  diagnosis: DiagnosisStep[];
  fingerprints: FingerprintDb;
  /** Controls that were configured but could not serve this round (e.g. `control vantage abroad: offline (link)`). */
  controlsMissing?: string[];
}

/**
 * A follow-up probe worth running; whoever runs it returns a DiagnosisStep with
 * the same `step`, `input` = diagnosisInput(request), and `detail` holding the
 * request's own fields (ip, port, sni, url, hostname) plus what it found:
 *
 * - control_resolve: resolve `hostname` through the control resolver.
 *   detail.answers: string[] (addresses), detail.rcode: string | null.
 * - control_connect: TCP connect to ip:port, from the control vantage when
 *   there is one, else from the vantage itself. outcome 'success' = connected.
 *   detail.from: 'control' | 'vantage'.
 * - sni_swap: TLS handshake from the vantage to ip:port with the innocuous
 *   `sni`. outcome 'success' when the handshake completed, even if the
 *   certificate does not match that name (failure ssl_invalid_hostname is
 *   read as completed too).
 *   With `hello` (a profile other than node) and `ech`, the same hand-written hello as the
 *   probe's, only the name changed; success is a ServerHello or HelloRetryRequest.
 * - hello_swap: the same address and name with another client's hello (`hello`: a profile,
 *   `node` for node:tls; `ech` none, so only the fingerprint differs). outcome 'success'
 *   when that hello reached a ServerHello (or, for node, completed).
 * - ech_swap: the probe's own hello to the same address and name without its ECH extension.
 *   outcome 'success' when it reached a ServerHello.
 * - sni_repeat: the same TLS handshake again, to the same ip:port with the
 *   target's own `sni`. outcome 'success' when it completed: the first failure
 *   was transient (loss), so neither a filter nor a block.
 * - quic_sni_swap: a QUIC Initial from the vantage to ip:port with the innocuous
 *   `sni`. outcome 'success' when any valid long-header packet came back.
 *   detail.response: the first answer's packet type, or null.
 * - answer_tls: TLS handshake to ip:port with the target's name as `sni`.
 *   detail.validated: boolean (the chain validates for `sni`), when the
 *   handshake completed; outcome 'failure' with an OONI failure otherwise.
 *   detail.certificate?: CertificateSummary.
 * - answer_http: plain HTTP GET of `url` sent to ip (Host from the URL).
 *   detail.status: number, detail.headers: Record<string,string>,
 *   detail.body_sample: string, detail.title: string | null,
 *   detail.body_length?: number.
 * - handshake_timing: TLS handshakes (and for https a GET's first byte) to ip:port with
 *   `sni` and with the `innocuous` name, a few of each, one at a time in random order, from
 *   the vantage and from the control vantage. detail.vantage / detail.control:
 *   { named: TimingSample[], innocuous: TimingSample[] } (diagnosis/timing.ts); control null
 *   without a control vantage.
 * - transport_swap: MTProto's first exchange to ip:port in another `transport`
 *   (obfuscated2, which a censor cannot read). outcome 'success' when a resPQ with our
 *   nonce came back. detail.response: 'res_pq' | 'other' | null.
 * - transport_repeat: the same exchange again in the target's own transport: passing, the
 *   first failure was transient.
 * - throughput: the same transfer as the target's, from the control vantage
 *   (or, failing one, with an innocuous SNI to the same address).
 *   detail.bitsPerSecond: number, detail.bytes: number, detail.seconds: number,
 *   detail.complete: boolean, detail.from?: 'control' | 'vantage'.
 */
export type DiagnosisRequest =
  | { step: 'control_resolve'; hostname: string; queryType: QueryType }
  | { step: 'control_connect'; ip: string; port: number }
  | { step: 'sni_swap'; ip: string; port: number; sni: string; hello?: string; ech?: EchMode }
  | { step: 'sni_repeat'; ip: string; port: number; sni: string; hello?: string; ech?: EchMode }
  | { step: 'hello_swap'; ip: string; port: number; sni: string; hello: string; ech: EchMode }
  | { step: 'ech_swap'; ip: string; port: number; sni: string; hello: string; ech: EchMode }
  | { step: 'quic_sni_swap'; ip: string; port: number; sni: string }
  | { step: 'answer_tls'; ip: string; port: number; sni: string }
  | { step: 'answer_http'; ip: string; url: string }
  | { step: 'throughput'; url: string; bytes: number }
  | { step: 'handshake_timing'; ip: string; port: number; sni: string; innocuous: string; ttfb: boolean }
  | { step: 'transport_swap'; ip: string; port: number; transport: MtprotoTransport; dc: number }
  | { step: 'transport_repeat'; ip: string; port: number; transport: MtprotoTransport; dc: number };

/** How the control stands on the step that failed at the vantage. */
export type ControlStanding =
  /** The control got past this step: the failure is the vantage's alone. */
  | 'passed'
  /** The control failed at this step too: an outage. */
  | 'shared'
  /** No control, or it failed before reaching this step. */
  | 'none';

/** What a step classifier concluded about a step that failed or looked wrong. */
export interface Finding {
  /** Null when the failure has no pattern in the closed set (then never `blocked`). */
  pattern: Pattern | null;
  /** The step it concerns. */
  step: 'dns' | 'tcp' | 'tls' | 'http' | 'freeze' | 'throughput' | 'udp' | 'quic' | 'app';
  control: ControlStanding;
  /** Where the control evidence came from, e.g. `control_resolver`, `control_vantage`, `diagnosis:control_connect`. */
  controlSource: string | null;
  /**
   * `definitive`: blocking whatever the control says (injection, a known
   * blockpage address or page). `signature`: blocking without a control
   * (bogon, SNI swap success, 451), an outage when the control shares it.
   * `none`: needs a control to be called blocking.
   */
  strength: 'definitive' | 'signature' | 'none';
  /** Why, in a few words, for people reading evidence. */
  reason: string;
  /** The follow-up probe that decided the pattern (the verdict's `diagnosis`), or `inconclusive`. */
  diagnosis?: DecidingDiagnosis;
  /** For `throttled`: what was slow. */
  basis?: ThrottleBasis;
}

/** A step classifier's result: its finding (null when the step is fine) and the evidence it read. */
export interface StepResult {
  finding: Finding | null;
  /** Merged into the verdict's evidence under the step's key. */
  evidence: Record<string, unknown>;
}
