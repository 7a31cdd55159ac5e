/**
 * Packet protection of long-header packets with the Initial keys: AEAD_AES_128_GCM
 * over the payload with the header as associated data and nonce = iv XOR packet
 * number (RFC 9001 §5.3), then header protection: AES-128-ECB of a 16-byte sample
 * taken 4 bytes after the start of the packet number masks the low 4 bits of the
 * first byte and the packet number (§5.4.1–5.4.3). Also the Retry Integrity Tag
 * (§5.8). Unprotecting never throws: a packet that fails is null.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { PacketKeys } from './keys.js';

const TAG_LEN = 16;
const SAMPLE_LEN = 16;

/** RFC 9001 §5.8: the fixed key and nonce of the Retry Integrity Tag for QUIC version 1. */
export const RETRY_KEY_V1 = Buffer.from('be0c690b9f66575a1d766b54e368c84e', 'hex');
export const RETRY_NONCE_V1 = Buffer.from('461599d35d632bf2239825bb', 'hex');

/** The AEAD nonce: the 62-bit packet number, left-padded to the IV's length, XOR the IV. */
export function packetNonce(iv: Buffer, pn: number): Buffer {
  const n = Buffer.alloc(iv.length);
  n.writeBigUInt64BE(BigInt(pn), iv.length - 8);
  for (let i = 0; i < iv.length; i++) n[i] ^= iv[i];
  return n;
}

/** mask = AES-ECB(hp, sample); its first 5 bytes are used. */
export function headerMask(hp: Buffer, sample: Buffer): Buffer {
  const ecb = createCipheriv('aes-128-ecb', hp, null);
  ecb.setAutoPadding(false);
  return Buffer.concat([ecb.update(sample), ecb.final()]);
}

/**
 * Protects a long-header packet. `header` is the unprotected header up to and
 * including the packet number, which occupies its last `pnLength` bytes.
 */
export function protectLong(header: Buffer, pnLength: number, pn: number, payload: Buffer, keys: PacketKeys): Buffer {
  const pnOffset = header.length - pnLength;
  const gcm = createCipheriv('aes-128-gcm', keys.key, packetNonce(keys.iv, pn));
  gcm.setAAD(header);
  const sealed = Buffer.concat([gcm.update(payload), gcm.final(), gcm.getAuthTag()]);
  // The sample starts 4 bytes after the packet number's start, whatever its length (§5.4.2).
  const sampleAt = 4 - pnLength;
  if (sealed.length < sampleAt + SAMPLE_LEN) throw new RangeError('payload too short to sample for header protection');
  const mask = headerMask(keys.hp, sealed.subarray(sampleAt, sampleAt + SAMPLE_LEN));
  const out = Buffer.concat([header, sealed]);
  out[0] ^= mask[0] & 0x0f;
  for (let i = 0; i < pnLength; i++) out[pnOffset + i] ^= mask[1 + i];
  return out;
}

/**
 * The full packet number from its truncated encoding and the largest one
 * received so far in the space (RFC 9000 §17.1 and Appendix A.3); -1 when none.
 */
export function decodePacketNumber(largest: number, truncated: number, bits: number): number {
  const expected = largest + 1;
  const win = 2 ** bits;
  const hwin = win / 2;
  const candidate = Math.floor(expected / win) * win + truncated;
  if (candidate <= expected - hwin && candidate < 2 ** 62 - win) return candidate + win;
  if (candidate > expected + hwin && candidate >= win) return candidate - win;
  return candidate;
}

export interface Unprotected {
  /** The first byte with its protected bits restored. */
  firstByte: number;
  pn: number;
  pnLength: number;
  payload: Buffer;
}

/**
 * Removes header protection and decrypts one long-header packet: `packet` spans
 * exactly the packet (its Length field already applied), the packet number starts
 * at pnOffset. Null when it is too short to sample or fails authentication.
 */
export function unprotectLong(packet: Buffer, pnOffset: number, keys: PacketKeys, largestPn: number): Unprotected | null {
  if (pnOffset < 1 || packet.length < pnOffset + 4 + SAMPLE_LEN) return null;
  const mask = headerMask(keys.hp, packet.subarray(pnOffset + 4, pnOffset + 4 + SAMPLE_LEN));
  const firstByte = packet[0] ^ (mask[0] & 0x0f);
  const pnLength = (firstByte & 0x03) + 1;
  const header = Buffer.from(packet.subarray(0, pnOffset + pnLength));
  header[0] = firstByte;
  let truncated = 0;
  for (let i = 0; i < pnLength; i++) {
    header[pnOffset + i] ^= mask[1 + i];
    truncated = truncated * 256 + header[pnOffset + i];
  }
  const pn = decodePacketNumber(largestPn, truncated, pnLength * 8);
  const body = packet.subarray(pnOffset + pnLength);
  if (body.length < TAG_LEN) return null;
  try {
    const gcm = createDecipheriv('aes-128-gcm', keys.key, packetNonce(keys.iv, pn));
    gcm.setAAD(header);
    gcm.setAuthTag(body.subarray(body.length - TAG_LEN));
    const payload = Buffer.concat([gcm.update(body.subarray(0, body.length - TAG_LEN)), gcm.final()]);
    return { firstByte, pn, pnLength, payload };
  } catch {
    // Authentication failed: not for us, corrupted, or forged.
    return null;
  }
}

/** The Retry Integrity Tag: AES-128-GCM over nothing, with the Retry pseudo-packet as associated data (RFC 9001 §5.8). */
export function retryIntegrityTag(odcid: Buffer, retryWithoutTag: Buffer): Buffer {
  const gcm = createCipheriv('aes-128-gcm', RETRY_KEY_V1, RETRY_NONCE_V1);
  gcm.setAAD(Buffer.concat([Buffer.from([odcid.length]), odcid, retryWithoutTag]));
  gcm.final();
  return gcm.getAuthTag();
}

/** True when a whole Retry packet's last 16 bytes are the tag for the client's original DCID. */
export function retryTagValid(odcid: Buffer, retry: Buffer): boolean {
  if (retry.length < TAG_LEN + 7) return false;
  const expected = retryIntegrityTag(odcid, retry.subarray(0, retry.length - TAG_LEN));
  return expected.equals(retry.subarray(retry.length - TAG_LEN));
}
