/**
 * The censor's own boxes: a blockpage server, a TLS interceptor presenting another name's
 * certificate from a CA nobody trusts (MITM), and a box that reads the ClientHello and
 * closes (TLS EOF). The censor's DNAT rules steer chosen flows to them.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { BLOCKPAGE_BODY } from './app-hosts.js';

export interface CensorBoxesSpec {
  blockpage: string;
  mitm: string;
  eof: string;
  /** Certificate and key of the ISP's filter, issued by the ISP's own CA. */
  cert: string;
  key: string;
}

export interface CensorBoxes {
  close(): Promise<void>;
}

function listen(srv: HttpServer | HttpsServer | TcpServer, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(port, address, () => resolve());
  });
}

export async function startCensorBoxes(spec: CensorBoxesSpec): Promise<CensorBoxes> {
  const serveBlockpage = (_req: unknown, res: import('node:http').ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(BLOCKPAGE_BODY) });
    res.end(BLOCKPAGE_BODY);
  };
  const plain = createHttpServer(serveBlockpage);
  const blockTls = createHttpsServer({ cert: spec.cert, key: spec.key }, serveBlockpage);
  const mitm = createHttpsServer({ cert: spec.cert, key: spec.key }, serveBlockpage);
  const sockets = new Set<Socket>();
  // Reads whatever the client sends first (its ClientHello) and answers with a FIN.
  const eof = createTcpServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => sock.destroy());
    sock.once('data', () => sock.end());
    sock.setTimeout(10_000, () => sock.destroy());
  });
  for (const s of [blockTls, mitm]) s.on('tlsClientError', () => {});
  await listen(plain, 80, spec.blockpage);
  await listen(blockTls, 443, spec.blockpage);
  await listen(mitm, 443, spec.mitm);
  await listen(eof, 443, spec.eof);
  return {
    async close() {
      for (const s of sockets) s.destroy();
      for (const s of [plain, blockTls, mitm]) s.closeAllConnections();
      await Promise.all([plain, blockTls, mitm, eof].map((s) => new Promise((r) => s.close(r))));
    },
  };
}
