/**
 * QUIC transport parameters (RFC 9000 §18): the client's, carried in the
 * ClientHello's quic_transport_parameters extension (RFC 9001 §8.2). A server
 * closes the connection when initial_source_connection_id does not match the
 * Initial's Source Connection ID (RFC 9000 §7.3), so it always goes in.
 */
import { Reader, varint } from './wire.js';

/** Parameter ids (RFC 9000 §18.2). */
export const TP = {
  max_idle_timeout: 0x01,
  max_udp_payload_size: 0x03,
  initial_max_data: 0x04,
  initial_max_stream_data_bidi_local: 0x05,
  initial_max_stream_data_bidi_remote: 0x06,
  initial_max_stream_data_uni: 0x07,
  initial_max_streams_bidi: 0x08,
  initial_max_streams_uni: 0x09,
  initial_source_connection_id: 0x0f,
} as const;

/** Ordinary client values, the sort browsers send; HTTP/3 needs at least 3 unidirectional streams. */
const CLIENT_LIMITS: Array<[number, number]> = [
  [TP.max_idle_timeout, 30_000],
  // Ethernet MTU less IPv4 and UDP headers.
  [TP.max_udp_payload_size, 1472],
  [TP.initial_max_data, 1 << 20],
  [TP.initial_max_stream_data_bidi_local, 1 << 18],
  [TP.initial_max_stream_data_bidi_remote, 1 << 18],
  [TP.initial_max_stream_data_uni, 1 << 18],
  [TP.initial_max_streams_bidi, 100],
  [TP.initial_max_streams_uni, 100],
];

function param(id: number, value: Buffer): Buffer {
  return Buffer.concat([varint(id), varint(value.length), value]);
}

/** The client's transport parameters for a connection whose Initial carries `scid` as its Source Connection ID. */
export function clientTransportParameters(scid: Buffer): Buffer {
  return Buffer.concat([
    ...CLIENT_LIMITS.map(([id, v]) => param(id, varint(v))),
    param(TP.initial_source_connection_id, scid),
  ]);
}

/** Parameter id → raw value; null when the encoding is malformed. */
export function parseTransportParameters(buf: Buffer): Map<number, Buffer> | null {
  const out = new Map<number, Buffer>();
  const r = new Reader(buf);
  try {
    while (r.remaining > 0) {
      const id = r.varint('parameter id');
      out.set(id, r.bytes(r.varint('parameter length'), 'parameter value'));
    }
    return out;
  } catch {
    return null;
  }
}
