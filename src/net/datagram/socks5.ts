/**
 * UDP through a SOCKS5 proxy (RFC 1928 §7 UDP ASSOCIATE): datagrams go to the proxy's relay
 * wrapped in the UDP request header; replies are unwrapped, and only the target's reach the
 * probe. Every failure on the way is the vantage's own (proxy_refused): the target takes no
 * part in the association, and an ICMP error from the relay concerns the relay.
 */
import type { Socket } from 'node:net';
import { hostPort, type ProxySpec } from '../../model/index.js';
import { ProxyRefusedError, proxyRefusedFailure, toFailure } from '../errors.js';
import type { ConnectOptions, DatagramChannel, DatagramConnector } from '../types.js';
import { openUdp } from './direct.js';
import { associate } from './socks5-associate.js';
import { sameAddress, socksAddress, type SocksAddress } from '../socks5/address.js';
import { unwrapDatagram, wrapDatagram } from './socks5-header.js';

/** A proxy has nothing to say on the control connection once the association stands; more than this is hostile. */
export const CONTROL_CHATTER_CAP = 4096;

function pathFailure(status: string, message: string): ProxyRefusedError {
  return new ProxyRefusedError(proxyRefusedFailure(status), status, message);
}

class Socks5Channel implements DatagramChannel {
  private dead = false;
  private closed = false;
  private messageListeners: ((msg: Buffer, from: string) => void)[] = [];
  private errorListeners: ((err: Error) => void)[] = [];

  constructor(
    private readonly control: Socket,
    private readonly relay: DatagramChannel,
    private readonly target: SocksAddress,
    readonly remote: string,
  ) {
    relay.onMessage((msg) => this.deliver(msg));
    relay.onError((err) => {
      const failure = toFailure(err, 'read').failure;
      this.die(pathFailure(`udp relay: ${failure}`, `SOCKS5 relay socket failed: ${failure}`));
    });
    let chatter = 0;
    control.on('data', (chunk: Buffer) => {
      chatter += chunk.length;
      if (chatter > CONTROL_CHATTER_CAP) control.destroy();
    });
    control.on('error', () => {});
    // RFC 1928 §7: the association ends with the TCP connection that asked for it.
    control.on('close', () => this.die(pathFailure('udp association closed', 'SOCKS5 proxy closed the UDP association')));
    control.resume();
  }

  /** Only the target's datagrams, whole (FRAG 0) and with a well-formed header, reach the listeners. */
  private deliver(msg: Buffer): void {
    if (this.closed) return;
    const u = unwrapDatagram(msg);
    if (!u || u.frag !== 0 || !sameAddress(u.source, this.target)) return;
    for (const l of this.messageListeners) l(u.payload, this.remote);
  }

  private die(err: Error): void {
    if (this.dead || this.closed) return;
    this.dead = true;
    for (const l of this.errorListeners) l(err);
  }

  send(payload: Buffer): void {
    if (this.closed || this.dead) return;
    this.relay.send(wrapDatagram(this.target, payload));
  }

  onMessage(listener: (msg: Buffer, from: string) => void): void {
    this.messageListeners.push(listener);
  }

  onError(listener: (err: Error) => void): void {
    this.errorListeners.push(listener);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.messageListeners = [];
    this.errorListeners = [];
    this.relay.close();
    this.control.destroy();
  }
}

export class Socks5DatagramConnector implements DatagramConnector {
  readonly describe: string;
  constructor(
    private readonly proxy: ProxySpec,
    private readonly localAddress?: string,
  ) {
    this.describe = `socks5://${proxy.host}:${proxy.port} (udp associate)`;
  }

  async open(ip: string, port: number, opts: ConnectOptions): Promise<DatagramChannel> {
    const target = socksAddress(ip, port);
    let control: Socket | undefined;
    try {
      const a = await associate(this.proxy, opts.signal, this.localAddress);
      control = a.control;
      const relay = await openUdp(a.relay.ip, a.relay.port, opts.signal, this.localAddress);
      if (a.control.destroyed) {
        relay.close();
        throw pathFailure('udp association closed', 'SOCKS5 proxy closed the UDP association');
      }
      return new Socks5Channel(a.control, relay, target, hostPort(ip, port));
    } catch (err) {
      control?.destroy();
      if (err instanceof ProxyRefusedError) throw err;
      const failure = toFailure(err, 'connect').failure;
      // A shutdown stays a shutdown; anything else on the way to a relay is the proxy's failing.
      if (failure === 'interrupted') throw err;
      throw pathFailure(`udp associate: ${failure}`, `SOCKS5 UDP ASSOCIATE failed: ${failure}`);
    }
  }
}
