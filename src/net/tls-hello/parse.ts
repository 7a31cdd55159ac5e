/**
 * Reading a ClientHello off the wire: TLS records (RFC 8446 §5.1) or a bare handshake message
 * (as QUIC carries it), every extension kept in order as type and raw data, and structured
 * reads of the fields fingerprints and censors look at. Never throws: hostile bytes come back
 * as a ClientHelloError with a stable code. Bounded: a hello over MAX_HELLO is refused before
 * it is gathered.
 */
import { OutOfBounds, Reader } from '../quic/wire.js';
import { CONTENT_HANDSHAKE, EXT, extensionName, HS_CLIENT_HELLO, MAX_FRAGMENT } from './codepoints.js';

/** Largest ClientHello read (the handshake message). Real ones are under 2 KB; RFC 8446 allows 2^24. */
export const MAX_HELLO = 64 * 1024;

export type ClientHelloErrorCode =
  /** More bytes are needed: `needed` says how many at least, when the framing tells. */
  | 'truncated'
  /** The first bytes are neither a handshake record nor a handshake message. */
  | 'not_handshake'
  /** A handshake message of another type. */
  | 'not_client_hello'
  /** Over MAX_HELLO. */
  | 'too_large'
  /** Framing or a length field that does not add up. */
  | 'malformed'
  /** An extension whose contents do not follow its own structure. */
  | 'bad_extension';

/** Why bytes are not a ClientHello. Returned, never thrown. */
export class ClientHelloError extends Error {
  constructor(
    readonly code: ClientHelloErrorCode,
    message: string,
    readonly needed: number | null = null,
  ) {
    super(message);
    this.name = 'ClientHelloError';
  }
}

export interface Extension {
  type: number;
  data: Buffer;
}

/** The RFC 9849 §5 ECHClientHello: outer carries the HPKE suite, config_id, enc and payload; inner is empty. */
export type EchExtension =
  | { type: 'outer'; kdf: number; aead: number; configId: number; enc: Buffer; payload: Buffer }
  | { type: 'inner' }
  | { type: 'unknown'; value: number };

export interface ClientHello {
  /** The first record's version field; null when the input was a bare handshake message. */
  recordVersion: number | null;
  /** Records the hello spanned (0 for a bare message). */
  records: number;
  /** Input bytes the hello took: its records, or the message. */
  length: number;
  legacyVersion: number;
  random: Buffer;
  sessionId: Buffer;
  cipherSuites: number[];
  compressionMethods: number[];
  /** In the order sent; GREASE ones too. Absent extensions block (SSL 3.0 style): empty. */
  extensions: Extension[];
  /** The first host_name of server_name; null without the extension. */
  serverName: string | null;
  /** ALPN protocol ids in order, each byte as one character (latin1), so no byte is lost. */
  alpn: string[] | null;
  supportedVersions: number[] | null;
  supportedGroups: number[] | null;
  signatureAlgorithms: number[] | null;
  /** The group of each key_share entry, in order. */
  keyShareGroups: number[] | null;
  ecPointFormats: number[] | null;
  pskModes: number[] | null;
  ech: EchExtension | null;
}

const fail = (code: ClientHelloErrorCode, message: string, needed: number | null = null): ClientHelloError => new ClientHelloError(code, message, needed);

/** Gathers the handshake message from records; the message bytes and the input they took. */
function fromRecords(buf: Buffer): { message: Buffer; records: number; length: number; recordVersion: number } | ClientHelloError {
  const parts: Buffer[] = [];
  let have = 0;
  let want: number | null = null;
  let pos = 0;
  let records = 0;
  let recordVersion = 0;
  while (want === null || have < want) {
    if (buf.length < pos + 5) return fail('truncated', 'record header incomplete', pos + 5 - buf.length);
    const type = buf[pos];
    const version = buf.readUInt16BE(pos + 1);
    const len = buf.readUInt16BE(pos + 3);
    if (type !== CONTENT_HANDSHAKE) return records === 0 ? fail('not_handshake', `record of content type ${type}, not handshake (22)`) : fail('malformed', `record of content type ${type} inside the ClientHello`);
    if (version >> 8 !== 3) return fail(records === 0 ? 'not_handshake' : 'malformed', `record version 0x${version.toString(16).padStart(4, '0')} is not TLS`);
    // RFC 8446 §5.1: no handshake record is empty or over 2^14 bytes.
    if (len === 0 || len > MAX_FRAGMENT) return fail('malformed', `handshake record of ${len} bytes (1 to ${MAX_FRAGMENT})`);
    if (records === 0) recordVersion = version;
    if (buf.length < pos + 5 + len) return fail('truncated', 'record incomplete', pos + 5 + len - buf.length);
    parts.push(buf.subarray(pos + 5, pos + 5 + len));
    have += len;
    pos += 5 + len;
    records++;
    if (want === null && have >= 4) {
      const head = Buffer.concat(parts).subarray(0, 4);
      if (head[0] !== HS_CLIENT_HELLO) return fail('not_client_hello', `handshake message of type ${head[0]}, not ClientHello (1)`);
      const bodyLen = head.readUIntBE(1, 3);
      if (bodyLen + 4 > MAX_HELLO) return fail('too_large', `ClientHello of ${bodyLen} bytes is over the ${MAX_HELLO}-byte cap`);
      want = bodyLen + 4;
    }
  }
  return { message: Buffer.concat(parts).subarray(0, want), records, length: pos, recordVersion };
}

/**
 * Parses a ClientHello from the start of `input`: TLS records (first byte 22) or a bare
 * handshake message (first byte 1). Returns the hello or the reason it is none.
 */
export function parseClientHello(input: Uint8Array): ClientHello | ClientHelloError {
  const buf = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (buf.length === 0) return fail('truncated', 'no bytes', 1);
  let message: Buffer;
  let framing: { records: number; length: number; recordVersion: number | null };
  if (buf[0] === CONTENT_HANDSHAKE) {
    const r = fromRecords(buf);
    if (r instanceof ClientHelloError) return r;
    message = r.message;
    framing = { records: r.records, length: r.length, recordVersion: r.recordVersion };
  } else if (buf[0] === HS_CLIENT_HELLO) {
    if (buf.length < 4) return fail('truncated', 'handshake header incomplete', 4 - buf.length);
    const want = buf.readUIntBE(1, 3) + 4;
    if (want > MAX_HELLO) return fail('too_large', `ClientHello of ${want - 4} bytes is over the ${MAX_HELLO}-byte cap`);
    if (buf.length < want) return fail('truncated', 'handshake message incomplete', want - buf.length);
    message = buf.subarray(0, want);
    framing = { records: 0, length: want, recordVersion: null };
  } else {
    return fail('not_handshake', `first byte ${buf[0]} starts neither a handshake record (22) nor a ClientHello (1)`);
  }
  // A copy: the hello's buffers must not change when the socket's buffer is reused.
  const own = Buffer.from(message);
  try {
    return body(own.subarray(4), framing);
  } catch (err) {
    if (err instanceof ClientHelloError) return err;
    if (err instanceof OutOfBounds) return fail('malformed', `ClientHello ${err.message}`);
    return fail('malformed', String(err));
  }
}

function body(b: Buffer, framing: { records: number; length: number; recordVersion: number | null }): ClientHello {
  const r = new Reader(b);
  const legacyVersion = r.u16('legacy_version');
  const random = r.bytes(32, 'random');
  const sessionId = r.bytes(r.u8('session_id length'), 'session_id');
  if (sessionId.length > 32) throw fail('malformed', `legacy_session_id of ${sessionId.length} bytes (at most 32)`);
  const suites = r.bytes(r.u16('cipher_suites length'), 'cipher_suites');
  if (suites.length < 2 || suites.length % 2 !== 0) throw fail('malformed', `cipher_suites of ${suites.length} bytes (even, at least 2)`);
  const compression = r.bytes(r.u8('compression_methods length'), 'compression_methods');
  if (compression.length < 1) throw fail('malformed', 'no compression method');
  const extensions: Extension[] = [];
  if (r.remaining > 0) {
    const extLen = r.u16('extensions length');
    if (extLen !== r.remaining) throw fail('malformed', `extensions length ${extLen} does not match the ${r.remaining} bytes left`);
    while (r.remaining > 0) {
      const type = r.u16('extension type');
      extensions.push({ type, data: r.bytes(r.u16('extension length'), `extension ${extensionName(type)}`) });
    }
  }
  const hello: ClientHello = {
    ...framing,
    legacyVersion,
    random,
    sessionId,
    cipherSuites: u16s(suites),
    compressionMethods: [...compression],
    extensions,
    serverName: null,
    alpn: null,
    supportedVersions: null,
    supportedGroups: null,
    signatureAlgorithms: null,
    keyShareGroups: null,
    ecPointFormats: null,
    pskModes: null,
    ech: null,
  };
  readExtensions(hello);
  return hello;
}

function u16s(b: Buffer): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < b.length; i += 2) out.push(b.readUInt16BE(i));
  return out;
}

/** Runs `read` over one extension's data; it must use all of it. */
function within<T>(ext: Extension, read: (r: Reader) => T): T {
  const name = extensionName(ext.type);
  try {
    const r = new Reader(ext.data);
    const v = read(r);
    if (r.remaining !== 0) throw fail('bad_extension', `${name}: ${r.remaining} bytes after its contents`);
    return v;
  } catch (err) {
    if (err instanceof OutOfBounds) throw fail('bad_extension', `${name}: ${err.message}`);
    if (err instanceof ClientHelloError && err.code !== 'bad_extension') throw fail('bad_extension', `${name}: ${err.message}`);
    throw err;
  }
}

function list16(r: Reader, lenBytes: 1 | 2, what: string): number[] {
  const n = lenBytes === 1 ? r.u8(`${what} length`) : r.u16(`${what} length`);
  if (n % 2 !== 0) throw fail('bad_extension', `${what} list of odd length ${n}`);
  return u16s(r.bytes(n, what));
}

function list8(r: Reader, what: string): number[] {
  return [...r.bytes(r.u8(`${what} length`), what)];
}

/** Fills the structured fields from the first extension of each type (RFC 8446 §4.2 allows one). */
function readExtensions(h: ClientHello): void {
  const seen = new Set<number>();
  for (const ext of h.extensions) {
    if (seen.has(ext.type)) continue;
    seen.add(ext.type);
    switch (ext.type) {
      case EXT.server_name:
        h.serverName = within(ext, serverName);
        break;
      case EXT.alpn:
        h.alpn = within(ext, (r) => {
          const list = new Reader(r.bytes(r.u16('protocol_name_list length'), 'protocol_name_list'));
          const out: string[] = [];
          while (list.remaining > 0) out.push(list.bytes(list.u8('protocol name length'), 'protocol name').toString('latin1'));
          return out;
        });
        break;
      case EXT.supported_versions:
        h.supportedVersions = within(ext, (r) => list16(r, 1, 'versions'));
        break;
      case EXT.supported_groups:
        h.supportedGroups = within(ext, (r) => list16(r, 2, 'named_group'));
        break;
      case EXT.signature_algorithms:
        h.signatureAlgorithms = within(ext, (r) => list16(r, 2, 'signature_scheme'));
        break;
      case EXT.key_share:
        h.keyShareGroups = within(ext, (r) => {
          const list = new Reader(r.bytes(r.u16('client_shares length'), 'client_shares'));
          const groups: number[] = [];
          while (list.remaining > 0) {
            groups.push(list.u16('key share group'));
            list.bytes(list.u16('key_exchange length'), 'key_exchange');
          }
          return groups;
        });
        break;
      case EXT.ec_point_formats:
        h.ecPointFormats = within(ext, (r) => list8(r, 'ec_point_format'));
        break;
      case EXT.psk_key_exchange_modes:
        h.pskModes = within(ext, (r) => list8(r, 'ke_modes'));
        break;
      case EXT.encrypted_client_hello:
        h.ech = within(ext, echClientHello);
        break;
    }
  }
}

/** RFC 6066 §3: a ServerNameList; the first host_name (type 0) is the name. */
function serverName(r: Reader): string | null {
  const list = new Reader(r.bytes(r.u16('server_name_list length'), 'server_name_list'));
  let name: string | null = null;
  while (list.remaining > 0) {
    const type = list.u8('name_type');
    const value = list.bytes(list.u16('host_name length'), 'host_name');
    if (type === 0 && name === null) name = value.toString('latin1');
  }
  return name;
}

/** RFC 9849 §5. */
function echClientHello(r: Reader): EchExtension {
  const type = r.u8('ECHClientHelloType');
  if (type === 1) return { type: 'inner' };
  if (type !== 0) {
    r.rest();
    return { type: 'unknown', value: type };
  }
  const kdf = r.u16('kdf_id');
  const aead = r.u16('aead_id');
  const configId = r.u8('config_id');
  const enc = r.bytes(r.u16('enc length'), 'enc');
  const payload = r.bytes(r.u16('payload length'), 'payload');
  if (payload.length === 0) throw fail('bad_extension', 'encrypted_client_hello: empty payload (at least 1 byte)');
  return { type: 'outer', kdf, aead, configId, enc, payload };
}
