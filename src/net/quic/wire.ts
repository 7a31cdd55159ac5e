/**
 * Bytes on the wire for QUIC and TLS: a bounds-checked reader and the encoders
 * the Initial needs, with QUIC's variable-length integers (RFC 9000 §16).
 *
 * Every read checks its bounds and throws OutOfBounds, which the parsers that
 * read with it (here and src/net/tls-hello) catch: a hostile length field costs a
 * rejected packet, never a crash.
 */

/** A read past the end of the data: the packet is malformed. Never leaves the parser that read. */
export class OutOfBounds extends Error {
  constructor(what: string) {
    super(`truncated: ${what}`);
    this.name = 'OutOfBounds';
  }
}

/** Reads big-endian fields from buf[pos, end). */
export class Reader {
  pos: number;
  readonly end: number;

  constructor(
    readonly buf: Buffer,
    start = 0,
    end = buf.length,
  ) {
    this.pos = start;
    this.end = Math.min(end, buf.length);
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, what: string): void {
    if (n < 0 || this.pos + n > this.end) throw new OutOfBounds(what);
  }

  u8(what = 'u8'): number {
    this.need(1, what);
    return this.buf[this.pos++];
  }

  u16(what = 'u16'): number {
    this.need(2, what);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  u24(what = 'u24'): number {
    this.need(3, what);
    const v = this.buf.readUIntBE(this.pos, 3);
    this.pos += 3;
    return v;
  }

  u32(what = 'u32'): number {
    this.need(4, what);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  /** A view (no copy) of the next n bytes. */
  bytes(n: number, what = 'bytes'): Buffer {
    this.need(n, what);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** A view of everything left. */
  rest(): Buffer {
    return this.bytes(this.remaining, 'rest');
  }

  /**
   * A variable-length integer (RFC 9000 §16): the two high bits of the first byte give
   * its length, 1, 2, 4 or 8 bytes. Values above 2^53 lose precision, which only matters
   * for lengths and offsets, and those fail their bounds checks long before.
   */
  varint(what = 'varint'): number {
    this.need(1, what);
    const len = 1 << (this.buf[this.pos] >> 6);
    this.need(len, what);
    let v = this.buf[this.pos] & 0x3f;
    for (let i = 1; i < len; i++) v = v * 256 + this.buf[this.pos + i];
    this.pos += len;
    return v;
  }
}

/** Varints hold values below 2^62; a number cannot spell 2^62 - 1 exactly, so the bound is exclusive. */
const VARINT_LIMIT = 2 ** 62;

/** How many bytes the varint encoding of v takes. */
export function varintSize(v: number): 1 | 2 | 4 | 8 {
  if (!Number.isInteger(v) || v < 0 || v >= VARINT_LIMIT) throw new RangeError(`not a QUIC varint: ${v}`);
  if (v < 0x40) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x40000000) return 4;
  return 8;
}

/** The shortest varint encoding of v, or one of the given size (a Length field reserved ahead). */
export function varint(v: number, size: 1 | 2 | 4 | 8 = varintSize(v)): Buffer {
  if (size < varintSize(v)) throw new RangeError(`${v} does not fit a ${size}-byte varint`);
  const out = Buffer.alloc(size);
  let x = v;
  for (let i = size - 1; i >= 0; i--) {
    out[i] = x % 256;
    x = Math.floor(x / 256);
  }
  out[0] |= [1, 2, 4, 8].indexOf(size) << 6;
  return out;
}

export function u8(v: number): Buffer {
  return Buffer.from([v & 0xff]);
}

export function u16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v);
  return b;
}

export function u24(v: number): Buffer {
  const b = Buffer.alloc(3);
  b.writeUIntBE(v, 0, 3);
  return b;
}

export function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
}

/** A TLS vector with a 1-byte length prefix (RFC 8446 §3.4). */
export function vec8(...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  if (body.length > 0xff) throw new RangeError(`vector of ${body.length} bytes exceeds 255`);
  return Buffer.concat([u8(body.length), body]);
}

/** A TLS vector with a 2-byte length prefix. */
export function vec16(...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  if (body.length > 0xffff) throw new RangeError(`vector of ${body.length} bytes exceeds 65535`);
  return Buffer.concat([u16(body.length), body]);
}
