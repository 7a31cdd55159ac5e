/**
 * A TLS 1.3 ClientHello (RFC 8446 §4.1.2) as QUIC carries it in CRYPTO frames:
 * no record layer, an empty legacy_session_id (RFC 9001 §8.4 forbids middlebox
 * compatibility mode), and the quic_transport_parameters extension (§8.2). It
 * is a real offer a real server answers: TLS 1.3 only, the three mandatory
 * AEAD suites, an X25519 key share from node:crypto, the usual groups and
 * signature schemes. The server_name extension is left out when there is no SNI.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { u16, u24, vec16, vec8 } from './wire.js';

/** Handshake message types (RFC 8446 §4). */
export const HANDSHAKE_CLIENT_HELLO = 1;
export const HANDSHAKE_SERVER_HELLO = 2;

/** RFC 8446 §B.4: TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256. */
const CIPHER_SUITES = [0x1301, 0x1302, 0x1303];

/** Extension types: RFC 6066 §3 (server_name), RFC 7301 §3.1 (ALPN), RFC 8446 §4.2, RFC 9001 §8.2 (0x39). */
export const EXT = {
  server_name: 0,
  supported_groups: 10,
  signature_algorithms: 13,
  alpn: 16,
  supported_versions: 43,
  psk_key_exchange_modes: 45,
  key_share: 51,
  quic_transport_parameters: 0x39,
} as const;

/** RFC 8446 §4.2.7: x25519, secp256r1, secp384r1; the key share is X25519's. */
const GROUP_X25519 = 0x001d;
const GROUPS = [GROUP_X25519, 0x0017, 0x0018];

/** RFC 8446 §4.2.3: ECDSA, RSA-PSS, Ed25519, and PKCS#1 for certificates that still need it. */
const SIGNATURE_SCHEMES = [0x0403, 0x0503, 0x0804, 0x0805, 0x0806, 0x0807, 0x0401, 0x0501, 0x0601];

const TLS13 = 0x0304;
const LEGACY_VERSION = 0x0303;
/** psk_dhe_ke (RFC 8446 §4.2.9). */
const PSK_DHE_KE = 1;

export interface ClientHelloOptions {
  /** The server name to send; null sends no server_name extension. */
  sni: string | null;
  /** ALPN protocol ids, e.g. ["h3"]; each 1–255 bytes. */
  alpn: string[];
  /** Encoded transport parameters (transport-params.ts). */
  transportParameters: Buffer;
  /** 32 random bytes; fresh by default. */
  random?: Buffer;
  /** A raw X25519 public key (32 bytes); by default that of a fresh key pair. */
  x25519PublicKey?: Buffer;
}

function extension(type: number, body: Buffer): Buffer {
  return Buffer.concat([u16(type), vec16(body)]);
}

function list16(values: number[]): Buffer {
  return vec16(...values.map(u16));
}

/** A fresh X25519 public key, raw. The private half is dropped: the exchange never gets past the ServerHello. */
export function freshX25519PublicKey(): Buffer {
  const { publicKey } = generateKeyPairSync('x25519');
  const x = publicKey.export({ format: 'jwk' }).x;
  if (!x) throw new Error('x25519 key without a public value');
  return Buffer.from(x, 'base64url');
}

/** The ClientHello handshake message: type 1, 24-bit length, body. */
export function buildClientHello(o: ClientHelloOptions): Buffer {
  const random = o.random ?? randomBytes(32);
  if (random.length !== 32) throw new RangeError('ClientHello random must be 32 bytes');
  const share = o.x25519PublicKey ?? freshX25519PublicKey();
  if (o.alpn.length === 0) throw new RangeError('at least one ALPN protocol is required (QUIC needs ALPN, RFC 9001 §8.1)');
  if (o.alpn.some((p) => Buffer.byteLength(p) === 0)) throw new RangeError('an ALPN protocol id is 1–255 bytes (RFC 7301 §3.1)');

  const extensions: Buffer[] = [];
  if (o.sni !== null) {
    // ServerNameList of one host_name (name_type 0).
    extensions.push(extension(EXT.server_name, vec16(Buffer.from([0]), vec16(Buffer.from(o.sni, 'ascii')))));
  }
  extensions.push(
    extension(EXT.supported_groups, list16(GROUPS)),
    extension(EXT.signature_algorithms, list16(SIGNATURE_SCHEMES)),
    extension(EXT.alpn, vec16(...o.alpn.map((p) => vec8(Buffer.from(p, 'utf8'))))),
    extension(EXT.supported_versions, vec8(u16(TLS13))),
    extension(EXT.psk_key_exchange_modes, vec8(Buffer.from([PSK_DHE_KE]))),
    extension(EXT.key_share, vec16(u16(GROUP_X25519), vec16(share))),
    extension(EXT.quic_transport_parameters, o.transportParameters),
  );

  const body = Buffer.concat([
    u16(LEGACY_VERSION),
    random,
    vec8(), // legacy_session_id: empty in QUIC
    list16(CIPHER_SUITES),
    vec8(Buffer.from([0])), // legacy_compression_methods: null only
    vec16(...extensions),
  ]);
  return Buffer.concat([Buffer.from([HANDSHAKE_CLIENT_HELLO]), u24(body.length), body]);
}
