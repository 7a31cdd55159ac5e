/**
 * What a server sends back to a ClientHello, read off its first records: a ServerHello, a
 * HelloRetryRequest (a ServerHello with RFC 8446 §4.1.3's special random), an alert (§6), or
 * anything else, which is garbage. Total: every length is checked, nothing throws.
 */
import { OutOfBounds, Reader } from '../quic/wire.js';
import { CONTENT_ALERT, CONTENT_HANDSHAKE, EXT, HS_SERVER_HELLO, MAX_FRAGMENT } from './codepoints.js';

/** RFC 8446 §4.1.3: SHA-256 of "HelloRetryRequest", the random of a HelloRetryRequest. */
export const HRR_RANDOM = Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex');

export type ServerAnswer =
  | {
      kind: 'server_hello' | 'hello_retry_request';
      recordVersion: number;
      /** supported_versions' selection, else legacy_version. */
      version: number;
      cipherSuite: number;
      /** The key_share group chosen (ServerHello) or asked for (HelloRetryRequest); null before TLS 1.3. */
      group: number | null;
      /** ALPN in a TLS 1.2 ServerHello (TLS 1.3 sends it encrypted). */
      alpn: string | null;
    }
  | { kind: 'alert'; level: number; description: number }
  | { kind: 'garbage'; reason: string };

const garbage = (reason: string): ServerAnswer => ({ kind: 'garbage', reason });

/** The answer at the start of `buf`, or null when more bytes are needed to tell. */
export function readServerAnswer(buf: Buffer): ServerAnswer | null {
  if (buf.length < 5) return null;
  const type = buf[0];
  const recordVersion = buf.readUInt16BE(1);
  if (type !== CONTENT_HANDSHAKE && type !== CONTENT_ALERT) return garbage(`record of content type ${type}, not handshake or alert`);
  if (recordVersion >> 8 !== 3) return garbage(`record version 0x${recordVersion.toString(16).padStart(4, '0')} is not TLS`);
  if (type === CONTENT_ALERT) {
    const len = buf.readUInt16BE(3);
    if (len !== 2) return garbage(`alert record of ${len} bytes (an alert is 2)`);
    if (buf.length < 7) return null;
    return { kind: 'alert', level: buf[5], description: buf[6] };
  }
  // The ServerHello may span handshake records.
  const parts: Buffer[] = [];
  let have = 0;
  let want: number | null = null;
  for (let pos = 0; want === null || have < want; ) {
    if (buf.length < pos + 5) return null;
    const t = buf[pos];
    const len = buf.readUInt16BE(pos + 3);
    if (t !== CONTENT_HANDSHAKE) return garbage(`record of content type ${t} inside the ServerHello`);
    if (len === 0 || len > MAX_FRAGMENT) return garbage(`handshake record of ${len} bytes`);
    if (buf.length < pos + 5 + len) return null;
    parts.push(buf.subarray(pos + 5, pos + 5 + len));
    have += len;
    pos += 5 + len;
    if (want === null && have >= 4) {
      const head = Buffer.concat(parts);
      if (head[0] !== HS_SERVER_HELLO) return garbage(`handshake message of type ${head[0]} instead of ServerHello`);
      want = 4 + head.readUIntBE(1, 3);
    }
  }
  const message = Buffer.concat(parts).subarray(4, want);
  try {
    return serverHello(message, recordVersion);
  } catch (err) {
    return garbage(err instanceof OutOfBounds ? `ServerHello ${err.message}` : String(err));
  }
}

function serverHello(b: Buffer, recordVersion: number): ServerAnswer {
  const r = new Reader(b);
  const legacyVersion = r.u16('legacy_version');
  const random = r.bytes(32, 'random');
  r.bytes(r.u8('session_id length'), 'session_id');
  const cipherSuite = r.u16('cipher_suite');
  r.u8('compression_method');
  const hrr = random.equals(HRR_RANDOM);
  let version = legacyVersion;
  let group: number | null = null;
  let alpn: string | null = null;
  if (r.remaining > 0) {
    const exts = new Reader(r.bytes(r.u16('extensions length'), 'extensions'));
    if (r.remaining !== 0) return garbage(`${r.remaining} bytes after the ServerHello's extensions`);
    while (exts.remaining > 0) {
      const type = exts.u16('extension type');
      const data = new Reader(exts.bytes(exts.u16('extension length'), 'extension'));
      if (type === EXT.supported_versions) version = data.u16('selected_version');
      // §4.2.8: a HelloRetryRequest names the group it wants; a ServerHello carries its share.
      else if (type === EXT.key_share) group = data.u16('group');
      else if (type === EXT.alpn) {
        const list = new Reader(data.bytes(data.u16('protocol_name_list length'), 'protocol_name_list'));
        alpn = list.bytes(list.u8('protocol length'), 'protocol').toString('latin1');
      }
    }
  }
  return { kind: hrr ? 'hello_retry_request' : 'server_hello', recordVersion, version, cipherSuite, group, alpn };
}
