/**
 * Key shares a server can use (RFC 8446 §4.2.8): fresh public keys from node:crypto for the
 * ECDH groups, and for the hybrid X25519MLKEM768 an ML-KEM-768 encapsulation key that passes
 * FIPS 203's input check followed by an X25519 share. The private halves are dropped: the
 * exchange stops at the ServerHello, so nothing is ever derived from them.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { GROUP } from './codepoints.js';

/** FIPS 203 §2.3: ML-KEM's modulus. */
const MLKEM_Q = 3329;
/** FIPS 203 §8 table 2: k = 3 for ML-KEM-768; an encapsulation key is 384·k + 32 bytes. */
const MLKEM768_K = 3;
export const MLKEM768_EK_BYTES = 384 * MLKEM768_K + 32;

/** A raw public key of an OKP curve (x25519, x448) from its JWK. */
function okp(curve: 'x25519' | 'x448'): Buffer {
  const { publicKey } = curve === 'x25519' ? generateKeyPairSync('x25519') : generateKeyPairSync('x448');
  const x = publicKey.export({ format: 'jwk' }).x;
  if (!x) throw new Error(`${curve} key without a public value`);
  return Buffer.from(x, 'base64url');
}

/** An uncompressed point (RFC 8446 §4.2.8.2: 0x04 ‖ X ‖ Y, each the curve's byte length). */
function ecPoint(curve: 'P-256' | 'P-384' | 'P-521', size: number): Buffer {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
  const jwk = publicKey.export({ format: 'jwk' });
  if (!jwk.x || !jwk.y) throw new Error(`${curve} key without coordinates`);
  const pad = (b64: string): Buffer => {
    const b = Buffer.from(b64, 'base64url');
    return b.length === size ? b : Buffer.concat([Buffer.alloc(size - b.length), b]);
  };
  return Buffer.concat([Buffer.from([4]), pad(jwk.x), pad(jwk.y)]);
}

/**
 * An ML-KEM-768 encapsulation key: ByteEncode12 of k·256 coefficients drawn uniformly mod q
 * (as the NTT-domain vector t̂ of a real key looks), then 32 random bytes of ρ. Every
 * coefficient is below q, so FIPS 203 §7.2's modulus check (decode, encode, compare) passes
 * and a server can encapsulate to it.
 */
export function mlkem768EncapsulationKey(): Buffer {
  const n = 256 * MLKEM768_K;
  const coeffs = new Uint16Array(n);
  let filled = 0;
  while (filled < n) {
    const r = randomBytes(2 * (n - filled) + 64);
    for (let i = 0; i + 1 < r.length && filled < n; i += 2) {
      const v = r.readUInt16LE(i) & 0x0fff;
      if (v < MLKEM_Q) coeffs[filled++] = v;
    }
  }
  const out = Buffer.alloc(MLKEM768_EK_BYTES);
  // FIPS 203 Algorithm 5 (ByteEncode12): two 12-bit coefficients in three bytes, least significant bits first.
  for (let i = 0, o = 0; i < n; i += 2, o += 3) {
    const a = coeffs[i];
    const b = coeffs[i + 1];
    out[o] = a & 0xff;
    out[o + 1] = (a >> 8) | ((b & 0x0f) << 4);
    out[o + 2] = b >> 4;
  }
  randomBytes(32).copy(out, 384 * MLKEM768_K);
  return out;
}

/**
 * The key_exchange of one KeyShareEntry for `group`. X25519MLKEM768 is the ML-KEM-768
 * encapsulation key first, then the X25519 share, 1216 bytes (draft-ietf-tls-ecdhe-mlkem, the
 * X25519MLKEM768 construction; BoringSSL ssl/ssl_key_share.cc writes them in that order).
 */
export function keyShareFor(group: number): Buffer {
  switch (group) {
    case GROUP.x25519:
      return okp('x25519');
    case GROUP.x448:
      return okp('x448');
    case GROUP.secp256r1:
      return ecPoint('P-256', 32);
    case GROUP.secp384r1:
      return ecPoint('P-384', 48);
    case GROUP.secp521r1:
      return ecPoint('P-521', 66);
    case GROUP.X25519MLKEM768:
      return Buffer.concat([mlkem768EncapsulationKey(), okp('x25519')]);
    default:
      throw new RangeError(`no key share can be made for group 0x${group.toString(16).padStart(4, '0')}`);
  }
}
