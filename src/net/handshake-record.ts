/** The record of a TLS handshake before anything is known of it, whoever writes the ClientHello. */
import type { TlsHandshake } from '../model/index.js';
import { hostPort } from '../model/index.js';

export function blankHandshake(ip: string, port: number, sni: string | null, t0: number): TlsHandshake {
  return {
    address: hostPort(ip, port),
    server_name: sni ?? '',
    tls_version: null,
    cipher_suite: null,
    negotiated_protocol: null,
    peer_certificates: [],
    validated: false,
    failure: null,
    t0,
    t: t0,
  };
}
