/** The SOCKS5 connector (RFC 1928, username/password per RFC 1929) using the socks package. */
import type { Socket } from 'node:net';
import { SocksClient } from 'socks';
import type { ProxySpec } from '../../model/index.js';
import type { ConnectOptions, Connector } from '../types.js';
import { raceAbort } from '../abort.js';
import { guardErrors, openTcp } from './direct.js';

/** The socks package's own timer; the probe's signal normally ends things first. */
const SOCKS_TIMEOUT_MS = 30_000;

export class Socks5Connector implements Connector {
  readonly describe: string;
  constructor(
    private readonly proxy: ProxySpec,
    private readonly localAddress?: string,
  ) {
    this.describe = `socks5://${proxy.host}:${proxy.port}`;
  }

  async connect(ip: string, port: number, opts: ConnectOptions): Promise<Socket> {
    const toProxy = await openTcp(this.proxy.host, this.proxy.port, opts.signal, this.localAddress);
    const handshake = SocksClient.createConnection({
      proxy: {
        host: this.proxy.host,
        port: this.proxy.port,
        type: 5,
        ...(this.proxy.username !== undefined ? { userId: this.proxy.username, password: this.proxy.password ?? '' } : {}),
      },
      command: 'connect',
      destination: { host: ip, port },
      existing_socket: toProxy,
      timeout: SOCKS_TIMEOUT_MS,
    }).then((r) => guardErrors(r.socket));
    try {
      return await raceAbort(handshake, opts.signal, (s) => s.destroy());
    } catch (err) {
      toProxy.destroy();
      throw err;
    }
  }
}
