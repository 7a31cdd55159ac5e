/**
 * Transport obfuscation ("obfuscated2"): a 64-byte random header whose bytes 8–56 give the
 * AES-256-CTR key and IV of each direction (read forwards for the client's sending side,
 * reversed for its receiving side), bytes 56–59 the framing's tag and 60–61 the DC id, sent
 * with its last 8 bytes encrypted; then the whole stream is encrypted.
 * Source: https://core.telegram.org/mtproto/mtproto-transports ("Transport obfuscation", and
 * its pseudocode for an MTProxy connection to media DC 4). Telegram Desktop speaks this to data
 * centres with the abridged tag 0xefefefef and no secret (telegramdesktop/tdesktop,
 * Telegram/SourceFiles/mtproto/connection_tcp.cpp, Protocol::Create and Version0).
 */
import { createCipheriv, createHash, randomBytes, type Cipher } from 'node:crypto';

export const OBFUSCATED2_HEADER_BYTES = 64;

/**
 * First ints (read little-endian) the header must not start with, so a server cannot mistake
 * it for another protocol: HEAD, POST, GET, OPTI(ONS), a TLS record (16 03 01 02), padded
 * intermediate and intermediate; the first byte must not be abridged's 0xef, and the second
 * int not 0 (the full transport's first sequence number).
 */
export const RESERVED_FIRST_INTS: readonly number[] = [0x44414548, 0x54534f50, 0x20544547, 0x4954504f, 0x02010316, 0xdddddddd, 0xeeeeeeee];

/** Whether a header may start this way (the rules above). */
export function isGoodStart(init: Buffer): boolean {
  if (init[0] === 0xef) return false;
  if (RESERVED_FIRST_INTS.includes(init.readUInt32LE(0))) return false;
  return init.readUInt32LE(4) !== 0;
}

/**
 * The DC id as bytes 60–61 carry it: signed 16-bit little-endian, 10000 added for test DCs,
 * negative for media DCs (so media DC 4 is 0xfcff).
 */
export function encodeDcId(dc: number): Buffer {
  if (!Number.isInteger(dc) || dc === 0 || dc < -32768 || dc > 32767) throw new RangeError(`a DC id is a non-zero 16-bit integer, not ${dc}`);
  const out = Buffer.alloc(2);
  out.writeInt16LE(dc, 0);
  return out;
}

export interface DirectionKeys {
  key: Buffer;
  iv: Buffer;
}

/**
 * The keys of a header: bytes 8–40 and 40–56 of the header for one direction, of the header
 * reversed for the other. With an MTProxy secret each key is SHA-256(key + secret); a 17-byte
 * secret (its first byte names the framing) loses that byte first.
 */
export function headerKeys(init: Buffer, secret?: Buffer): { forward: DirectionKeys; backward: DirectionKeys } {
  const rev = Buffer.from(init).reverse();
  const s = secret && secret.length === 17 ? secret.subarray(1) : secret;
  const key = (k: Buffer): Buffer => (s ? createHash('sha256').update(k).update(s).digest() : Buffer.from(k));
  return {
    forward: { key: key(init.subarray(8, 40)), iv: Buffer.from(init.subarray(40, 56)) },
    backward: { key: key(rev.subarray(8, 40)), iv: Buffer.from(rev.subarray(40, 56)) },
  };
}

export function ctr(k: DirectionKeys): Cipher {
  return createCipheriv('aes-256-ctr', k.key, k.iv);
}

export interface Obfuscated2Client {
  /** The 64 bytes to send first. */
  header: Buffer;
  /** Encrypts everything sent after the header (its state has already passed the header). */
  encrypt: Cipher;
  /** Decrypts everything received. */
  decrypt: Cipher;
}

export interface Obfuscated2Options {
  /** MTProxy secret, 16 bytes (or 17 with the framing byte); absent for a data centre. */
  secret?: Buffer;
  /** Random bytes; tests pass a fixed source. */
  random?: (n: number) => Buffer;
}

/** Draws a header with `tag` (4 bytes) and the DC id, and the client's ciphers. */
export function obfuscated2Client(tag: Buffer, dc: number, o: Obfuscated2Options = {}): Obfuscated2Client {
  if (tag.length !== 4) throw new RangeError('an obfuscated2 protocol tag is 4 bytes');
  const random = o.random ?? randomBytes;
  const dcId = encodeDcId(dc);
  let init: Buffer;
  do {
    init = Buffer.from(random(OBFUSCATED2_HEADER_BYTES));
    tag.copy(init, 56);
    dcId.copy(init, 60);
  } while (!isGoodStart(init));
  const keys = headerKeys(init, o.secret);
  const encrypt = ctr(keys.forward);
  // The header is the first thing encrypted; only its last 8 bytes are sent encrypted.
  const encrypted = encrypt.update(init);
  const header = Buffer.concat([init.subarray(0, 56), encrypted.subarray(56)]);
  return { header, encrypt, decrypt: ctr(keys.backward) };
}
