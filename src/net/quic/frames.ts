/**
 * The frames a server's Initial packet may carry (RFC 9000 §12.4, §19): PADDING,
 * PING, ACK, CRYPTO and CONNECTION_CLOSE. Parsing stops at the first frame that
 * is truncated or not allowed here, keeping what came before: the packet already
 * authenticated, so it is an answer whatever its frames say.
 */
import { Reader } from './wire.js';

export interface CryptoChunk {
  offset: number;
  data: Buffer;
}

export interface ConnectionClose {
  /** A transport error code (0x0100 + alert for TLS alerts, RFC 9001 §4.8) or an application one. */
  errorCode: number;
  /** The frame type that caused it; null for the application variant (0x1d). */
  frameType: number | null;
  reason: string;
}

export interface InitialFrames {
  crypto: CryptoChunk[];
  ack: boolean;
  ping: boolean;
  close: ConnectionClose | null;
  /** Why parsing stopped early, or null when every frame was read. */
  malformed: string | null;
}

/** Longest close reason kept, in characters. */
const REASON_CAP = 256;

function skipAck(r: Reader, ecn: boolean): void {
  r.varint('ack largest');
  r.varint('ack delay');
  const ranges = r.varint('ack range count');
  r.varint('ack first range');
  // Each range is two varints of at least a byte: a huge count runs out of bytes, not time.
  for (let i = 0; i < ranges; i++) {
    r.varint('ack gap');
    r.varint('ack range');
  }
  if (ecn) {
    r.varint('ect0');
    r.varint('ect1');
    r.varint('ecn-ce');
  }
}

export function parseInitialFrames(payload: Buffer): InitialFrames {
  const out: InitialFrames = { crypto: [], ack: false, ping: false, close: null, malformed: null };
  const r = new Reader(payload);
  try {
    while (r.remaining > 0) {
      const type = r.varint('frame type');
      switch (type) {
        case 0x00: // PADDING
          break;
        case 0x01: // PING
          out.ping = true;
          break;
        case 0x02:
        case 0x03: // ACK, ACK with ECN counts
          skipAck(r, type === 0x03);
          out.ack = true;
          break;
        case 0x06: {
          // CRYPTO
          const offset = r.varint('crypto offset');
          const data = r.bytes(r.varint('crypto length'), 'crypto data');
          out.crypto.push({ offset, data });
          break;
        }
        case 0x1c:
        case 0x1d: {
          // CONNECTION_CLOSE; 0x1d does not belong in an Initial, but a close is a close.
          const errorCode = r.varint('close error code');
          const frameType = type === 0x1c ? r.varint('close frame type') : null;
          const reason = r.bytes(r.varint('close reason length'), 'close reason').toString('utf8').slice(0, REASON_CAP);
          out.close = { errorCode, frameType, reason };
          break;
        }
        default:
          out.malformed = `frame type 0x${type.toString(16)} not allowed in an Initial`;
          return out;
      }
    }
  } catch (err) {
    out.malformed = err instanceof Error ? err.message : 'malformed frame';
  }
  return out;
}
