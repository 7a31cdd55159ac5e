/**
 * TLS code points a ClientHello and its answer use, with their IANA names
 * (iana.org/assignments/tls-parameters and tls-extensiontype-values), and GREASE (RFC 8701).
 */

/** Record content types (RFC 8446 §5.1). */
export const CONTENT_ALERT = 21;
export const CONTENT_HANDSHAKE = 22;

/** Handshake message types (RFC 8446 §4). */
export const HS_CLIENT_HELLO = 1;
export const HS_SERVER_HELLO = 2;

/** Largest TLSPlaintext fragment (RFC 8446 §5.1): a longer handshake is split over records. */
export const MAX_FRAGMENT = 1 << 14;

/** Extension types a profile or a parser names. */
export const EXT = {
  server_name: 0x0000,
  status_request: 0x0005,
  supported_groups: 0x000a,
  ec_point_formats: 0x000b,
  signature_algorithms: 0x000d,
  alpn: 0x0010,
  signed_certificate_timestamp: 0x0012,
  padding: 0x0015,
  encrypt_then_mac: 0x0016,
  extended_master_secret: 0x0017,
  compress_certificate: 0x001b,
  record_size_limit: 0x001c,
  delegated_credentials: 0x0022,
  session_ticket: 0x0023,
  pre_shared_key: 0x0029,
  early_data: 0x002a,
  supported_versions: 0x002b,
  cookie: 0x002c,
  psk_key_exchange_modes: 0x002d,
  post_handshake_auth: 0x0031,
  key_share: 0x0033,
  /** ALPS as Chrome sent it until 2024 (draft-vvv-tls-alps, codepoint 17513). */
  application_settings_old: 0x4469,
  /** ALPS at its new codepoint (17613), Chrome 131 on. */
  application_settings: 0x44cd,
  /** RFC 9849 §5. */
  encrypted_client_hello: 0xfe0d,
  renegotiation_info: 0xff01,
} as const;

export type ExtensionName = keyof typeof EXT;

const EXT_NAMES = new Map<number, string>(Object.entries(EXT).map(([k, v]) => [v, k]));

/** The extension's name, `grease` for a GREASE value, else its number in hex. */
export function extensionName(type: number): string {
  if (isGrease(type)) return 'grease';
  return EXT_NAMES.get(type) ?? hex16(type);
}

/**
 * RFC 8701 §2: 0x0A0A, 0x1A1A, … 0xFAFA are reserved for cipher suites, extensions, groups,
 * signature algorithms and versions; a client sends them so servers learn to ignore the unknown.
 */
export function isGrease(v: number): boolean {
  return (v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff);
}

/** The sixteen GREASE values. */
export const GREASE_VALUES: readonly number[] = Array.from({ length: 16 }, (_, i) => (i << 12) | 0x0a00 | (i << 4) | 0x0a);

/** RFC 8701 §2: 0x0B, 0x2A, 0x49, … 0xFA are reserved for psk_key_exchange_modes (one byte, 0x0B + 0x1F·n). */
export const GREASE_PSK_MODES: readonly number[] = Array.from({ length: 8 }, (_, i) => 0x0b + 0x1f * i);

export function hex16(v: number): string {
  return `0x${v.toString(16).padStart(4, '0')}`;
}

/** Named groups (RFC 8446 §4.2.7; 0x11ec draft-ietf-tls-ecdhe-mlkem; 0x6399 draft-tls-westerbaan-xyber768d00). */
export const GROUP = {
  secp256r1: 0x0017,
  secp384r1: 0x0018,
  secp521r1: 0x0019,
  x25519: 0x001d,
  x448: 0x001e,
  ffdhe2048: 0x0100,
  ffdhe3072: 0x0101,
  ffdhe4096: 0x0102,
  ffdhe6144: 0x0103,
  ffdhe8192: 0x0104,
  X25519MLKEM768: 0x11ec,
  X25519Kyber768Draft00: 0x6399,
} as const;

const GROUP_NAMES = new Map<number, string>(Object.entries(GROUP).map(([k, v]) => [v, k]));

export function groupName(g: number): string {
  if (isGrease(g)) return 'grease';
  return GROUP_NAMES.get(g) ?? hex16(g);
}

/** The versions as Node's TLSSocket.getProtocol() names them, so both engines' records read alike. */
export function versionName(v: number): string {
  switch (v) {
    case 0x0304:
      return 'TLSv1.3';
    case 0x0303:
      return 'TLSv1.2';
    case 0x0302:
      return 'TLSv1.1';
    case 0x0301:
      return 'TLSv1';
    case 0x0300:
      return 'SSLv3';
    default:
      return hex16(v);
  }
}

/** IANA names of the cipher suites the shipped profiles offer (what a server may pick). */
const CIPHER_NAMES = new Map<number, string>([
  [0x1301, 'TLS_AES_128_GCM_SHA256'],
  [0x1302, 'TLS_AES_256_GCM_SHA384'],
  [0x1303, 'TLS_CHACHA20_POLY1305_SHA256'],
  [0xc02b, 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'],
  [0xc02f, 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'],
  [0xc02c, 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'],
  [0xc030, 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'],
  [0xcca9, 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256'],
  [0xcca8, 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256'],
  [0xc009, 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA'],
  [0xc00a, 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA'],
  [0xc013, 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA'],
  [0xc014, 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA'],
  [0xc023, 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256'],
  [0xc024, 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384'],
  [0xc027, 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256'],
  [0xc028, 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384'],
  [0x009c, 'TLS_RSA_WITH_AES_128_GCM_SHA256'],
  [0x009d, 'TLS_RSA_WITH_AES_256_GCM_SHA384'],
  [0x009e, 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256'],
  [0x009f, 'TLS_DHE_RSA_WITH_AES_256_GCM_SHA384'],
  [0xccaa, 'TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256'],
  [0x002f, 'TLS_RSA_WITH_AES_128_CBC_SHA'],
  [0x0035, 'TLS_RSA_WITH_AES_256_CBC_SHA'],
  [0x003c, 'TLS_RSA_WITH_AES_128_CBC_SHA256'],
  [0x003d, 'TLS_RSA_WITH_AES_256_CBC_SHA256'],
  [0x000a, 'TLS_RSA_WITH_3DES_EDE_CBC_SHA'],
  [0x00ff, 'TLS_EMPTY_RENEGOTIATION_INFO_SCSV'],
]);

export function cipherName(c: number): string {
  return CIPHER_NAMES.get(c) ?? hex16(c);
}

/** Alert descriptions (RFC 8446 §6, RFC 8446 §B.2 and RFC 7301 §3.2, RFC 9849 §11.2). */
const ALERTS = new Map<number, string>([
  [0, 'close_notify'],
  [10, 'unexpected_message'],
  [20, 'bad_record_mac'],
  [22, 'record_overflow'],
  [40, 'handshake_failure'],
  [42, 'bad_certificate'],
  [43, 'unsupported_certificate'],
  [44, 'certificate_revoked'],
  [45, 'certificate_expired'],
  [46, 'certificate_unknown'],
  [47, 'illegal_parameter'],
  [48, 'unknown_ca'],
  [49, 'access_denied'],
  [50, 'decode_error'],
  [51, 'decrypt_error'],
  [70, 'protocol_version'],
  [71, 'insufficient_security'],
  [80, 'internal_error'],
  [86, 'inappropriate_fallback'],
  [90, 'user_canceled'],
  [100, 'no_renegotiation'],
  [109, 'missing_extension'],
  [110, 'unsupported_extension'],
  [112, 'unrecognized_name'],
  [113, 'bad_certificate_status_response'],
  [115, 'unknown_psk_identity'],
  [116, 'certificate_required'],
  [120, 'no_application_protocol'],
  [121, 'ech_required'],
]);

export function alertName(description: number): string {
  return ALERTS.get(description) ?? `alert_${description}`;
}
