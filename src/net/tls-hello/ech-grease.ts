/**
 * GREASE ECH (RFC 9849 §6.2): an outer encrypted_client_hello extension that looks like real
 * ECH to the network, sent by a client with no ECH configuration for the server.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { u16, vec16 } from '../quic/wire.js';
import { keyShareFor } from './key-shares.js';
import { GROUP } from './codepoints.js';

/** RFC 9180 §7.2 and §7.3: HKDF-SHA256, AES-128-GCM, ChaCha20Poly1305. */
export const HPKE_KDF_HKDF_SHA256 = 0x0001;
export const HPKE_AEAD_AES_128_GCM = 0x0001;
export const HPKE_AEAD_CHACHA20_POLY1305 = 0x0003;

/**
 * BoringSSL's payload lengths (ssl/encrypted_client_hello.cc, setup_ech_grease): an estimated
 * EncodedClientHelloInner of 128–224 bytes in steps of 32 (RFC 9849 §6.1.3 rounds to 32), plus
 * the AEAD's 16-byte tag: 144, 176, 208 or 240, drawn per connection.
 */
export const BORINGSSL_PAYLOAD_LENGTHS: readonly number[] = [144, 176, 208, 240];

/** RFC 9849 §5: ECHClientHelloType outer. */
const ECH_OUTER = 0;

/**
 * The extension data: type outer, the HPKE suite, a random config_id, `enc` a fresh X25519 public
 * key (a valid DHKEM(X25519) encapsulation, §6.2), and a random payload of one of `payloadLengths`.
 */
export function greaseEchData(kdf: number, aead: number, payloadLengths: readonly number[]): Buffer {
  const len = payloadLengths[randomInt(payloadLengths.length)];
  return Buffer.concat([Buffer.from([ECH_OUTER]), u16(kdf), u16(aead), randomBytes(1), vec16(keyShareFor(GROUP.x25519)), vec16(randomBytes(len))]);
}
