/**
 * The server's Initial-level CRYPTO stream, reassembled by offset (RFC 9000
 * §19.6): chunks may arrive split, out of order, duplicated or in several packets.
 * Bounded: bytes past `cap` and more than a few out-of-order chunks are dropped,
 * so a hostile server cannot make the exchange hold more than that.
 */

/** Out-of-order chunks kept waiting for the gap before them. */
const MAX_PENDING = 32;

export class CryptoStream {
  private data: Buffer = Buffer.alloc(0);
  private pending: Array<{ offset: number; data: Buffer }> = [];

  constructor(private readonly cap = 16_384) {}

  /** Bytes received contiguously from offset 0. */
  get length(): number {
    return this.data.length;
  }

  add(offset: number, chunk: Buffer): void {
    if (chunk.length === 0 || offset >= this.cap) return;
    if (offset > this.data.length) {
      if (this.pending.length < MAX_PENDING) this.pending.push({ offset, data: chunk });
      return;
    }
    this.append(offset, chunk);
    // A gap may have closed: drain whatever now starts at or before the end.
    for (let progress = true; progress; ) {
      progress = false;
      for (let i = 0; i < this.pending.length; i++) {
        const p = this.pending[i];
        if (p.offset <= this.data.length) {
          this.pending.splice(i, 1);
          this.append(p.offset, p.data);
          progress = true;
          break;
        }
      }
    }
  }

  private append(offset: number, chunk: Buffer): void {
    const end = Math.min(offset + chunk.length, this.cap);
    if (end <= this.data.length) return;
    this.data = Buffer.concat([this.data, chunk.subarray(this.data.length - offset, end - offset)]);
  }

  /** The types of the complete handshake messages (type, 24-bit length, body) at the start of the stream. */
  messages(): number[] {
    const types: number[] = [];
    let pos = 0;
    while (pos + 4 <= this.data.length) {
      const len = this.data.readUIntBE(pos + 1, 3);
      if (pos + 4 + len > this.data.length) break;
      types.push(this.data[pos]);
      pos += 4 + len;
    }
    return types;
  }
}
