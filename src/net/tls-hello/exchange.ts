/**
 * One hello exchange over a connected socket: write a profile's ClientHello, read the server's
 * first records under the probe's deadline and a byte cap, and record what came back as a
 * TlsHandshake. A ServerHello or HelloRetryRequest is success (the handshake is not completed:
 * nothing past the ServerHello is read); an alert is ssl_failed_handshake with the alert
 * recorded; a reset, a close or silence is whatever the one error mapper (net/errors.ts) makes
 * of it, with operation tls_handshake. Connect-independent: the caller connects (directly,
 * SOCKS5, CONNECT), the exchange owns the socket from then on and destroys it.
 */
import type { Socket } from 'node:net';
import type { EchMode, TlsHandshake } from '../../model/index.js';
import { since } from '../clock.js';
import { blankHandshake } from '../handshake-record.js';
import { unheardError } from '../connectors/direct.js';
import { NetError, toFailure } from '../errors.js';
import { readUntil } from '../socket-read.js';
import { buildClientHello, sendsEch } from './build.js';
import { alertName, cipherName, groupName, versionName } from './codepoints.js';
import type { HelloProfile } from './profile.js';
import { readServerAnswer, type ServerAnswer } from './server-answer.js';

/** Bytes read at most waiting for the ServerHello: it is small, but may trail a record of 2^14 bytes. */
export const MAX_ANSWER_BYTES = 64 * 1024;

export interface HelloExchangeOptions {
  profile: HelloProfile;
  /** The server name sent; null sends none. */
  sni: string | null;
  /** ALPN protocols; default the profile's own. */
  alpn?: string[];
  /** `grease` adds GREASE ECH, `none` removes it; absent: as the profile has it. */
  ech?: EchMode;
  /** The probe's deadline (ProbeContext.signal): silence ends there as generic_timeout_error. */
  signal: AbortSignal;
  /** performance.now() at the measurement's start, for t0 and t; default now. */
  origin?: number;
  /** Where the socket is connected, for the record's address. */
  ip: string;
  port: number;
  /** Default MAX_ANSWER_BYTES. */
  maxBytes?: number;
}

/** Sends the profile's hello on `socket` and classifies the answer. Never throws for what the network did; destroys the socket. */
export async function helloExchange(socket: Socket, o: HelloExchangeOptions): Promise<TlsHandshake> {
  const origin = o.origin ?? performance.now();
  const t0 = since(origin);
  const record: TlsHandshake = {
    ...blankHandshake(o.ip, o.port, o.sni ?? null, t0),
    hello: o.profile.name,
    ech: sendsEch(o.profile, o.ech),
    server_response: null,
    alert: null,
    group: null,
  };
  const hello = buildClientHello(o.profile, { sni: o.sni, alpn: o.alpn, ech: o.ech });
  const cap = o.maxBytes ?? MAX_ANSWER_BYTES;
  try {
    // A reset that came while nobody was reading (between connect and now) is the answer.
    const early = unheardError(socket);
    if (early) throw early;
    socket.write(hello);
    const answer = await readUntil<ServerAnswer>(
      socket,
      o.signal,
      (buf) => {
        const a = readServerAnswer(buf);
        if (a) return { value: a, used: buf.length };
        return buf.length >= cap ? new NetError('ssl_failed_handshake', `no ServerHello in the first ${cap} bytes`, 'BW_TLS_ANSWER_CAP') : null;
      },
      () => new NetError('eof_error', 'the server closed the connection before answering the ClientHello', 'BW_EOF'),
    );
    classify(record, answer);
  } catch (err) {
    record.failure = toFailure(unheardError(socket) ?? err, 'tls_handshake').failure;
  } finally {
    socket.destroy();
  }
  record.t = since(origin);
  return record;
}

function classify(record: TlsHandshake, a: ServerAnswer): void {
  switch (a.kind) {
    case 'server_hello':
    case 'hello_retry_request':
      record.server_response = a.kind;
      record.tls_version = versionName(a.version);
      record.cipher_suite = cipherName(a.cipherSuite);
      record.group = a.group === null ? null : groupName(a.group);
      record.negotiated_protocol = a.alpn;
      return;
    case 'alert':
      record.server_response = 'alert';
      record.alert = { level: a.level, description: a.description, name: alertName(a.description) };
      record.failure = toFailure(new NetError('ssl_failed_handshake', `TLS alert ${alertName(a.description)}`, 'BW_TLS_ALERT'), 'tls_handshake').failure;
      return;
    case 'garbage':
      record.failure = toFailure(new NetError('ssl_failed_handshake', `not a TLS answer: ${a.reason}`, 'BW_TLS_GARBAGE'), 'tls_handshake').failure;
      return;
  }
}
