/** The HTTP CONNECT connector (RFC 9110 §9.3.6): asks a proxy for a tunnel and hands back the socket. */
import type { Socket } from 'node:net';
import { isIPv6 } from 'node:net';
import type { ProxySpec } from '../../model/index.js';
import type { ConnectOptions, Connector } from '../types.js';
import { readUntil } from '../socket-read.js';
import { NetError, PROXY_BAD_REPLY, ProxyRefusedError, proxyStatusFailure, proxyUnreachable } from '../errors.js';
import { guardErrors, openTcp } from './direct.js';

/** A proxy's reply head larger than this is not a proxy we can trust to parse. */
export const CONNECT_HEAD_CAP = 8192;

const CRLFCRLF = Buffer.from('\r\n\r\n');

/** Reads the proxy's status line and headers; bytes after them go back onto the socket (net/socket-read.ts). */
function readHead(sock: Socket, signal: AbortSignal): Promise<string> {
  return readUntil(
    sock,
    signal,
    (buf) => {
      const end = buf.indexOf(CRLFCRLF);
      // The cap holds however the bytes arrive: a head that ends past it in one chunk is as long.
      if (end > CONNECT_HEAD_CAP || (end < 0 && buf.length > CONNECT_HEAD_CAP)) return new NetError(PROXY_BAD_REPLY, 'proxy reply head over the size cap', 'BW_PROXY_HEAD');
      return end >= 0 ? { value: buf.subarray(0, end).toString('latin1'), used: end + 4 } : null;
    },
    () => new NetError('eof_error', 'proxy closed before answering CONNECT', 'BW_EOF'),
  );
}

export class HttpConnectConnector implements Connector {
  readonly describe: string;
  private readonly auth: string | null;

  constructor(
    private readonly proxy: ProxySpec,
    private readonly localAddress?: string,
  ) {
    this.describe = `http://${proxy.host}:${proxy.port}`;
    this.auth =
      proxy.username !== undefined ? Buffer.from(`${proxy.username}:${proxy.password ?? ''}`).toString('base64') : null;
  }

  async connect(ip: string, port: number, opts: ConnectOptions): Promise<Socket> {
    const sock = await openTcp(this.proxy.host, this.proxy.port, opts.signal, this.localAddress).catch((err: unknown) => {
      throw proxyUnreachable(err, this.describe);
    });
    try {
      const authority = isIPv6(ip) ? `[${ip}]:${port}` : `${ip}:${port}`;
      sock.write(
        `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n` +
          (this.auth ? `Proxy-Authorization: Basic ${this.auth}\r\n` : '') +
          '\r\n',
      );
      const head = await readHead(sock, opts.signal);
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      if (!m) throw new NetError(PROXY_BAD_REPLY, 'proxy sent no HTTP status line', 'BW_PROXY_HEAD');
      if (m[1][0] !== '2') throw new ProxyRefusedError(proxyStatusFailure(m[1]), m[1], `proxy refused CONNECT with ${m[1]}`);
      return guardErrors(sock);
    } catch (err) {
      sock.destroy();
      throw err;
    }
  }
}
