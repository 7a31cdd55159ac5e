/** The direct datagram connector: a connected UDP socket from the host (or a bound source address). */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { hostPort } from '../../model/index.js';
import { whenAborted } from '../abort.js';
import type { ConnectOptions, DatagramChannel, DatagramConnector } from '../types.js';

/** A connected socket as a channel: the kernel drops datagrams from other sources and reports ICMP errors. */
class SocketChannel implements DatagramChannel {
  private closed = false;
  private errorListeners: ((err: Error) => void)[] = [];

  constructor(
    private readonly sock: UdpSocket,
    readonly remote: string,
  ) {
    sock.on('error', (err) => {
      for (const l of this.errorListeners) l(err);
    });
  }

  send(payload: Buffer): void {
    if (this.closed) return;
    const onError = (err: Error | null): void => {
      if (err && !this.closed) for (const l of this.errorListeners) l(err);
    };
    try {
      this.sock.send(payload, onError);
    } catch (err) {
      // A socket that is no longer connected throws rather than calling back: still an error, never a crash.
      onError(err as Error);
    }
  }

  onMessage(listener: (msg: Buffer, from: string) => void): void {
    this.sock.on('message', (msg, rinfo) => listener(msg, hostPort(rinfo.address, rinfo.port)));
  }

  onError(listener: (err: Error) => void): void {
    this.errorListeners.push(listener);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.errorListeners = [];
    this.sock.removeAllListeners('message');
    // An error racing the close must not go unheard.
    this.sock.on('error', () => {});
    try {
      this.sock.close();
    } catch {
      // already closed
    }
  }
}

/** Opens a UDP socket connected to ip:port, optionally bound to `localAddress`. */
export function openUdp(ip: string, port: number, signal: AbortSignal, localAddress?: string): Promise<DatagramChannel> {
  return new Promise<DatagramChannel>((resolve, reject) => {
    const sock = createSocket({ type: isIPv6(ip) ? 'udp6' : 'udp4' });
    let settled = false;
    let detach = (): void => {};
    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      detach();
      sock.on('error', () => {});
      try {
        sock.close();
      } catch {
        // already closed
      }
      reject(err);
    };
    detach = whenAborted(signal, fail);
    if (settled) return;
    sock.once('error', fail);
    // Node hands a failed connect (ENETUNREACH: no route) to this callback, not to 'error'.
    const connect = (): void =>
      sock.connect(port, ip, (err?: Error) => {
        if (err) return fail(err);
        if (settled) return;
        settled = true;
        detach();
        sock.off('error', fail);
        resolve(new SocketChannel(sock, hostPort(ip, port)));
      });
    if (localAddress) sock.bind({ address: localAddress, port: 0 }, connect);
    else connect();
  });
}

export class DirectDatagramConnector implements DatagramConnector {
  readonly describe: string;
  constructor(private readonly localAddress?: string) {
    this.describe = localAddress ? `direct udp from ${localAddress}` : 'direct udp';
  }
  open(ip: string, port: number, opts: ConnectOptions): Promise<DatagramChannel> {
    return openUdp(ip, port, opts.signal, this.localAddress);
  }
}
