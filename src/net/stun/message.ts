/**
 * The STUN message codec (RFC 8489): a Binding request out, and a validating reader for what
 * comes back. Every length is checked against the datagram; whatever does not parse is
 * reported as `other` with the reason, never thrown.
 */
import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { formatAddress, MAGIC_COOKIE, readAddress } from './address.js';

export { MAGIC_COOKIE } from './address.js';

/** RFC 8489 §5: 20-byte header: type, length, magic cookie, 96-bit transaction id. */
export const HEADER_BYTES = 20;
export const TRANSACTION_ID_BYTES = 12;

/** Message types of the Binding method (RFC 8489 §5, §18.2): request, success and error response. */
export const BINDING_REQUEST = 0x0001;
export const BINDING_SUCCESS = 0x0101;
export const BINDING_ERROR = 0x0111;

/** Attribute types (RFC 8489 §18.3). */
export const ATTR = {
  MAPPED_ADDRESS: 0x0001,
  MESSAGE_INTEGRITY: 0x0008,
  ERROR_CODE: 0x0009,
  MESSAGE_INTEGRITY_SHA256: 0x001c,
  XOR_MAPPED_ADDRESS: 0x0020,
  SOFTWARE: 0x8022,
  FINGERPRINT: 0x8028,
} as const;

/** RFC 8489 §14.7: FINGERPRINT is the CRC-32 of the message before it, XORed with this ("STUN"). */
export const FINGERPRINT_XOR = 0x5354554e;

/** RFC 8489 §14.10 and §14.8: SOFTWARE and an error reason phrase are at most 763 bytes of UTF-8. */
const MAX_TEXT_BYTES = 763;

export function newTransactionId(): Buffer {
  return randomBytes(TRANSACTION_ID_BYTES);
}

/** The FINGERPRINT value of the bytes before the attribute (whose header length already counts it). */
export function fingerprintOf(bytes: Uint8Array): number {
  return (crc32(bytes) ^ FINGERPRINT_XOR) >>> 0;
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

function attribute(type: number, value: Buffer): Buffer {
  const out = Buffer.alloc(4 + pad4(value.length));
  out.writeUInt16BE(type, 0);
  out.writeUInt16BE(value.length, 2);
  value.copy(out, 4);
  return out;
}

export interface RequestOptions {
  /** SOFTWARE attribute (RFC 8489 §14.10); absent by default, so the probe does not name itself. */
  software?: string;
  /** Append FINGERPRINT (RFC 8489 §14.7), as ICE agents do; default true. */
  fingerprint?: boolean;
}

/** A Binding request with the given transaction id. */
export function bindingRequest(transactionId: Buffer, opts: RequestOptions = {}): Buffer {
  if (transactionId.length !== TRANSACTION_ID_BYTES) throw new RangeError('a STUN transaction id is 12 bytes');
  const attrs: Buffer[] = [];
  if (opts.software !== undefined) {
    const text = Buffer.from(opts.software, 'utf8');
    if (text.length > MAX_TEXT_BYTES) throw new RangeError('SOFTWARE is at most 763 bytes');
    attrs.push(attribute(ATTR.SOFTWARE, text));
  }
  const fingerprint = opts.fingerprint ?? true;
  const body = Buffer.concat(attrs);
  const msg = Buffer.alloc(HEADER_BYTES + body.length + (fingerprint ? 8 : 0));
  msg.writeUInt16BE(BINDING_REQUEST, 0);
  msg.writeUInt16BE(msg.length - HEADER_BYTES, 2);
  msg.writeUInt32BE(MAGIC_COOKIE, 4);
  transactionId.copy(msg, 8);
  body.copy(msg, HEADER_BYTES);
  if (fingerprint) {
    const at = HEADER_BYTES + body.length;
    msg.writeUInt16BE(ATTR.FINGERPRINT, at);
    msg.writeUInt16BE(4, at + 2);
    msg.writeUInt32BE(fingerprintOf(msg.subarray(0, at)), at + 4);
  }
  return msg;
}

/** Why a datagram is not a response to our transaction. */
export type NotOurs =
  | 'short' // under 20 bytes
  | 'not_stun' // top two bits set or no magic cookie
  | 'bad_length' // length not a multiple of 4, or past the end of the datagram
  | 'transaction_mismatch' // a STUN message, but not for our transaction
  | 'not_a_response' // ours, but not a Binding success or error response
  | 'malformed_attribute' // an attribute overruns the message or has a bad value
  | 'bad_fingerprint'; // FINGERPRINT present, not last, or its CRC does not match

export type StunReading =
  | { kind: 'binding_success'; mapped: string | null; software: string | null }
  | { kind: 'binding_error'; code: number | null; reason: string }
  | { kind: 'other'; why: NotOurs };

interface Attr {
  type: number;
  value: Buffer;
}

/** Splits the attribute section; null when an attribute runs past the message or FINGERPRINT is wrong. */
function attributesOf(msg: Buffer, end: number): { attrs: Attr[] } | { why: NotOurs } {
  const attrs: Attr[] = [];
  let at = HEADER_BYTES;
  let sealed = false;
  while (at < end) {
    if (at + 4 > end) return { why: 'malformed_attribute' };
    const type = msg.readUInt16BE(at);
    const len = msg.readUInt16BE(at + 2);
    const next = at + 4 + pad4(len);
    if (next > end) return { why: 'malformed_attribute' };
    const value = msg.subarray(at + 4, at + 4 + len);
    if (type === ATTR.FINGERPRINT) {
      // §14.7: the last attribute, over everything before it, with the length field as sent.
      if (len !== 4 || next !== end) return { why: 'bad_fingerprint' };
      if (value.readUInt32BE(0) !== fingerprintOf(msg.subarray(0, at))) return { why: 'bad_fingerprint' };
    } else if (!sealed) {
      attrs.push({ type, value });
    }
    // §14.5/§14.6: only FINGERPRINT counts after a MESSAGE-INTEGRITY; we do not check integrity (no credentials).
    if (type === ATTR.MESSAGE_INTEGRITY || type === ATTR.MESSAGE_INTEGRITY_SHA256) sealed = true;
    at = next;
  }
  return { attrs };
}

/** The first occurrence counts (RFC 8489 §14). */
function first(attrs: Attr[], type: number): Buffer | undefined {
  return attrs.find((a) => a.type === type)?.value;
}

/** Text of at most 763 bytes, or null when longer. */
function text(value: Buffer): string | null {
  return value.length <= MAX_TEXT_BYTES ? value.toString('utf8') : null;
}

/** ERROR-CODE (RFC 8489 §14.8): class 3–6 in bits 8–10, number 0–99 in the last byte, then the reason. */
function errorCode(value: Buffer): { code: number; reason: string } | null {
  if (value.length < 4) return null;
  const cls = value[2] & 0x07;
  const num = value[3];
  if (cls < 3 || cls > 6 || num > 99) return null;
  const reason = text(value.subarray(4));
  return reason === null ? null : { code: cls * 100 + num, reason };
}

/**
 * Reads a datagram as the answer to our Binding request (RFC 8489 §6.3: header checks, then the
 * transaction id, then the class). Attributes a Binding client does not know are ignored, also
 * comprehension-required ones: the probe asks whether a STUN server answers, and an RFC 3489
 * server's SOURCE-ADDRESS or CHANGED-ADDRESS answers as surely as XOR-MAPPED-ADDRESS.
 */
export function readResponse(msg: Buffer, transactionId: Buffer): StunReading {
  if (msg.length < HEADER_BYTES) return { kind: 'other', why: 'short' };
  const type = msg.readUInt16BE(0);
  if (type & 0xc000 || msg.readUInt32BE(4) !== MAGIC_COOKIE) return { kind: 'other', why: 'not_stun' };
  const length = msg.readUInt16BE(2);
  if (length % 4 !== 0 || HEADER_BYTES + length > msg.length) return { kind: 'other', why: 'bad_length' };
  if (!msg.subarray(8, HEADER_BYTES).equals(transactionId)) return { kind: 'other', why: 'transaction_mismatch' };
  if (type !== BINDING_SUCCESS && type !== BINDING_ERROR) return { kind: 'other', why: 'not_a_response' };
  const parsed = attributesOf(msg, HEADER_BYTES + length);
  if ('why' in parsed) return { kind: 'other', why: parsed.why };
  const { attrs } = parsed;
  if (type === BINDING_ERROR) {
    const raw = first(attrs, ATTR.ERROR_CODE);
    if (raw === undefined) return { kind: 'binding_error', code: null, reason: '' };
    const e = errorCode(raw);
    return e ? { kind: 'binding_error', ...e } : { kind: 'other', why: 'malformed_attribute' };
  }
  const xor = first(attrs, ATTR.XOR_MAPPED_ADDRESS);
  const plain = first(attrs, ATTR.MAPPED_ADDRESS);
  // XOR-MAPPED-ADDRESS wins (§14.2: NATs rewrite a plain address they find in a payload).
  const address = xor !== undefined ? readAddress(xor, transactionId) : plain !== undefined ? readAddress(plain) : undefined;
  if (address === null) return { kind: 'other', why: 'malformed_attribute' };
  const sw = first(attrs, ATTR.SOFTWARE);
  return {
    kind: 'binding_success',
    mapped: address ? formatAddress(address) : null,
    software: sw === undefined ? null : text(sw),
  };
}
