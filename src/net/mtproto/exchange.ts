/**
 * MTProto's first exchange over a connected TCP socket: req_pq_multi with a fresh nonce, in
 * an unencrypted message, framed by the transport (obfuscated2: behind the 64-byte header,
 * the whole stream encrypted); then the answer, read until the probe's deadline and at most
 * `maxBytes`. Ok is a resPQ carrying our nonce (core.telegram.org/mtproto/auth_key, step 2).
 *
 * Never rejects for what the network did: silence, a reset, a close, a transport error code,
 * garbage or a wrong nonce are all a record with a failure. The caller owns the socket (it
 * opened it and destroys it); this module imports nothing from the engines, so the diagnosis
 * can run it again on the same address with another transport.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { AppExchange, MtprotoTransport } from '../../model/index.js';
import { since } from '../clock.js';
import { unheardError } from '../connectors/direct.js';
import { MTPROTO_WRONG_NONCE, mtprotoMalformedFailure, mtprotoTransportErrorFailure, NetError, toFailure } from '../errors.js';
import { readUntil } from '../socket-read.js';
import { AnswerReader, type Answer } from './answer.js';
import { messageId, plainMessage } from './message.js';
import { obfuscated2Client } from './obfuscated2.js';
import { NONCE_BYTES, reqPqMulti } from './tl.js';
import { frame, framingTag, obfuscatedTag, type Framing } from './transports.js';

/** Enough for a resPQ with every fingerprint a server might list, framed; anything longer is not one. */
export const MAX_ANSWER_BYTES = 4096;

/** The DC a target names when it names none (DESIGN §13). */
export const DEFAULT_DC = 2;

/** The framing inside obfuscated2 unless told otherwise: abridged, as Telegram Desktop sends to data centres. */
export const DEFAULT_OBFUSCATED_FRAMING: Framing = 'abridged';

export interface MtprotoExchangeOptions {
  /** ip:port the socket goes to, for the record (through a proxy the socket's peer is the proxy). */
  address: string;
  transport: MtprotoTransport;
  /** The DC id written into an obfuscated2 header; default 2. */
  dc?: number;
  /** The framing inside obfuscated2; default abridged. */
  framing?: Framing;
  /** The probe's deadline: no answer by then is a timeout. */
  signal: AbortSignal;
  /** performance.now() of the measurement's start, for t0 and t; default now. */
  origin?: number;
  /** Bytes read at most; default MAX_ANSWER_BYTES. */
  maxBytes?: number;
  /** The nonce to send; default fresh random bytes (tests fix it). */
  nonce?: Buffer;
}

/** The bytes a client writes first for `message` (tag, framing, obfuscation), and the decryptor of what comes back (obfuscated2 only). */
export function firstFlight(o: Pick<MtprotoExchangeOptions, 'transport' | 'dc' | 'framing'>, message: Buffer): { wire: Buffer; framing: Framing; decrypt?: { update(b: Buffer): Buffer } } {
  if (o.transport !== 'obfuscated2') {
    return { wire: Buffer.concat([framingTag(o.transport), frame(o.transport, message)]), framing: o.transport };
  }
  const framing = o.framing ?? DEFAULT_OBFUSCATED_FRAMING;
  const client = obfuscated2Client(obfuscatedTag(framing), o.dc ?? DEFAULT_DC);
  // The tag travels in the header: the framing's own first bytes are not sent again.
  return { wire: Buffer.concat([client.header, client.encrypt.update(frame(framing, message))]), framing, decrypt: client.decrypt };
}

function failureOf(a: Answer): AppExchange['failure'] {
  if (a.response === 'res_pq') return null;
  if (a.reason === 'transport_error') return mtprotoTransportErrorFailure(a.code);
  if (a.reason === 'wrong_nonce') return MTPROTO_WRONG_NONCE;
  return mtprotoMalformedFailure(a.malformed);
}

/**
 * Sends req_pq_multi on `socket` and records what came back. Never rejects for the network;
 * throws only for options no request can carry (a DC id that is not a non-zero 16-bit integer).
 */
export async function mtprotoExchange(socket: Socket, o: MtprotoExchangeOptions): Promise<AppExchange> {
  const origin = o.origin ?? performance.now();
  const nonce = o.nonce ?? randomBytes(NONCE_BYTES);
  const t0 = since(origin);
  const record: AppExchange = { protocol: 'mtproto', address: o.address, transport: o.transport, sent: 0, received: 0, response: null, failure: null, t0, t: t0 };
  const { wire, framing, decrypt } = firstFlight(o, plainMessage(messageId(), reqPqMulti(nonce)));
  const reader = new AnswerReader(framing, nonce, o.maxBytes ?? MAX_ANSWER_BYTES, decrypt);
  if (socket.destroyed) {
    // Lost between the connect and now (a reset nobody was reading): say what it was.
    record.failure = toFailure(unheardError(socket) ?? new NetError('eof_error', 'closed before the first MTProto bytes'), 'mtproto_handshake').failure;
    record.t = since(origin);
    return record;
  }
  const eof = (): Error => new NetError('eof_error', 'the peer closed before an MTProto answer', 'BW_MTPROTO_EOF');
  const answered = readUntil(socket, o.signal, (buf) => {
    const a = reader.take(buf);
    return a ? { value: a, used: buf.length } : null;
  }, eof);
  socket.write(wire);
  record.sent = wire.length;
  try {
    const a = await answered;
    record.response = a.response;
    record.detail = a.detail;
    record.failure = failureOf(a);
  } catch (err) {
    record.failure = toFailure(err, 'mtproto_handshake').failure;
    // Something came, but not a whole packet, before the reset, close or deadline.
    if (reader.received > 0) {
      record.response = 'other';
      record.detail = reader.truncated();
    }
  }
  record.received = reader.received;
  record.t = since(origin);
  return record;
}
