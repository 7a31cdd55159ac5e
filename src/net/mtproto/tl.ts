/**
 * The two TL combinators of MTProto's first exchange, serialised and parsed as the binary
 * serialisation rules say (little-endian 32-bit words; strings with a 1- or 4-byte length and
 * 0–3 zero bytes of padding; Vector as 0x1cb5c415, a count and the elements):
 *   req_pq_multi#be7e8ef1 nonce:int128 = ResPQ;
 *   resPQ#05162463 nonce:int128 server_nonce:int128 pq:string server_public_key_fingerprints:Vector<long> = ResPQ;
 * Sources: https://core.telegram.org/mtproto/auth_key (steps 1 and 2),
 * https://core.telegram.org/mtproto/serialize (base types, Vector),
 * https://core.telegram.org/mtproto/TL (combinator numbers are CRC32 of the description).
 *
 * Parsing is total: every read is bounds-checked and every count capped, and what does not
 * parse comes back as a named reason, never as an exception.
 */

export const REQ_PQ_MULTI = 0xbe7e8ef1;
export const RES_PQ = 0x05162463;
/** crc32("vector t:Type # [ t ] = Vector t"), the one constructor of every Vector (serialize). */
export const VECTOR = 0x1cb5c415;

export const NONCE_BYTES = 16;

/** More key fingerprints than any server offers (Telegram's resPQ carries a handful): a longer list is hostile. */
export const MAX_FINGERPRINTS = 64;

/** Why a resPQ did not parse. */
export type TlMalformed = 'short' | 'constructor' | 'string_length' | 'vector_constructor' | 'vector_count';

export interface ResPq {
  nonce: Buffer;
  serverNonce: Buffer;
  /** The big-endian number pq, as the bytes of the TL string. */
  pq: Buffer;
  /** Each `long`, as its 8 bytes in wire order (the docs write fingerprints this way). */
  fingerprints: Buffer[];
}

export type ResPqResult = { ok: true; value: ResPq; used: number } | { ok: false; reason: TlMalformed };

/** The body of req_pq_multi: its constructor and the client's nonce. */
export function reqPqMulti(nonce: Buffer): Buffer {
  if (nonce.length !== NONCE_BYTES) throw new RangeError(`req_pq_multi takes a ${NONCE_BYTES}-byte nonce, not ${nonce.length} bytes`);
  const out = Buffer.alloc(4 + NONCE_BYTES);
  out.writeUInt32LE(REQ_PQ_MULTI, 0);
  nonce.copy(out, 4);
  return out;
}

/** A TL `string` (or `bytes`): serialize, "Base Types". */
export function tlString(data: Buffer): Buffer {
  if (data.length > 0xffffff) throw new RangeError('a TL string holds at most 2^24 - 1 bytes');
  const head = data.length <= 253 ? Buffer.from([data.length]) : Buffer.from([254, data.length & 0xff, (data.length >> 8) & 0xff, data.length >> 16]);
  const pad = (4 - ((head.length + data.length) % 4)) % 4;
  return Buffer.concat([head, data, Buffer.alloc(pad)]);
}

/** The body of resPQ (what a server sends; the test peer and the samples use it). */
export function resPq(r: ResPq): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32LE(RES_PQ, 0);
  const vec = Buffer.alloc(8);
  vec.writeUInt32LE(VECTOR, 0);
  vec.writeUInt32LE(r.fingerprints.length, 4);
  return Buffer.concat([head, r.nonce, r.serverNonce, tlString(r.pq), vec, ...r.fingerprints]);
}

/** A read past the end: caught in this file, never thrown out of it. */
class Short extends Error {}

class Reader {
  pos = 0;
  constructor(private readonly buf: Buffer) {}
  take(n: number): Buffer {
    if (this.pos + n > this.buf.length) throw new Short();
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  u32(): number {
    return this.take(4).readUInt32LE(0);
  }
}

/** Parses a resPQ body; `used` is how many bytes it took (an unencrypted message may carry padding after it). */
export function parseResPq(body: Buffer): ResPqResult {
  const r = new Reader(body);
  try {
    if (r.u32() !== RES_PQ) return { ok: false, reason: 'constructor' };
    const nonce = Buffer.from(r.take(NONCE_BYTES));
    const serverNonce = Buffer.from(r.take(NONCE_BYTES));
    const first = r.take(1)[0];
    // 255 is not a length prefix; 254 introduces a 3-byte length (serialize, "Base Types").
    if (first === 255) return { ok: false, reason: 'string_length' };
    const long = first === 254;
    const len = long ? r.take(3).readUIntLE(0, 3) : first;
    const pq = Buffer.from(r.take(len));
    r.take((4 - (((long ? 4 : 1) + len) % 4)) % 4);
    if (r.u32() !== VECTOR) return { ok: false, reason: 'vector_constructor' };
    const count = r.u32();
    if (count > MAX_FINGERPRINTS) return { ok: false, reason: 'vector_count' };
    const fingerprints: Buffer[] = [];
    for (let i = 0; i < count; i++) fingerprints.push(Buffer.from(r.take(8)));
    return { ok: true, value: { nonce, serverNonce, pq, fingerprints }, used: r.pos };
  } catch (err) {
    if (err instanceof Short) return { ok: false, reason: 'short' };
    throw err;
  }
}
