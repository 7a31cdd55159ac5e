/**
 * The call relay's STUN server: Debian's coturn (`turnserver`), STUN only, on the lab
 * addresses of the catalogues' udp targets. Configured entirely on its command line: no
 * config file from /etc, no user database, no telnet CLI, logs in the lab folder.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseStunAnswer, stunBindingRequest } from '../datagrams.js';
import { udpAsk } from '../udp-ask.js';
import { startProgram, type Program } from './program.js';

export interface StunPeerSpec {
  addresses: string[];
  port: number;
  /** A folder of the lab's own for coturn's log and pid file. */
  dir: string;
}

/** True when a STUN Binding request to ip:port is answered. */
export async function answersStun(ip: string, port: number, timeoutMs = 500): Promise<boolean> {
  const req = stunBindingRequest();
  const out = await udpAsk(ip, port, req, (m) => parseStunAnswer(m, req) !== null, timeoutMs);
  return out.ok;
}

export async function startStunPeer(spec: StunPeerSpec): Promise<Program> {
  const dir = join(spec.dir, 'coturn');
  mkdirSync(dir, { recursive: true });
  const args = [
    '-n', // no configuration file: everything is on this command line
    '--stun-only',
    '--no-cli',
    '--no-tls',
    '--no-dtls',
    '--no-tcp',
    '--listening-port', String(spec.port),
    ...spec.addresses.flatMap((ip) => ['--listening-ip', ip]),
    '--log-file', join(dir, 'turnserver.log'),
    '--simple-log',
    '--no-stdout-log',
    '--pidfile', join(dir, 'turnserver.pid'),
    // STUN needs no user database; a path that does not exist keeps coturn off the
    // system's /var/lib/turn/turndb (it logs that it cannot open it, and carries on).
    '--userdb', join(dir, 'no-database', 'turndb'),
  ];
  return startProgram({
    name: 'coturn',
    cmd: 'turnserver',
    args,
    log: join(dir, 'turnserver.out'),
    ready: async () => (await Promise.all(spec.addresses.map((ip) => answersStun(ip, spec.port)))).every(Boolean),
  });
}
