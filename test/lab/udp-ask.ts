/** One datagram out, the first acceptable answer back: how the lab checks its UDP peers and censor rules on the wire. */
import { createSocket } from 'node:dgram';

export type UdpAnswer =
  | { ok: true; reply: Buffer; from: string; ms: number }
  /** `ECONNREFUSED` is ICMP port unreachable (the socket is connected); `TIMEOUT` is silence. */
  | { ok: false; error: string };

/**
 * Sends `datagram` from a fresh connected socket to ip:port and waits up to `timeoutMs` for a
 * reply that `accept` takes; other datagrams are ignored. A connected socket makes the kernel
 * drop datagrams from other sources and report ICMP errors to us.
 */
export function udpAsk(ip: string, port: number, datagram: Buffer, accept: (msg: Buffer) => boolean, timeoutMs: number): Promise<UdpAnswer> {
  return new Promise((resolve) => {
    const sock = createSocket('udp4');
    const t0 = performance.now();
    let done = false;
    const finish = (out: UdpAnswer): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.removeAllListeners('message');
      sock.on('error', () => {});
      try {
        sock.close();
      } catch {
        // already closed
      }
      resolve(out);
    };
    const timer = setTimeout(() => finish({ ok: false, error: 'TIMEOUT' }), timeoutMs);
    sock.on('error', (e: NodeJS.ErrnoException) => finish({ ok: false, error: e.code ?? e.message }));
    sock.on('message', (msg, rinfo) => {
      if (accept(msg)) finish({ ok: true, reply: msg, from: `${rinfo.address}:${rinfo.port}`, ms: performance.now() - t0 });
    });
    sock.connect(port, ip, () => sock.send(datagram, (err) => err && finish({ ok: false, error: (err as NodeJS.ErrnoException).code ?? err.message })));
  });
}
