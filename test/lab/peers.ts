/**
 * Where the lab runs its real peers, read from the scenarios' catalogues: coturn answers STUN
 * on the address of every udp target, caddy answers QUIC (and HTTPS) on the address of every
 * quic target, the MTProto peer answers req_pq_multi on the address of every mtproto target.
 * A catalogue that asks for a peer the lab cannot give is an error here.
 */
import { isIP } from 'node:net';
import * as A from './addresses.js';
import type { Scenario } from './scenario-types.js';

export interface PeerAddresses {
  stun: string[];
  quic: string[];
  mtproto: string[];
}

function addressOf(s: Scenario, host: string): string {
  const ip = isIP(host) ? host : s.hosts[host];
  if (!ip) throw new Error(`scenario ${s.name}: ${host} is not one of its hosts`);
  if (!ip.startsWith('198.18.1.')) throw new Error(`scenario ${s.name}: ${host} (${ip}) is not in the servers prefix ${A.SERVERS_PREFIX}`);
  return ip;
}

export function peerAddresses(scenarios: Scenario[]): PeerAddresses {
  const stun = new Set<string>();
  const quic = new Set<string>();
  const mtproto = new Set<string>();
  for (const s of scenarios) {
    for (const t of s.targets) {
      if (t.kind === 'udp') {
        if (t.port !== A.STUN_PORT) throw new Error(`scenario ${s.name}, target ${t.id}: the lab's STUN peer listens on ${A.STUN_PORT} only`);
        stun.add(addressOf(s, t.host));
      } else if (t.kind === 'quic') {
        if (t.port !== 443) throw new Error(`scenario ${s.name}, target ${t.id}: the lab's QUIC peer answers on 443 only`);
        quic.add(addressOf(s, t.host));
      } else if (t.kind === 'mtproto') {
        if (t.port !== 443) throw new Error(`scenario ${s.name}, target ${t.id}: the lab's MTProto peer answers on 443 only`);
        mtproto.add(addressOf(s, t.host));
      }
    }
  }
  // Both would take the address's TCP/443.
  for (const ip of mtproto) if (quic.has(ip)) throw new Error(`${ip} is both a QUIC and an MTProto peer; give them addresses of their own`);
  return { stun: [...stun], quic: [...quic], mtproto: [...mtproto] };
}
