/**
 * The SOCKS5 connector (RFC 1928 CONNECT, username/password per RFC 1929), on the shared
 * handshake (net/socks5/): every read bounded by the reply's size and the probe's signal,
 * nothing left behind once it settles.
 */
import type { Socket } from 'node:net';
import type { ProxySpec } from '../../model/index.js';
import { PROXY_REFUSED } from '../../model/index.js';
import type { ConnectOptions, Connector } from '../types.js';
import { NetError, PROXY_BAD_REPLY, ProxyRefusedError, proxyStatusFailure, proxyUnreachable } from '../errors.js';
import { socksAddress } from '../socks5/address.js';
import { CMD_CONNECT, socksRequest, type FaultFactory } from '../socks5/handshake.js';
import { guardErrors, openTcp } from './direct.js';

const badReply = (what: string): NetError => new NetError(PROXY_BAD_REPLY, `SOCKS5 proxy sent ${what}`, 'BW_SOCKS_REPLY');

/**
 * For a tunnel to a probe's target, a reply code says what happened to the target (refused,
 * unreachable) as the proxy saw it; anything else is the vantage's own path failing.
 */
const tunnelFault: FaultFactory = (fault, detail) => {
  switch (fault) {
    case 'reply':
      return new ProxyRefusedError(proxyStatusFailure(detail), detail, `SOCKS5 proxy answered ${detail}`);
    case 'auth_required':
    case 'auth_failed':
      return new ProxyRefusedError(`${PROXY_REFUSED} (${fault})`, fault, `SOCKS5: ${detail}`);
    case 'bad_reply':
      return badReply(detail);
  }
};

export class Socks5Connector implements Connector {
  readonly describe: string;
  constructor(
    private readonly proxy: ProxySpec,
    private readonly localAddress?: string,
  ) {
    this.describe = `socks5://${proxy.host}:${proxy.port}`;
  }

  async connect(ip: string, port: number, opts: ConnectOptions): Promise<Socket> {
    const sock = await openTcp(this.proxy.host, this.proxy.port, opts.signal, this.localAddress).catch((err: unknown) => {
      throw proxyUnreachable(err, this.describe);
    });
    try {
      await socksRequest(sock, this.proxy, CMD_CONNECT, socksAddress(ip, port), opts.signal, tunnelFault);
      return guardErrors(sock);
    } catch (err) {
      sock.destroy();
      throw err;
    }
  }
}
