/**
 * The steps every engine is made of, reusable on their own: diagnosis calls them directly
 * (an SNI swap is tlsStep to the same address with another name).
 */
import type { Socket } from 'node:net';
import { isIP } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { DnsQuery, FailureString, QueryType, TcpConnect, TlsHandshake } from '../model/index.js';
import { whenAborted } from '../net/abort.js';
import { since } from '../net/clock.js';
import { unheardError } from '../net/connectors/direct.js';
import { toFailure } from '../net/errors.js';
import { joinCA, trustContext } from '../net/trust.js';
import { blankHandshake } from '../net/handshake-record.js';
import { PeerCertificates } from './certs.js';
import type { ProbeContext } from './types.js';

type StepContext = Pick<ProbeContext, 'resolver' | 'connector' | 'signal' | 'extraCA'>;

const BOTH: QueryType[] = ['A', 'AAAA'];

/** Asks the context's resolver for each query type at once (default A and AAAA). */
export function resolveStep(host: string, ctx: StepContext, origin: number, types: QueryType[] = BOTH): Promise<DnsQuery[]> {
  return Promise.all(types.map((t) => ctx.resolver.query(host, t, { signal: ctx.signal, origin })));
}

export interface ConnectStepResult {
  socket?: Socket;
  record: TcpConnect;
  /**
   * The handshake completed but the peer reset the connection before it could be used: the
   * failure belongs to the next operation (TLS handshake, request), not to the connect.
   */
  lost?: FailureString;
}

/**
 * One TCP connect through the context's connector, recorded whether it succeeds or not.
 * A RST answering a SYN is ECONNREFUSED; ECONNRESET at connect means the three-way handshake
 * completed and the peer reset before the socket was seen connected. Which of the two a
 * reset-after-accept server gives is a race; recording it as connected-then-lost makes the
 * verdict the same every time (never tcp.refused, which a follow-up connect would "pass").
 */
export async function connectStep(ip: string, port: number, ctx: StepContext, origin: number): Promise<ConnectStepResult> {
  const t0 = since(origin);
  try {
    const socket = await ctx.connector.connect(ip, port, { signal: ctx.signal });
    return { socket, record: { ip, port, status: { success: true, failure: null }, t0, t: since(origin) } };
  } catch (err) {
    const { failure } = toFailure(err, 'connect');
    const t = since(origin);
    if (failure === 'connection_reset') return { record: { ip, port, status: { success: true, failure: null }, t0, t }, lost: failure };
    return { record: { ip, port, status: { success: false, failure }, t0, t } };
  }
}

/** The record of a handshake that could not start or did not complete. */
export function failedHandshake(ip: string, port: number, sni: string | null, failure: FailureString, t0: number, t: number): TlsHandshake {
  return { ...blankHandshake(ip, port, sni, t0), failure, t };
}

export interface TlsStepResult {
  /** The socket of a completed handshake, validated or not; the caller owns it. */
  tlsSocket?: TLSSocket;
  record: TlsHandshake;
}

/**
 * A TLS handshake on a connected socket. The handshake is not rejected on a bad certificate,
 * so a MITM or wrong-name certificate is recorded: the chain is checked against Node's roots
 * plus ctx.extraCA and `ca`, the name by Node's tls.checkServerIdentity on the leaf during the
 * handshake (engines/certs.ts).
 */
export function tlsStep(
  socket: Socket,
  ip: string,
  port: number,
  sni: string | null,
  alpn: string[],
  ca: readonly string[] | undefined,
  ctx: StepContext,
  origin: number,
): Promise<TlsStepResult> {
  const t0 = since(origin);
  const serverName = sni ?? ip;
  const record = blankHandshake(ip, port, sni, t0);
  return new Promise<TlsStepResult>((resolve) => {
    const tls = tlsConnect({
      socket,
      // The name Node checks the certificate against with tls.checkServerIdentity (an address
      // is checked against IP SANs); the result lands in authorized/authorizationError.
      host: serverName,
      // Node refuses an IP address as SNI (RFC 6066 §3); none is sent then.
      servername: sni && !isIP(sni) ? sni : undefined,
      ALPNProtocols: alpn.length ? alpn : undefined,
      secureContext: trustContext(joinCA(ctx.extraCA, ca)),
      rejectUnauthorized: false,
    });
    // Node checks the name on the leaf alone: the chain is converted only when it is evidence.
    const peer = new PeerCertificates(tls);
    peer.watch();
    let settled = false;
    const detach = whenAborted(ctx.signal, (reason) => tls.destroy(reason as Error));
    tls.once('secureConnect', () => {
      if (settled) return;
      settled = true;
      detach();
      peer.restore();
      tls.removeListener('error', onError);
      // Later errors (after the handshake) belong to whoever reads next.
      tls.on('error', () => {});
      record.tls_version = tls.getProtocol();
      record.cipher_suite = tls.getCipher()?.standardName ?? null;
      record.negotiated_protocol = tls.alpnProtocol || null;
      const { summaries, leaf } = peer.chain();
      record.peer_certificates = summaries;
      let problem: unknown = tls.authorized ? undefined : tls.authorizationError;
      if (!problem && !leaf) problem = new Error('no peer certificate');
      record.validated = !problem;
      if (problem) record.failure = toFailure(problem, 'tls_handshake').failure;
      record.t = since(origin);
      resolve({ tlsSocket: tls, record });
    });
    const onError = (err: Error): void => {
      if (settled) return;
      settled = true;
      detach();
      peer.restore();
      // A reset that reached the TCP socket before the handshake began shows here only as
      // "disconnected before secure TLS connection": the socket's own error says what it was.
      record.failure = toFailure(unheardError(socket) ?? err, 'tls_handshake').failure;
      record.t = since(origin);
      tls.destroy();
      socket.destroy();
      resolve({ record });
    };
    tls.on('error', onError);
  });
}
