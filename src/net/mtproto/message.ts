/**
 * MTProto's unencrypted message: auth_key_id = 0 (int64), message_id (int64),
 * message_data_length (int32), message_data. The key exchange is sent this way, before any
 * key exists. Source: https://core.telegram.org/mtproto/description ("Unencrypted Message",
 * "Message Identifier (msg_id)").
 */

/** auth_key_id + message_id + message_data_length. */
export const PLAIN_HEADER_BYTES = 20;

/** Why a payload is not an unencrypted message. */
export type PlainMalformed = 'short' | 'auth_key_id';

export interface PlainMessage {
  messageId: bigint;
  /** message_data_length as sent. */
  length: number;
  /** message_data: `length` bytes, or what the payload holds when it says more (see readPlainMessage). */
  body: Buffer;
}

/**
 * A client message id: approximately unixtime × 2^32, its lower 32 bits the fraction of the
 * second (never zero), divisible by 4 as client ids must be (description, "Message Identifier").
 */
export function messageId(nowMs: number = Date.now()): bigint {
  const seconds = Math.floor(nowMs / 1000);
  const fraction = Math.floor(((nowMs - seconds * 1000) / 1000) * 2 ** 32) & ~3;
  return (BigInt(seconds) << 32n) | BigInt(fraction >>> 0 || 4);
}

export function plainMessage(id: bigint, body: Buffer): Buffer {
  const out = Buffer.alloc(PLAIN_HEADER_BYTES + body.length);
  out.writeBigUInt64LE(0n, 0);
  out.writeBigUInt64LE(id, 8);
  out.writeUInt32LE(body.length, 16);
  body.copy(out, PLAIN_HEADER_BYTES);
  return out;
}

/**
 * Reads an unencrypted message from a transport payload. The body is message_data_length
 * bytes, cut to what the payload holds: a padded transport adds bytes after it, and the
 * documentation's own resPQ sample (samples-auth_key) says 168 where its body is 80 bytes,
 * so a length that overshoots is kept in `length` as evidence rather than refused.
 */
export function readPlainMessage(payload: Buffer): { ok: true; value: PlainMessage } | { ok: false; reason: PlainMalformed } {
  if (payload.length < PLAIN_HEADER_BYTES) return { ok: false, reason: 'short' };
  if (payload.readBigUInt64LE(0) !== 0n) return { ok: false, reason: 'auth_key_id' };
  const length = payload.readUInt32LE(16);
  const body = payload.subarray(PLAIN_HEADER_BYTES, PLAIN_HEADER_BYTES + Math.min(length, payload.length - PLAIN_HEADER_BYTES));
  return { ok: true, value: { messageId: payload.readBigUInt64LE(8), length, body } };
}
