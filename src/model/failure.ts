/** OONI's failure vocabulary: what went wrong, and in which operation. */

export const FAILURES = [
  'connection_refused',
  'connection_reset',
  'connection_aborted',
  'eof_error',
  'generic_timeout_error',
  'host_unreachable',
  'network_unreachable',
  'dns_nxdomain_error',
  'dns_no_answer',
  'dns_refused_error',
  'dns_servfail_error',
  'dns_server_misbehaving',
  'dns_bogon_error',
  'dns_reply_with_wrong_query_id',
  'ssl_invalid_hostname',
  'ssl_unknown_authority',
  'ssl_invalid_certificate',
  'ssl_failed_handshake',
  'http_request_failed',
  'interrupted',
] as const;

/** One of FAILURES, or `unknown_failure: <message>`. */
export type FailureString = (typeof FAILURES)[number] | `unknown_failure: ${string}`;

/**
 * OONI's operations; `quic_handshake` is the QUIC Initial exchange, `mtproto_handshake` MTProto's
 * first exchange (req_pq_multi → resPQ), `read` also a UDP request's wait for its answer.
 */
export const OPERATIONS = ['resolve', 'connect', 'tls_handshake', 'quic_handshake', 'mtproto_handshake', 'http_round_trip', 'read', 'write'] as const;
export type Operation = (typeof OPERATIONS)[number];

export interface Failure {
  failure: FailureString;
  operation: Operation;
}

/**
 * A proxy that refused to carry a probe: the vantage's own path failed, not the
 * target. Such a probe could not run (status unknown) and is no control.
 */
export const PROXY_REFUSED = 'unknown_failure: proxy_refused';

export function isVantageFailure(f: FailureString | null | undefined): boolean {
  return typeof f === 'string' && f.startsWith(PROXY_REFUSED);
}
