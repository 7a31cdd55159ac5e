/**
 * Reading the server's answer to req_pq_multi off the wire: decrypt (obfuscated2), take
 * packets out of the framing, skip quick ACKs, and judge the first payload: a resPQ carrying
 * our nonce, or something else and what. Pure and bounded: `maxBytes` caps what is read.
 */
import { readPlainMessage, type PlainMalformed } from './message.js';
import { parseResPq, type TlMalformed } from './tl.js';
import { readPacket, type FrameMalformed, type Framing } from './transports.js';

/** Why an answer is not the resPQ we asked for. */
export type OtherReason = 'transport_error' | 'wrong_nonce' | 'malformed' | 'truncated';

/** What was wrong with bytes that are not an MTProto answer. */
export type Malformed = FrameMalformed | PlainMalformed | TlMalformed | 'too_long';

export type Answer =
  | { response: 'res_pq'; detail: Record<string, unknown> }
  | { response: 'other'; reason: 'transport_error'; code: number; detail: Record<string, unknown> }
  | { response: 'other'; reason: 'wrong_nonce'; detail: Record<string, unknown> }
  | { response: 'other'; reason: 'malformed'; malformed: Malformed; detail: Record<string, unknown> };

/** Raw bytes kept as evidence of what came back (an injected blockpage shows here). */
export const HEAD_BYTES = 32;

/** The big-endian number of a TL string, in decimal when it is no longer than a 128-bit number. */
function bigEndianNumber(b: Buffer): string {
  return b.length > 0 && b.length <= 16 ? BigInt(`0x${b.toString('hex')}`).toString() : b.toString('hex');
}

export class AnswerReader {
  /** Bytes read from the wire so far. */
  received = 0;
  quickAcks = 0;
  private head: Buffer = Buffer.alloc(0);
  private plain: Buffer = Buffer.alloc(0);

  constructor(
    private readonly framing: Framing,
    private readonly nonce: Buffer,
    private readonly maxBytes: number,
    private readonly decrypt?: { update(data: Buffer): Buffer },
  ) {}

  /** The first bytes received, as hex. */
  headHex(): string {
    return this.head.toString('hex');
  }

  /** What the wire said when it ended before a whole packet came. */
  truncated(): Record<string, unknown> {
    return this.other({ reason: 'truncated' satisfies OtherReason });
  }

  private detail(d: Record<string, unknown>): Record<string, unknown> {
    return { ...d, ...(this.quickAcks ? { quick_acks: this.quickAcks } : {}) };
  }

  private other(d: Record<string, unknown>): Record<string, unknown> {
    return this.detail({ ...d, head: this.headHex() });
  }

  /** Takes the bytes received so far (all of them, as readUntil gives them); null until an answer is decided. */
  take(all: Buffer): Answer | null {
    const fresh = all.subarray(this.received);
    this.received = all.length;
    if (this.head.length < HEAD_BYTES) this.head = Buffer.concat([this.head, fresh.subarray(0, HEAD_BYTES - this.head.length)]);
    const clear = this.decrypt ? this.decrypt.update(fresh) : fresh;
    this.plain = this.plain.length ? Buffer.concat([this.plain, clear]) : Buffer.from(clear);
    for (;;) {
      const r = readPacket(this.framing, this.plain, this.maxBytes);
      if (r === null) return this.received > this.maxBytes ? this.malformed('too_long') : null;
      if ('malformed' in r) return this.malformed(r.malformed);
      this.plain = this.plain.subarray(r.used);
      const p = r.packet;
      if (p.kind === 'quick_ack') {
        this.quickAcks++;
        continue;
      }
      if (p.kind === 'transport_error') {
        return { response: 'other', reason: 'transport_error', code: p.code, detail: this.other({ reason: 'transport_error', transport_error: p.code }) };
      }
      return this.judge(p.payload);
    }
  }

  private malformed(what: Malformed): Answer {
    return { response: 'other', reason: 'malformed', malformed: what, detail: this.other({ reason: 'malformed', malformed: what }) };
  }

  private judge(payload: Buffer): Answer {
    const msg = readPlainMessage(payload);
    if (!msg.ok) return this.malformed(msg.reason);
    const res = parseResPq(msg.value.body);
    if (!res.ok) return this.malformed(res.reason);
    const { nonce, pq, fingerprints } = res.value;
    const carried = { pq: bigEndianNumber(pq), fingerprints: fingerprints.map((f) => f.toString('hex')) };
    if (!nonce.equals(this.nonce)) {
      return { response: 'other', reason: 'wrong_nonce', detail: this.other({ reason: 'wrong_nonce', nonce: nonce.toString('hex'), ...carried }) };
    }
    return { response: 'res_pq', detail: this.detail(carried) };
  }
}
