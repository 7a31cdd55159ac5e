/**
 * One QUIC Initial exchange over a datagram channel: send a v1 Initial carrying
 * a TLS 1.3 ClientHello with the SNI and ALPN, retransmit it on the probe
 * timeout (RFC 9002 §6.2), and report whether the server answered with a valid
 * long-header packet. A Version Negotiation, a Retry with a valid tag, a server
 * Initial that decrypts (ServerHello or not, even a CONNECTION_CLOSE), or a
 * Handshake packet addressed to us all count as "the server answered": each
 * proves the Initial got through, which is what QUIC blocking denies.
 *
 * The exchange stops at the first answer, except that after an Initial without a
 * ServerHello (an ACK-only packet) it waits a short, bounded grace for the rest.
 * It never goes past the handshake: no keys beyond Initial, nothing is acked,
 * and the server's half-open connection simply times out on its side.
 *
 * The caller owns the channel (opens and closes it); this module imports nothing
 * from the engines, so diagnosis can run it again to the same address with an
 * innocuous SNI.
 */
import { randomBytes } from 'node:crypto';
import type { FailureString, QuicHandshake } from '../../model/index.js';
import { whenAborted } from '../abort.js';
import { since } from '../clock.js';
import { toFailure } from '../errors.js';
import type { DatagramChannel } from '../types.js';
import { buildClientHello, HANDSHAKE_SERVER_HELLO } from './client-hello.js';
import { CryptoStream } from './crypto-stream.js';
import { buildClientInitial, cryptoFrame } from './initial-packet.js';
import { initialSecrets, QUIC_V1 } from './keys.js';
import { parseDatagram, type ConnectionView, type ServerPacket } from './server-packets.js';
import { clientTransportParameters } from './transport-params.js';

/** RFC 9002 §6.2.2: the RTT assumed before any sample. */
export const K_INITIAL_RTT_MS = 333;

/**
 * The first probe timeout: smoothed_rtt + max(4 * rttvar, kGranularity) + max_ack_delay
 * (RFC 9002 §6.2.1) with smoothed_rtt = kInitialRtt, rttvar = kInitialRtt / 2 (§5.3) and
 * max_ack_delay 0 in the Initial space: 999 ms. Each expiry doubles it (§6.2.1).
 */
export const INITIAL_PTO_MS = K_INITIAL_RTT_MS + 4 * (K_INITIAL_RTT_MS / 2);

/** RFC 9000 §15: versions of the form 0x?a?a?a?a are reserved to exercise version negotiation. */
export const RESERVED_VERSION = 0x1a2a3a4a;

export interface QuicExchangeOptions {
  /** The probe's deadline; without an answer by then the exchange fails with its reason. */
  signal: AbortSignal;
  /** performance.now() of the measurement's start, for t0 and t; default: now. */
  origin?: number;
  /** Server name in the ClientHello; null sends none. */
  sni: string | null;
  /** ALPN protocols offered, e.g. ["h3"]. */
  alpn: string[];
  /** The version offered; default 1. An unsupported one (RESERVED_VERSION) draws Version Negotiation. */
  version?: number;
  /** The first retransmission timeout in ms; default INITIAL_PTO_MS. */
  ptoMs?: number;
  /** Datagrams read at most; later ones are ignored. Default 32. */
  maxDatagrams?: number;
  /** How long to wait for a ServerHello after an answer without one, in ms; default 200. */
  graceMs?: number;
}

/** The PTO schedule: milliseconds after the first send at which each send goes out, before a deadline of `budgetMs`. */
export function ptoSchedule(budgetMs: number, ptoMs = INITIAL_PTO_MS): number[] {
  const at: number[] = [0];
  for (let t = ptoMs, pto = ptoMs; t < budgetMs; pto *= 2, t += pto) at.push(t);
  return at;
}

/** Whether this packet settles the exchange at once (nothing more worth waiting for). */
function settles(p: ServerPacket, stream: CryptoStream): boolean {
  switch (p.type) {
    case 'version_negotiation':
    case 'retry':
      return true;
    case 'initial':
      // A HelloRetryRequest is a ServerHello too (RFC 8446 §4.1.4): the server read the ClientHello.
      return p.frames.close !== null || stream.messages().includes(HANDSHAKE_SERVER_HELLO);
    default:
      return false;
  }
}

/**
 * Sends the Initial and its retransmissions over `channel` and records what came back.
 * Never rejects for a network failure (that is the record's failure); throws only for
 * options no ClientHello can carry (no ALPN, an empty or overlong protocol id).
 */
export function quicInitialExchange(channel: DatagramChannel, opts: QuicExchangeOptions): Promise<QuicHandshake> {
  const origin = opts.origin ?? performance.now();
  const version = opts.version ?? QUIC_V1;
  const maxDatagrams = opts.maxDatagrams ?? 32;
  const graceMs = opts.graceMs ?? 200;
  // RFC 9000 §7.2: an unpredictable Destination Connection ID of at least 8 bytes.
  const dcid = randomBytes(8);
  const scid = randomBytes(8);
  const secrets = initialSecrets(dcid);
  const hello = buildClientHello({ sni: opts.sni, alpn: opts.alpn, transportParameters: clientTransportParameters(scid) });
  const frames = cryptoFrame(0, hello);
  const conn: ConnectionView = { version, odcid: dcid, scid, serverKeys: secrets.server, largestPn: -1 };
  const stream = new CryptoStream();

  const t0 = since(origin);
  const record: QuicHandshake = {
    address: channel.remote,
    server_name: opts.sni ?? '',
    alpn: [...opts.alpn],
    sent: 0,
    received: 0,
    response: null,
    server_hello: false,
    failure: null,
    t0,
    t: t0,
  };

  return new Promise<QuicHandshake>((resolve) => {
    let done = false;
    let retransmit: NodeJS.Timeout | undefined;
    let grace: NodeJS.Timeout | undefined;
    let detach = (): void => {};

    const finish = (failure: FailureString | null): void => {
      if (done) return;
      done = true;
      clearTimeout(retransmit);
      clearTimeout(grace);
      detach();
      record.failure = failure;
      // t is the first answer's arrival when there was one, else when the exchange gave up.
      if (record.response === null) record.t = since(origin);
      resolve(record);
    };

    const send = (): boolean => {
      try {
        // Each retransmission is a new packet: same CRYPTO data, next packet number (RFC 9000 §12.3).
        channel.send(buildClientInitial({ version, dcid, scid, pn: record.sent, pnLength: 4, frames }, secrets.client));
      } catch (err) {
        // A channel that throws (closed under us) must not throw out of a timer.
        finish(toFailure(err, 'quic_handshake').failure);
        return false;
      }
      record.sent++;
      return true;
    };

    const arm = (pto: number): void => {
      retransmit = setTimeout(() => {
        if (done || record.response !== null) return;
        if (send()) arm(pto * 2);
      }, pto);
    };

    channel.onMessage((msg) => {
      if (done || record.received >= maxDatagrams) return;
      record.received++;
      let settled = false;
      for (const p of parseDatagram(msg, conn)) {
        if (p.type === 'other') continue;
        if (record.response === null) {
          record.response = p.type;
          record.t = since(origin);
          clearTimeout(retransmit);
        }
        if (p.type === 'version_negotiation') record.versions = p.versions;
        if (p.type === 'initial') for (const c of p.frames.crypto) stream.add(c.offset, c.data);
        if (settles(p, stream)) settled = true;
      }
      record.server_hello = stream.messages().includes(HANDSHAKE_SERVER_HELLO);
      if (settled) finish(null);
      else if (record.response !== null && grace === undefined) grace = setTimeout(() => finish(null), graceMs);
    });

    channel.onError((err) => {
      if (done) return;
      // An ICMP error after an answer changes nothing: the server did answer.
      finish(record.response !== null ? null : toFailure(err, 'quic_handshake').failure);
    });

    detach = whenAborted(opts.signal, (reason) => finish(record.response !== null ? null : toFailure(reason, 'quic_handshake').failure));
    if (done) return;
    if (send()) arm(opts.ptoMs ?? INITIAL_PTO_MS);
  });
}
