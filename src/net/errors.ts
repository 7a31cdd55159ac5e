/** The one place that turns errors into OONI failure strings; nothing else reads error codes or messages. */
import { PROXY_REFUSED, type Failure, type FailureString, type Operation } from '../model/index.js';

/**
 * An error raised by blockwatch's own network code when it already knows the
 * failure (a DNS rcode, a proxy refusal, a malformed reply). `code` is stable.
 */
export class NetError extends Error {
  readonly failure: FailureString;
  readonly code: string;
  constructor(failure: FailureString, message: string, code = 'BW_NET', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NetError';
    this.failure = failure;
    this.code = code;
  }
}

/** A proxy refused to open the tunnel. `status` is the SOCKS reply code name or the HTTP status. */
export class ProxyRefusedError extends NetError {
  readonly status: string;
  constructor(failure: FailureString, status: string, message: string) {
    super(failure, message, 'BW_PROXY_REFUSED');
    this.name = 'ProxyRefusedError';
    this.status = status;
  }
}

/** What a DNS rcode means as a failure; null for NOERROR. */
export function rcodeFailure(rcode: string): FailureString | null {
  switch (rcode.toUpperCase()) {
    case 'NOERROR':
      return null;
    case 'NXDOMAIN':
      return 'dns_nxdomain_error';
    case 'SERVFAIL':
      return 'dns_servfail_error';
    case 'REFUSED':
      return 'dns_refused_error';
    default:
      return 'dns_server_misbehaving';
  }
}

/**
 * A proxy that answered in something other than its protocol (SOCKS5 bytes that are no RFC 1928
 * reply, a CONNECT reply with no status line or an endless head): the vantage's own path is
 * broken, so the probe could not run; like a refusal, it is no verdict on the target.
 */
export const PROXY_BAD_REPLY: FailureString = `${PROXY_REFUSED} (bad_reply)`;

/** The status a proxy's refusal maps to: RFC 1928 §6 reply codes and HTTP CONNECT statuses. */
export function proxyStatusFailure(status: string): FailureString {
  switch (status) {
    case 'ConnectionRefused':
    case '502':
    case '503':
      return 'connection_refused';
    case 'HostUnreachable':
      return 'host_unreachable';
    case 'NetworkUnreachable':
      return 'network_unreachable';
    case 'TTLExpired':
    case '504':
      return 'generic_timeout_error';
    default:
      return proxyRefusedFailure(status);
  }
}

/** A failure of the vantage's own path (the proxy), whatever the proxy said: the probe is `unknown`. */
export function proxyRefusedFailure(status: string): FailureString {
  return `${PROXY_REFUSED} (${status})`;
}

/**
 * A STUN error response (RFC 8489 §14.8 ERROR-CODE, e.g. 400 Bad Request): the server answered, but
 * not with a binding. Null when the response carried no valid ERROR-CODE.
 */
export function stunErrorFailure(code: number | null): FailureString {
  return code === null ? 'unknown_failure: stun_error' : `unknown_failure: stun_error ${code}`;
}

// MTProto's first exchange got an answer that is not a resPQ to our req_pq_multi. OONI's
// vocabulary has no app-protocol failure, so these are `unknown_failure` with stable names;
// the exchange record's `detail.reason` carries the same distinction as a value.

/** A transport error code (a negative int such as -404) instead of a resPQ (mtproto-transports, "Transport errors"). */
export function mtprotoTransportErrorFailure(code: number): FailureString {
  return `unknown_failure: mtproto_transport_error ${code}`;
}

/** A well-formed resPQ answering someone else's nonce: like a DNS reply with the wrong query id, not an answer to us. */
export const MTPROTO_WRONG_NONCE: FailureString = 'unknown_failure: mtproto_wrong_nonce';

/** Bytes that are not an MTProto answer at all; `what` names the first thing wrong (frame_length, auth_key_id, constructor, …). */
export function mtprotoMalformedFailure(what: string): FailureString {
  return `unknown_failure: mtproto_malformed (${what})`;
}

const SYSCALL_CODES: Record<string, FailureString> = {
  ECONNREFUSED: 'connection_refused',
  ECONNRESET: 'connection_reset',
  EPIPE: 'connection_reset',
  ECONNABORTED: 'connection_aborted',
  ETIMEDOUT: 'generic_timeout_error',
  EHOSTUNREACH: 'host_unreachable',
  EHOSTDOWN: 'host_unreachable',
  ENETUNREACH: 'network_unreachable',
  ENETDOWN: 'network_unreachable',
};

/** getaddrinfo / c-ares codes as Node reports them (node:dns "Error codes"). */
const DNS_CODES: Record<string, FailureString> = {
  ENOTFOUND: 'dns_nxdomain_error',
  ENODATA: 'dns_no_answer',
  ESERVFAIL: 'dns_servfail_error',
  EREFUSED: 'dns_refused_error',
  ETIMEOUT: 'generic_timeout_error',
  EBADRESP: 'dns_server_misbehaving',
  EFORMERR: 'dns_server_misbehaving',
  // glibc reports SERVFAIL and an unreachable resolver alike as EAI_AGAIN.
  EAI_AGAIN: 'dns_server_misbehaving',
};

/** OpenSSL verify codes (openssl-verify(1)) that say the chain ends at an unknown root. */
const UNKNOWN_AUTHORITY = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);

const INVALID_CERT = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_CHAIN_TOO_LONG',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'PATH_LENGTH_EXCEEDED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'HOSTNAME_MISMATCH',
]);

const UNDICI_CODES: Record<string, FailureString> = {
  UND_ERR_HEADERS_TIMEOUT: 'generic_timeout_error',
  UND_ERR_BODY_TIMEOUT: 'generic_timeout_error',
  UND_ERR_CONNECT_TIMEOUT: 'generic_timeout_error',
  UND_ERR_HEADERS_OVERFLOW: 'http_request_failed',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'http_request_failed',
  UND_ERR_RES_EXCEEDED_MAX_SIZE: 'http_request_failed',
  UND_ERR_INFO: 'http_request_failed',
  UND_ERR_DESTROYED: 'interrupted',
  UND_ERR_CLOSED: 'interrupted',
};

interface ErrLike {
  name?: unknown;
  code?: unknown;
  syscall?: unknown;
  errno?: unknown;
  message?: unknown;
  cause?: unknown;
  reason?: unknown;
}

function asErr(err: unknown): ErrLike | null {
  return typeof err === 'object' && err !== null ? (err as ErrLike) : null;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** A deadline abort carries a TimeoutError (AbortSignal.timeout); any other abort is a shutdown. */
function abortFailure(e: ErrLike): FailureString {
  const why = asErr(e.cause) ?? asErr(e.reason);
  if (why && str(why.name) === 'TimeoutError') return 'generic_timeout_error';
  if (why && why !== e && (str(why.name) === 'AbortError' || why instanceof NetError)) return failureOf(why, 0);
  return 'interrupted';
}

function failureOf(err: unknown, depth: number): FailureString {
  // TLSSocket.authorizationError is an OpenSSL verify code as a bare string.
  if (typeof err === 'string' && /^[A-Z][A-Z0-9_]+$/.test(err)) return failureOf({ code: err }, depth);
  const e = asErr(err);
  if (!e) return `unknown_failure: ${String(err)}`;
  if (err instanceof NetError) return err.failure;
  const name = str(e.name);
  const code = str(e.code);
  const message = str(e.message) ?? '';

  if (name === 'TimeoutError') return 'generic_timeout_error';
  if (name === 'AbortError' || code === 'ABORT_ERR' || code === 'UND_ERR_ABORTED' || code === 'UND_ERR_ABORT') {
    return abortFailure(e);
  }
  if (code === 'ECONNRESET' && e.syscall === undefined && e.errno === undefined) {
    // Node's own "socket disconnected before secure TLS connection was established":
    // the peer closed (FIN) during the handshake, which is not a reset on the wire.
    return 'eof_error';
  }
  if (code && SYSCALL_CODES[code]) return SYSCALL_CODES[code];
  if (code && DNS_CODES[code]) return DNS_CODES[code];
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return 'ssl_invalid_hostname';
  if (code && UNKNOWN_AUTHORITY.has(code)) return 'ssl_unknown_authority';
  if (code && INVALID_CERT.has(code)) return 'ssl_invalid_certificate';
  if (code && (code.startsWith('ERR_SSL_') || code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code.startsWith('ERR_TLS_'))) {
    return 'ssl_failed_handshake';
  }
  if (code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ERR_SOCKET_CLOSED') return 'eof_error';
  if (code === 'UND_ERR_SOCKET') {
    const cause = e.cause !== undefined && depth < 4 ? failureOf(e.cause, depth + 1) : null;
    if (cause && !cause.startsWith('unknown_failure')) return cause;
    return 'eof_error';
  }
  if (code && UNDICI_CODES[code]) return UNDICI_CODES[code];
  // undici asserts on a response it cannot take, e.g. 101 Switching Protocols to a request that
  // asked for no upgrade: the server broke the protocol (found by the response property test).
  if (code === 'ERR_ASSERTION') return 'http_request_failed';
  // undici's HTTPParserError leaves code unset for some parse failures.
  if (name === 'HTTPParserError' || (code && code.startsWith('HPE_'))) return 'http_request_failed';
  if (e.cause !== undefined && depth < 4) {
    const cause = failureOf(e.cause, depth + 1);
    if (!cause.startsWith('unknown_failure')) return cause;
  }
  return `unknown_failure: ${message || code || name || 'error'}`;
}

/** Maps any error a network operation raised to OONI's {failure, operation}. */
export function toFailure(err: unknown, operation: Operation): Failure {
  return { failure: failureOf(err, 0), operation };
}

/**
 * What a route lookup reports (connect(2) on a UDP socket, which sends nothing; or
 * binding the vantage's source address first). A source address the host no longer
 * has is a network it cannot send on: network_unreachable, as a missing route is.
 */
export function toRouteFailure(err: unknown): FailureString {
  const code = asErr(err)?.code;
  if (code === 'EADDRNOTAVAIL') return 'network_unreachable';
  return failureOf(err, 0);
}

/**
 * The error for a proxy that could not be reached at all (refused, unreachable, silent): the
 * vantage's own path is down, so a probe through it could not run and is no control. A
 * shutdown stays a shutdown.
 */
export function proxyUnreachable(err: unknown, proxy: string): unknown {
  const failure = failureOf(err, 0);
  if (failure === 'interrupted') return err;
  return new ProxyRefusedError(proxyRefusedFailure(`unreachable: ${failure}`), 'unreachable', `cannot reach the proxy ${proxy}: ${failure}`);
}

/** The error to throw when a signal aborted: its reason, so toFailure can tell a deadline from a shutdown. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}
