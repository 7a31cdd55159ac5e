/**
 * The client's Initial packet (RFC 9000 §17.2.2): long header of type Initial,
 * the version, Destination and Source Connection IDs, an empty token, the Length,
 * the packet number, and a payload of a CRYPTO frame (§19.6) plus PADDING frames
 * (zero bytes, §19.1) so the UDP datagram is at least 1200 bytes (§14.1): servers
 * ignore smaller ones, and only a full-size Initial draws Version Negotiation.
 */
import type { PacketKeys } from './keys.js';
import { protectLong } from './protection.js';
import { u32, u8, varint, varintSize } from './wire.js';

/** RFC 9000 §14.1: the smallest datagram a client's Initial may travel in. */
export const MIN_INITIAL_DATAGRAM = 1200;

/** RFC 9000 §17.2: a v1 connection ID is at most 20 bytes. */
export const MAX_CID_LENGTH = 20;

const TAG_LEN = 16;
/** Long header (0x80), fixed bit (0x40), type Initial (0b00 << 4). */
const INITIAL_FIRST_BYTE = 0xc0;

export interface ClientInitial {
  version: number;
  dcid: Buffer;
  scid: Buffer;
  /** A token from a Retry or NEW_TOKEN; empty for a first contact. */
  token?: Buffer;
  pn: number;
  /** Bytes the packet number is encoded in, 1–4. */
  pnLength: 1 | 2 | 3 | 4;
  /** The frames (typically one CRYPTO frame); PADDING is appended. */
  frames: Buffer;
  /** Pad the datagram to at least this many bytes; default 1200. */
  minDatagram?: number;
}

/** A CRYPTO frame: type 0x06, offset, length, data. */
export function cryptoFrame(offset: number, data: Buffer): Buffer {
  return Buffer.concat([u8(0x06), varint(offset), varint(data.length), data]);
}

/** The protected Initial, as one UDP datagram. */
export function buildClientInitial(p: ClientInitial, keys: PacketKeys): Buffer {
  if (p.dcid.length > MAX_CID_LENGTH || p.scid.length > MAX_CID_LENGTH) throw new RangeError('connection ID longer than 20 bytes');
  const token = p.token ?? Buffer.alloc(0);
  const before = Buffer.concat([
    u8(INITIAL_FIRST_BYTE | (p.pnLength - 1)),
    u32(p.version),
    u8(p.dcid.length),
    p.dcid,
    u8(p.scid.length),
    p.scid,
    varint(token.length),
    token,
  ]);
  const target = Math.max(p.minDatagram ?? MIN_INITIAL_DATAGRAM, 0);
  // The Length field's own size depends on the length; a 2-byte field holds up to 16383, which any padded Initial fits.
  let payloadLen = p.frames.length;
  let lenSize = varintSize(p.pnLength + payloadLen + TAG_LEN);
  for (let i = 0; i < 2; i++) {
    const room = target - before.length - lenSize - p.pnLength - TAG_LEN;
    payloadLen = Math.max(p.frames.length, room);
    lenSize = varintSize(p.pnLength + payloadLen + TAG_LEN);
  }
  // A sample needs 4 + 16 bytes after the packet number's start (RFC 9001 §5.4.2).
  payloadLen = Math.max(payloadLen, 4 - p.pnLength);
  const payload = Buffer.alloc(payloadLen);
  p.frames.copy(payload);
  const pnBytes = Buffer.alloc(p.pnLength);
  pnBytes.writeUIntBE(p.pn % 2 ** (8 * p.pnLength), 0, p.pnLength);
  const header = Buffer.concat([before, varint(p.pnLength + payloadLen + TAG_LEN, lenSize), pnBytes]);
  return protectLong(header, p.pnLength, p.pn, payload, keys);
}
