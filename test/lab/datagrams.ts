/**
 * The datagrams the lab sends to prove its UDP peers and censor rules without blockwatch's
 * engines: a STUN Binding request and its answer, and QUIC long-header probes that draw a
 * Version Negotiation packet from a QUIC server (OONI's quicping idea, ooni/spec ts-031).
 */
import { randomBytes } from 'node:crypto';

/** RFC 8489 §5: every STUN message starts with a 20-byte header carrying this cookie. */
export const STUN_MAGIC_COOKIE = 0x2112a442;
const STUN_BINDING_REQUEST = 0x0001;
const STUN_BINDING_SUCCESS = 0x0101;
/** RFC 8489 §14.2. */
const STUN_XOR_MAPPED_ADDRESS = 0x0020;

/** A Binding request with no attributes: type, length 0, magic cookie, 96-bit transaction id. */
export function stunBindingRequest(transactionId: Buffer = randomBytes(12)): Buffer {
  const msg = Buffer.alloc(20);
  msg.writeUInt16BE(STUN_BINDING_REQUEST, 0);
  msg.writeUInt16BE(0, 2);
  msg.writeUInt32BE(STUN_MAGIC_COOKIE, 4);
  transactionId.copy(msg, 8, 0, 12);
  return msg;
}

export interface StunAnswer {
  /** `ip:port` from XOR-MAPPED-ADDRESS (IPv4 only here: the lab has no IPv6). */
  mapped: string | null;
}

/** Parses a Binding success response to `request`; null for anything else (another transaction, not STUN). */
export function parseStunAnswer(msg: Buffer, request: Buffer): StunAnswer | null {
  if (msg.length < 20 || msg.readUInt16BE(0) !== STUN_BINDING_SUCCESS || msg.readUInt32BE(4) !== STUN_MAGIC_COOKIE) return null;
  if (!msg.subarray(8, 20).equals(request.subarray(8, 20))) return null;
  const end = Math.min(msg.length, 20 + msg.readUInt16BE(2));
  for (let at = 20; at + 4 <= end; ) {
    const type = msg.readUInt16BE(at);
    const len = msg.readUInt16BE(at + 2);
    const value = msg.subarray(at + 4, at + 4 + len);
    if (type === STUN_XOR_MAPPED_ADDRESS && len === 8 && value[1] === 0x01) {
      const port = value.readUInt16BE(2) ^ (STUN_MAGIC_COOKIE >>> 16);
      const ip = (value.readUInt32BE(4) ^ STUN_MAGIC_COOKIE) >>> 0;
      return { mapped: `${ip >>> 24}.${(ip >>> 16) & 0xff}.${(ip >>> 8) & 0xff}.${ip & 0xff}:${port}` };
    }
    at += 4 + len + ((4 - (len % 4)) % 4); // attributes are padded to 4 bytes
  }
  return { mapped: null };
}

/** RFC 9000 §15: versions of the form 0x?a?a?a?a are reserved to force Version Negotiation. */
export const QUIC_FORCE_NEGOTIATION = 0xbabababa;
/** RFC 9000 §14.1: a client's Initial datagram is at least 1200 bytes; servers ignore shorter unknown-version packets. */
export const QUIC_MIN_INITIAL = 1200;

export interface QuicProbeShape {
  /** Total UDP payload size. */
  size: number;
  /** First byte: 0xc0 is a long header (0x80) with the fixed bit (0x40) and packet type Initial (0b00); 0x40 a short header. */
  firstByte: number;
}

/** A datagram shaped like a QUIC Initial (long header, padded) with a reserved version, so a server answers with Version Negotiation. */
export function quicProbe(shape: QuicProbeShape = { size: QUIC_MIN_INITIAL, firstByte: 0xc0 }): { datagram: Buffer; dcid: Buffer } {
  const dcid = randomBytes(8);
  const d = Buffer.alloc(shape.size);
  d[0] = shape.firstByte;
  d.writeUInt32BE(QUIC_FORCE_NEGOTIATION, 1);
  d[5] = dcid.length;
  dcid.copy(d, 6);
  d[6 + dcid.length] = 0; // no source connection id
  return { datagram: d, dcid };
}

/** True for a Version Negotiation packet (RFC 9000 §17.2.1) answering a probe with `dcid`: long header, version 0, our id echoed back. */
export function isVersionNegotiation(msg: Buffer, dcid: Buffer): boolean {
  if (msg.length < 7 || (msg[0] & 0x80) === 0 || msg.readUInt32BE(1) !== 0) return false;
  // The server swaps the ids (§17.2.1): our destination id comes back as its source id.
  const dlen = msg[5];
  const slenAt = 6 + dlen;
  if (slenAt >= msg.length) return false;
  const slen = msg[slenAt];
  return msg.subarray(slenAt + 1, slenAt + 1 + slen).equals(dcid);
}
