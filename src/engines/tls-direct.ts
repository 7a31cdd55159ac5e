/**
 * A TLS client that opens its own TCP connection, for a direct connector: one socket where a
 * TCP socket wrapped by a TLS one would be two. The connect and the handshake are still two
 * records, split at the moment TCP connects (the ClientHello leaves in that same moment), with
 * the failures connectStep and tlsStep would give: what fails before TCP connects is the
 * connect's, a reset as it connects is a connection lost before the handshake, anything after
 * is the handshake's. Wrapping costs a second stream and its teardown on every probe (about a
 * tenth of a probe's CPU on loopback).
 */
import { checkServerIdentity, connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { TcpConnect, TlsHandshake } from '../model/index.js';
import { whenAborted } from '../net/abort.js';
import { since } from '../net/clock.js';
import { toFailure } from '../net/errors.js';
import { blankHandshake } from '../net/handshake-record.js';
import { PeerCertificates } from './certs.js';
import { clientOptions, completed, type ConnectStepResult } from './steps.js';
import type { ProbeContext } from './types.js';

/** Counts the bytes that crossed the wire under a TLS socket (what a censor's freeze counts), also after it closed. */
export interface WireCounter {
  readonly bytesRead: number;
}

export interface DirectTlsResult {
  connect: ConnectStepResult;
  /** Milliseconds from the start to TCP connected. */
  connectMs: number;
  /** Set once TCP connected and the handshake was tried. */
  handshake?: { record: TlsHandshake; tlsSocket?: TLSSocket; wire?: WireCounter; ms: number };
}

type DirectContext = Pick<ProbeContext, 'connector' | 'signal' | 'extraCA'>;

/** The TCP handle under a TLS socket that opened its own connection (Node keeps it as the TLS handle's parent). */
function tcpHandleOf(tls: TLSSocket): { bytesRead: number } | null {
  const parent = (tls as unknown as { _handle?: { _parent?: { bytesRead?: unknown } } })._handle?._parent;
  return parent && typeof parent.bytesRead === 'number' ? (parent as { bytesRead: number }) : null;
}

function wireOf(tcp: { bytesRead: number }): WireCounter {
  let last = 0;
  return {
    get bytesRead(): number {
      // A closed handle may answer 0: the count it had is kept.
      const n = tcp.bytesRead;
      if (typeof n === 'number' && n > last) last = n;
      return last;
    },
  };
}

/** Whether this Node lets a direct TLS socket's wire be counted; learnt on the first try. */
let usable: boolean | undefined;

/** Whether direct TLS can be used for this context: a direct connector, on a Node whose TLS socket shows its TCP handle. */
export function directTls(ctx: DirectContext): boolean {
  return ctx.connector.direct !== undefined && usable !== false;
}

/**
 * Connects to ip:port and handshakes as `sni`, the TLS socket opening the connection itself.
 * Returns null, before any packet, when this Node's TLS socket does not show its TCP handle
 * (the caller then connects and wraps).
 */
export function connectTlsDirect(
  ip: string,
  port: number,
  sni: string | null,
  alpn: string[],
  ca: readonly string[] | undefined,
  ctx: DirectContext,
  origin: number,
): Promise<DirectTlsResult> | null {
  const started = performance.now();
  const t0 = since(origin);
  const serverName = sni ?? ip;
  const tls = tlsConnect({
    host: ip,
    port,
    ...(ctx.connector.direct?.localAddress ? { localAddress: ctx.connector.direct.localAddress } : {}),
    ...clientOptions(sni, alpn, ca, ctx),
    // The name is checked against the target's name (an address against IP SANs), as tlsStep
    // has Node check it; the result lands in authorized/authorizationError.
    checkServerIdentity: (_host, cert) => checkServerIdentity(serverName, cert),
  });
  const tcp = tcpHandleOf(tls);
  usable ??= tcp !== null;
  if (!tcp) {
    tls.on('error', () => {});
    tls.destroy();
    return null;
  }
  const wire = wireOf(tcp);
  const peer = new PeerCertificates(tls);
  peer.watch();
  return new Promise<DirectTlsResult>((resolve) => {
    let settled = false;
    let connected: { record: TcpConnect; ms: number; at: number; handshake: TlsHandshake } | null = null;
    const finish = (r: DirectTlsResult): void => {
      settled = true;
      detach();
      resolve(r);
    };
    const detach = whenAborted(ctx.signal, (reason) => tls.destroy(reason as Error));
    // Before Node's own listener, which writes the ClientHello: that is the handshake's.
    tls.prependOnceListener('connect', () => {
      if (settled) return;
      tls.setNoDelay(true);
      const t = since(origin);
      const now = performance.now();
      connected = { record: { ip, port, status: { success: true, failure: null }, t0, t }, ms: now - started, at: now, handshake: blankHandshake(ip, port, sni, t) };
    });
    tls.once('secureConnect', () => {
      if (settled || !connected) return;
      tls.removeListener('error', onError);
      completed(tls, peer, connected.handshake, origin);
      finish({ connect: { record: connected.record }, connectMs: connected.ms, handshake: { record: connected.handshake, tlsSocket: tls, wire, ms: performance.now() - connected.at } });
    });
    const onError = (err: Error): void => {
      if (settled) return;
      peer.restore();
      tls.destroy();
      if (connected) {
        connected.handshake.failure = toFailure(err, 'tls_handshake').failure;
        connected.handshake.t = since(origin);
        finish({ connect: { record: connected.record }, connectMs: connected.ms, handshake: { record: connected.handshake, ms: performance.now() - connected.at } });
        return;
      }
      const { failure } = toFailure(err, 'connect');
      const t = since(origin);
      const ms = performance.now() - started;
      // Reset as TCP connected, before the handshake could begin: connected, then lost (see connectStep).
      if (failure === 'connection_reset') finish({ connect: { record: { ip, port, status: { success: true, failure: null }, t0, t }, lost: failure }, connectMs: ms });
      else finish({ connect: { record: { ip, port, status: { success: false, failure }, t0, t } }, connectMs: ms });
    };
    tls.on('error', onError);
  });
}
