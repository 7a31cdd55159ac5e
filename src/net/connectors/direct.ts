/** The direct connector: a plain TCP connection from the host, optionally from a bound source address. */
import { Socket } from 'node:net';
import type { ConnectOptions, Connector } from '../types.js';
import { whenAborted } from '../abort.js';

/** The first error each guarded socket raised while nobody else was listening. */
const unheard = new WeakMap<Socket, Error>();

function keepError(this: Socket, err: Error): void {
  if (!unheard.has(this)) unheard.set(this, err);
}

/**
 * Gives a connected socket an 'error' listener for as long as it lives. A socket handed over
 * between steps (connector → TLS → HTTP) or held while other addresses settle has moments
 * with no reader; a reset then must not become an unhandled 'error' that ends the process.
 * The error is kept (`unheardError`): whoever reads next sees the socket closed, and can
 * say why.
 */
export function guardErrors<S extends Socket>(sock: S): S {
  if (!sock.listeners('error').includes(keepError)) sock.on('error', keepError);
  return sock;
}

/** The first error a guarded socket raised, if any (a reset that came before the next step began). */
export function unheardError(sock: Socket): Error | undefined {
  return unheard.get(sock);
}

/** Opens a TCP connection, rejecting with the socket's error or the signal's reason. */
export function openTcp(ip: string, port: number, signal: AbortSignal, localAddress?: string): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    const sock = new Socket();
    let detach = (): void => {};
    const onError = (err: Error): void => {
      detach();
      sock.destroy();
      reject(err);
    };
    sock.once('error', onError);
    sock.once('connect', () => {
      detach();
      sock.off('error', onError);
      sock.setNoDelay(true);
      resolve(guardErrors(sock));
    });
    detach = whenAborted(signal, (reason) => {
      sock.off('error', onError);
      sock.on('error', () => {});
      sock.destroy();
      reject(reason);
    });
    if (signal.aborted) return;
    sock.connect(localAddress ? { host: ip, port, localAddress } : { host: ip, port });
  });
}

export class DirectConnector implements Connector {
  readonly describe: string;
  constructor(private readonly localAddress?: string) {
    this.describe = localAddress ? `direct from ${localAddress}` : 'direct';
  }
  connect(ip: string, port: number, opts: ConnectOptions): Promise<Socket> {
    return openTcp(ip, port, opts.signal, this.localAddress);
  }
}
