/**
 * Initial secrets and packet protection keys (RFC 9001 §5.1–5.2): HKDF-Extract
 * (RFC 5869 §2.2) of the client's first Destination Connection ID with the v1
 * salt, then HKDF-Expand-Label (RFC 8446 §7.1) to the client and server secrets
 * and their key, iv and header-protection key. Anyone who sees the client's
 * first Initial can derive these (a censor does, to read the SNI); they protect
 * against nothing but off-path forgery, which is all this module needs.
 */
import { createHmac } from 'node:crypto';
import { u16, vec8 } from './wire.js';

/** QUIC version 1 (RFC 9000 §15). */
export const QUIC_V1 = 0x00000001;

/** RFC 9001 §5.2: initial_salt for QUIC version 1. */
export const INITIAL_SALT_V1 = Buffer.from('38762cf7f55934b34d179ae6a4c80cadccbb7f0a', 'hex');

const SHA256_LEN = 32;

/** What one direction protects its packets with (AEAD_AES_128_GCM until TLS picks a suite). */
export interface PacketKeys {
  /** AES-128-GCM key, 16 bytes. */
  key: Buffer;
  /** AEAD IV, 12 bytes; the nonce is this XOR the packet number (RFC 9001 §5.3). */
  iv: Buffer;
  /** AES-128 header-protection key, 16 bytes (RFC 9001 §5.4.3). */
  hp: Buffer;
}

export interface InitialSecrets {
  initialSecret: Buffer;
  clientSecret: Buffer;
  serverSecret: Buffer;
  client: PacketKeys;
  server: PacketKeys;
}

/** HKDF-Extract with SHA-256: HMAC(salt, ikm). */
export function hkdfExtract(salt: Buffer, ikm: Buffer): Buffer {
  return createHmac('sha256', salt).update(ikm).digest();
}

/** HKDF-Expand with SHA-256 (RFC 5869 §2.3). Node's hkdfSync always extracts first, so expand is spelled out. */
export function hkdfExpand(prk: Buffer, info: Buffer, length: number): Buffer {
  if (length > 255 * SHA256_LEN) throw new RangeError('HKDF-Expand length too large');
  const blocks: Buffer[] = [];
  let prev = Buffer.alloc(0);
  for (let i = 1; blocks.length * SHA256_LEN < length; i++) {
    prev = createHmac('sha256', prk).update(Buffer.concat([prev, info, Buffer.from([i])])).digest();
    blocks.push(prev);
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** The HkdfLabel structure: uint16 length, opaque label<7..255> = "tls13 " + label, opaque context<0..255>. */
export function hkdfLabel(label: string, context: Buffer, length: number): Buffer {
  return Buffer.concat([u16(length), vec8(Buffer.from(`tls13 ${label}`, 'ascii')), vec8(context)]);
}

/** HKDF-Expand-Label(secret, label, context, length) of TLS 1.3. */
export function hkdfExpandLabel(secret: Buffer, label: string, context: Buffer, length: number): Buffer {
  return hkdfExpand(secret, hkdfLabel(label, context, length), length);
}

/** key, iv and hp of one traffic secret for AEAD_AES_128_GCM (RFC 9001 §5.1). */
export function packetKeys(secret: Buffer): PacketKeys {
  const empty = Buffer.alloc(0);
  return {
    key: hkdfExpandLabel(secret, 'quic key', empty, 16),
    iv: hkdfExpandLabel(secret, 'quic iv', empty, 12),
    hp: hkdfExpandLabel(secret, 'quic hp', empty, 16),
  };
}

/** Both directions' Initial keys for the Destination Connection ID of the client's first Initial. */
export function initialSecrets(clientDcid: Buffer): InitialSecrets {
  const initialSecret = hkdfExtract(INITIAL_SALT_V1, clientDcid);
  const empty = Buffer.alloc(0);
  const clientSecret = hkdfExpandLabel(initialSecret, 'client in', empty, SHA256_LEN);
  const serverSecret = hkdfExpandLabel(initialSecret, 'server in', empty, SHA256_LEN);
  return { initialSecret, clientSecret, serverSecret, client: packetKeys(clientSecret), server: packetKeys(serverSecret) };
}
