/**
 * Writing a ClientHello's fields as bytes: the handshake message (RFC 8446 §4.1.2) and the
 * TLS records that carry it, split at 2^14 bytes as a real client splits a large hello
 * (§5.1). The inverse of parse.ts: parse(encode(h)) gives back h's fields.
 */
import { u16, u24, vec16, vec8 } from '../quic/wire.js';
import { CONTENT_HANDSHAKE, HS_CLIENT_HELLO, MAX_FRAGMENT } from './codepoints.js';
import type { Extension } from './parse.js';

export interface HelloFields {
  legacyVersion: number;
  random: Buffer;
  sessionId: Buffer;
  cipherSuites: readonly number[];
  compressionMethods: readonly number[];
  extensions: readonly Extension[];
}

/** One extension: type, 16-bit length, data. */
export function encodeExtension(e: Extension): Buffer {
  return Buffer.concat([u16(e.type), vec16(e.data)]);
}

/** The extensions block's size on the wire (without its own 2-byte length). */
export function extensionsSize(exts: readonly Extension[]): number {
  return exts.reduce((n, e) => n + 4 + e.data.length, 0);
}

/** The ClientHello handshake message: type 1, 24-bit length, body. */
export function encodeClientHelloMessage(h: HelloFields): Buffer {
  if (h.random.length !== 32) throw new RangeError('a ClientHello random is 32 bytes');
  const body = Buffer.concat([
    u16(h.legacyVersion),
    h.random,
    vec8(h.sessionId),
    vec16(...h.cipherSuites.map(u16)),
    vec8(Buffer.from(h.compressionMethods)),
    vec16(...h.extensions.map(encodeExtension)),
  ]);
  return Buffer.concat([Buffer.from([HS_CLIENT_HELLO]), u24(body.length), body]);
}

/** Handshake bytes in TLSPlaintext records of at most 2^14 bytes each. */
export function inRecords(message: Buffer, recordVersion: number): Buffer {
  const out: Buffer[] = [];
  for (let at = 0; at < message.length; at += MAX_FRAGMENT) {
    const part = message.subarray(at, at + MAX_FRAGMENT);
    out.push(Buffer.from([CONTENT_HANDSHAKE]), u16(recordVersion), u16(part.length), part);
  }
  return Buffer.concat(out);
}
