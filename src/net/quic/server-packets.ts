/**
 * Reading what a server sends back: one UDP datagram may coalesce several
 * packets (RFC 9000 §12.2), delimited by their Length fields. Each is classified:
 * Version Negotiation (version 0, §17.2.1), Retry (§17.2.5, its integrity tag
 * checked, RFC 9001 §5.8), Initial (header protection removed and decrypted with
 * the server's Initial keys, its frames parsed), Handshake (recognised by type
 * and addressed to us; its keys come from the TLS exchange, so it is only
 * counted), or `other` with the reason. Only packets addressed to the client's
 * Source Connection ID count. Nothing here throws: malformed input is `other`.
 */
import { parseInitialFrames, type InitialFrames } from './frames.js';
import type { PacketKeys } from './keys.js';
import { unprotectLong, retryTagValid } from './protection.js';
import { MAX_CID_LENGTH } from './initial-packet.js';
import { Reader } from './wire.js';

/** What the client knows of its connection, to judge a server's packets by. */
export interface ConnectionView {
  /** The version the client's Initial offered. */
  version: number;
  /** The Destination Connection ID of the client's first Initial: the Initial keys and the Retry tag derive from it. */
  odcid: Buffer;
  /** The client's Source Connection ID: every answer is addressed to it. */
  scid: Buffer;
  /** The server's Initial keys (initialSecrets(odcid).server). */
  serverKeys: PacketKeys;
  /** The largest server Initial packet number decrypted so far, -1 before any; parseDatagram advances it. */
  largestPn: number;
}

export type ServerPacket =
  | { type: 'version_negotiation'; versions: number[] }
  | { type: 'retry'; scid: Buffer; token: Buffer }
  | { type: 'initial'; scid: Buffer; pn: number; frames: InitialFrames }
  | { type: 'handshake'; scid: Buffer }
  | { type: 'other'; reason: string };

/** Packets read from one datagram at most; the rest of it is ignored. */
const MAX_PACKETS = 16;
/** Versions kept from one Version Negotiation packet. */
const MAX_VERSIONS = 64;
const TAG_LEN = 16;

const other = (reason: string): ServerPacket => ({ type: 'other', reason });

function versionNegotiation(r: Reader, conn: ConnectionView): ServerPacket {
  // RFC 8999 §6: connection IDs of any length up to 255 may appear here.
  const dcid = r.bytes(r.u8('dcid length'), 'dcid');
  const scid = r.bytes(r.u8('scid length'), 'scid');
  const list = r.rest();
  if (list.length === 0 || list.length % 4 !== 0) return other('version negotiation with a malformed version list');
  // §17.2.1: the server echoes the client's connection IDs, swapped.
  if (!dcid.equals(conn.scid) || !scid.equals(conn.odcid)) return other('version negotiation for another connection');
  const versions: number[] = [];
  for (let i = 0; i < list.length && versions.length < MAX_VERSIONS; i += 4) versions.push(list.readUInt32BE(i));
  // §6.2: one that lists the version offered is discarded (a forgery or a downgrade attempt).
  if (versions.includes(conn.version)) return other('version negotiation listing the version offered');
  return { type: 'version_negotiation', versions };
}

/** One packet at dgram[pos]; `next` is where the following coalesced packet starts, null when nothing can follow. */
function parseOne(dgram: Buffer, pos: number, conn: ConnectionView): { packet: ServerPacket; next: number | null } {
  const r = new Reader(dgram, pos);
  const first = r.u8('first byte');
  // A short header runs to the end of the datagram and needs 1-RTT keys.
  if ((first & 0x80) === 0) return { packet: other('short header packet'), next: null };
  const version = r.u32('version');
  if (version === 0) return { packet: versionNegotiation(r, conn), next: null };
  if (version !== conn.version) return { packet: other(`long header of version 0x${version.toString(16).padStart(8, '0')}`), next: null };
  if ((first & 0x40) === 0) return { packet: other('fixed bit clear'), next: null };
  const type = (first >> 4) & 0x03;
  const dcidLen = r.u8('dcid length');
  if (dcidLen > MAX_CID_LENGTH) return { packet: other('connection ID longer than 20 bytes'), next: null };
  const dcid = r.bytes(dcidLen, 'dcid');
  const scidLen = r.u8('scid length');
  if (scidLen > MAX_CID_LENGTH) return { packet: other('connection ID longer than 20 bytes'), next: null };
  const scid = r.bytes(scidLen, 'scid');

  if (type === 3) {
    // Retry: token and tag run to the end of the datagram.
    const rest = r.rest();
    if (rest.length <= TAG_LEN) return { packet: other('retry without a token'), next: null };
    if (!dcid.equals(conn.scid)) return { packet: other('retry for another connection'), next: null };
    if (!retryTagValid(conn.odcid, dgram.subarray(pos))) return { packet: other('retry integrity tag invalid'), next: null };
    return { packet: { type: 'retry', scid: Buffer.from(scid), token: Buffer.from(rest.subarray(0, rest.length - TAG_LEN)) }, next: null };
  }

  let tokenLen = 0;
  if (type === 0) {
    tokenLen = r.varint('token length');
    r.bytes(tokenLen, 'token');
  }
  const length = r.varint('length');
  const pnOffset = r.pos;
  if (length > dgram.length - pnOffset) return { packet: other('packet longer than its datagram'), next: null };
  const end = pnOffset + length;
  // §12.2: coalesced packets for another connection are ignored.
  if (!dcid.equals(conn.scid)) return { packet: other('packet for another connection'), next: end };
  if (type === 1) return { packet: other('0-RTT packet from a server'), next: end };
  if (type === 2) return { packet: { type: 'handshake', scid: Buffer.from(scid) }, next: end };
  // §17.2.2: a server's Initial carries no token.
  if (tokenLen !== 0) return { packet: other('server Initial with a token'), next: end };
  const u = unprotectLong(dgram.subarray(pos, end), pnOffset - pos, conn.serverKeys, conn.largestPn);
  if (!u) return { packet: other('Initial that does not decrypt with the Initial keys'), next: end };
  conn.largestPn = Math.max(conn.largestPn, u.pn);
  return { packet: { type: 'initial', scid: Buffer.from(scid), pn: u.pn, frames: parseInitialFrames(u.payload) }, next: end };
}

function zeroFrom(buf: Buffer, pos: number): boolean {
  for (let i = pos; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}

/** Every packet in one datagram from the server, in order. Never throws. */
export function parseDatagram(dgram: Buffer, conn: ConnectionView): ServerPacket[] {
  const out: ServerPacket[] = [];
  let pos: number | null = 0;
  while (pos !== null && pos < dgram.length && out.length < MAX_PACKETS) {
    // Zeros after the last packet are padding, not a packet.
    if (out.length > 0 && zeroFrom(dgram, pos)) break;
    try {
      const { packet, next }: { packet: ServerPacket; next: number | null } = parseOne(dgram, pos, conn);
      out.push(packet);
      pos = next;
    } catch (err) {
      out.push(other(err instanceof Error ? err.message : 'malformed packet'));
      pos = null;
    }
  }
  if (out.length === 0) out.push(other('empty datagram'));
  return out;
}
