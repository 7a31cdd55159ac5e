/**
 * MTProto's TCP framings: abridged, intermediate and padded intermediate, with the quick ACKs
 * and transport errors a server may send in them.
 * Source: https://core.telegram.org/mtproto/mtproto-transports ("Abridged", "Intermediate",
 * "Padded intermediate", "Quick ack", "Transport errors").
 */
import { randomBytes, randomInt } from 'node:crypto';
import { PLAIN_HEADER_BYTES } from './message.js';

export const FRAMINGS = ['abridged', 'intermediate', 'padded_intermediate'] as const;
export type Framing = (typeof FRAMINGS)[number];

/** What the client sends before its first packet: 0xef, 0xeeeeeeee or 0xdddddddd. */
export function framingTag(f: Framing): Buffer {
  switch (f) {
    case 'abridged':
      return Buffer.from([0xef]);
    case 'intermediate':
      return Buffer.alloc(4, 0xee);
    case 'padded_intermediate':
      return Buffer.alloc(4, 0xdd);
  }
}

/** The tag as obfuscated2 carries it at bytes 56–59: four bytes, abridged's one repeated (0xefefefef). */
export function obfuscatedTag(f: Framing): Buffer {
  const tag = framingTag(f);
  return tag.length === 4 ? tag : Buffer.alloc(4, tag[0]);
}

/** Abridged: a length in 4-byte words below this fits in one byte; from it on, 0x7f and three bytes. */
const ABRIDGED_SHORT = 0x7f;

/**
 * Wraps one payload. Abridged and intermediate payloads are whole 4-byte words; padded
 * intermediate appends 0–15 random bytes (`padding` fixes them, for tests).
 */
export function frame(f: Framing, payload: Buffer, padding?: Buffer): Buffer {
  switch (f) {
    case 'abridged': {
      if (payload.length % 4 !== 0) throw new RangeError('an abridged payload is whole 4-byte words');
      const words = payload.length / 4;
      if (words >= 1 << 24) throw new RangeError('an abridged payload is shorter than 2^24 words');
      const head = words < ABRIDGED_SHORT ? Buffer.from([words]) : Buffer.from([ABRIDGED_SHORT, words & 0xff, (words >> 8) & 0xff, words >> 16]);
      return Buffer.concat([head, payload]);
    }
    case 'intermediate': {
      const head = Buffer.alloc(4);
      head.writeUInt32LE(payload.length, 0);
      return Buffer.concat([head, payload]);
    }
    case 'padded_intermediate': {
      const pad = padding ?? randomBytes(randomInt(16));
      if (pad.length > 15) throw new RangeError('padded intermediate pads with 0 to 15 bytes');
      const head = Buffer.alloc(4);
      head.writeUInt32LE(payload.length + pad.length, 0);
      return Buffer.concat([head, payload, pad]);
    }
  }
}

/** One unit a server sent: a payload, a quick ACK token, or a transport error code (negative, e.g. -404). */
export type Packet = { kind: 'payload'; payload: Buffer } | { kind: 'quick_ack'; token: Buffer } | { kind: 'transport_error'; code: number };

/** Why the bytes are no packet of this framing. */
export type FrameMalformed = 'frame_length';

export type PacketRead = { packet: Packet; used: number } | { malformed: FrameMalformed } | null;

/**
 * A payload shorter than any MTProto message (an unencrypted one has a 20-byte header) whose
 * first int is negative: a transport error, framed as a payload ("Transport errors"); padded
 * intermediate may add padding after it.
 */
function classify(payload: Buffer): Packet {
  if (payload.length >= 4 && payload.length < PLAIN_HEADER_BYTES && payload.readInt32LE(0) < 0) {
    return { kind: 'transport_error', code: payload.readInt32LE(0) };
  }
  return { kind: 'payload', payload };
}

/**
 * Reads the next server packet from `buf`: null when more bytes are needed. A length over
 * `maxBytes` is malformed at once, so a hostile length field never makes a reader wait for it.
 */
export function readPacket(f: Framing, buf: Buffer, maxBytes: number): PacketRead {
  if (f === 'abridged') {
    if (buf.length < 1) return null;
    // A quick ACK is its token byte-swapped, so its first byte has the high bit set; a length byte never has.
    if (buf[0] & 0x80) return buf.length < 4 ? null : { packet: { kind: 'quick_ack', token: Buffer.from(buf.subarray(0, 4)).reverse() }, used: 4 };
    let words = buf[0];
    let head = 1;
    if (words === ABRIDGED_SHORT) {
      if (buf.length < 4) return null;
      words = buf.readUIntLE(1, 3);
      head = 4;
    }
    const len = words * 4;
    if (len === 0 || len > maxBytes) return { malformed: 'frame_length' };
    if (buf.length < head + len) return null;
    return { packet: classify(Buffer.from(buf.subarray(head, head + len))), used: head + len };
  }
  if (buf.length < 4) return null;
  const len = buf.readUInt32LE(0);
  if (f === 'intermediate' && len >= 0x80000000) {
    // No valid length has the high bit: a quick ACK token, sent bare.
    return { packet: { kind: 'quick_ack', token: Buffer.from(buf.subarray(0, 4)) }, used: 4 };
  }
  if (len < 4 || len > maxBytes) return { malformed: 'frame_length' };
  if (buf.length < 4 + len) return null;
  const payload = Buffer.from(buf.subarray(4, 4 + len));
  // Padded intermediate frames its quick ACK: 0xffffffff, the token, up to 8 bytes of padding (at most 16 in all).
  if (f === 'padded_intermediate' && len >= 8 && len <= 16 && payload.readUInt32LE(0) === 0xffffffff) {
    return { packet: { kind: 'quick_ack', token: payload.subarray(4, 8) }, used: 4 + len };
  }
  return { packet: classify(payload), used: 4 + len };
}
