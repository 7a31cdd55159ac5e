/**
 * The lab's QUIC peer: Debian's caddy serving HTTP/3 (and h1/h2 on TCP) with the lab CA's
 * certificate on the lab addresses of the catalogues' quic targets. Its JSON config, data,
 * and log live in the lab folder (XDG_DATA_HOME, XDG_CONFIG_HOME and HOME point there); its
 * admin endpoint is off, so it listens on nothing but the lab addresses.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { join } from 'node:path';
import { isVersionNegotiation, quicProbe } from '../datagrams.js';
import { udpAsk } from '../udp-ask.js';
import { startProgram, type Program } from './program.js';

export interface QuicPeerSpec {
  addresses: string[];
  /** Caddy's port on each address, for TCP and UDP alike. */
  port: number;
  cert: string;
  key: string;
  dir: string;
}

/** True when a long-header datagram with a reserved version draws Version Negotiation from ip:port. */
export async function answersQuic(ip: string, port: number, timeoutMs = 500): Promise<boolean> {
  const { datagram, dcid } = quicProbe();
  return (await udpAsk(ip, port, datagram, (m) => isVersionNegotiation(m, dcid), timeoutMs)).ok;
}

function answersTls(ip: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: ip, port, servername: 'example.com', rejectUnauthorized: false });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('secureConnect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** A page that names the host and the protocol it was fetched over, so a probe can tell h3 from h2. */
const BODY =
  '<html><head><title>{http.request.host} lab app</title></head>' +
  '<body><h1>{http.request.host}</h1><p>served by the lab QUIC peer over {http.request.proto}</p></body></html>';

export function caddyConfig(spec: QuicPeerSpec, dir: string): object {
  return {
    admin: { disabled: true, config: { persist: false } },
    logging: { logs: { default: { writer: { output: 'file', filename: join(dir, 'caddy.log') }, level: 'INFO' } } },
    storage: { module: 'file_system', root: join(dir, 'data') },
    apps: {
      tls: { certificates: { load_files: [{ certificate: join(dir, 'cert.pem'), key: join(dir, 'key.pem') }] } },
      http: {
        servers: {
          lab: {
            listen: spec.addresses.map((ip) => `${ip}:${spec.port}`),
            protocols: ['h1', 'h2', 'h3'],
            // Certificates come from the lab CA: no ACME, no redirects, no internal CA.
            automatic_https: { disable: true },
            tls_connection_policies: [{}],
            routes: [{ handle: [{ handler: 'static_response', status_code: 200, headers: { 'Content-Type': ['text/html; charset=utf-8'] }, body: BODY }] }],
          },
        },
      },
    },
  };
}

export async function startQuicPeer(spec: QuicPeerSpec): Promise<Program> {
  const dir = join(spec.dir, 'caddy');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'cert.pem'), spec.cert);
  writeFileSync(join(dir, 'key.pem'), spec.key, { mode: 0o600 });
  const config = join(dir, 'caddy.json');
  writeFileSync(config, JSON.stringify(caddyConfig(spec, dir), null, 2));
  return startProgram({
    name: 'caddy',
    cmd: 'caddy',
    args: ['run', '--config', config],
    env: { XDG_DATA_HOME: join(dir, 'xdg-data'), XDG_CONFIG_HOME: join(dir, 'xdg-config'), HOME: dir },
    log: join(dir, 'caddy.out'),
    ready: async () => {
      const checks = spec.addresses.flatMap((ip) => [answersTls(ip, spec.port), answersQuic(ip, spec.port)]);
      return (await Promise.all(checks)).every(Boolean);
    },
  });
}
