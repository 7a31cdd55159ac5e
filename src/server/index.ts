/**
 * The HTTP(S) listener: the status page (/ and /apps/<id>), /metrics, /healthz,
 * /readyz, /api/v1/status, POST /-/reload.
 *
 * API:
 *   const srv = await startServer({ config: config.server, metrics, status, ready, reload?, logger });
 *   srv.url / srv.address / srv.port
 *   srv.update(config.server)   // on reload: new auth, new certificate (listen address needs a restart)
 *   await srv.close()
 *
 * Auth (bearer or basic, when configured) guards every endpoint but /healthz
 * and /readyz, which container orchestrators call without credentials and
 * which say nothing but "alive" and "ready". POST /-/reload answers 403 unless
 * enabled, like Prometheus' lifecycle API. Requests are bounded (limits.ts): a
 * connection cap, small heads, no bodies over 1 KiB, and deadlines on
 * handshakes, heads, requests and idle sockets. Failed auth is logged, throttled,
 * without what the client sent. Pages go out with a Content-Security-Policy under
 * which no script runs.
 */
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics/index.js';
import type { Report, ServerConfig } from '../model/index.js';
import { authorized, challenge } from './auth.js';
import { APP_PREFIX, CONTENT_SECURITY_POLICY, pageContext, renderPage, type PageFeed } from './page/index.js';
import { DEFAULT_LIMITS, guard, serverOptions, throttledLog, type ListenerLimits } from './limits.js';

export { authorized, challenge } from './auth.js';

export interface ServerOptions {
  config: ServerConfig;
  metrics: Pick<Metrics, 'render' | 'contentType'>;
  /** The report of the latest verdicts; null before the first round. */
  status(): Report | null;
  /** Config loaded and a first round done. */
  ready(): boolean;
  reload?(): Promise<{ ok: boolean; errors: string[] }>;
  /** History, schedule and app names for the status page; without it the page shows the report alone. */
  page?: PageFeed;
  logger: Logger;
  /** Overrides of the listener's limits (tests); maxConnections comes from config.maxConnections. */
  limits?: Partial<ListenerLimits>;
}

export interface RunningServer {
  /** host:port actually bound (port 0 resolved). */
  address: string;
  port: number;
  url: string;
  update(config: ServerConfig): void;
  close(): Promise<void>;
}

const ROUTES: Record<string, { methods: string[]; open?: boolean }> = {
  '/': { methods: ['GET', 'HEAD'] },
  [APP_PREFIX]: { methods: ['GET', 'HEAD'] },
  '/metrics': { methods: ['GET', 'HEAD'] },
  '/healthz': { methods: ['GET', 'HEAD'], open: true },
  '/readyz': { methods: ['GET', 'HEAD'], open: true },
  '/api/v1/status': { methods: ['GET', 'HEAD'] },
  '/-/reload': { methods: ['POST', 'PUT'] },
};

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  let config = opts.config;
  const log = opts.logger;
  let reloading: Promise<{ ok: boolean; errors: string[] }> | null = null;
  const limits: ListenerLimits = { ...DEFAULT_LIMITS, maxConnections: config.maxConnections ?? DEFAULT_LIMITS.maxConnections, ...opts.limits };
  const unauthorized = throttledLog(log, 60_000, 'unauthorized requests');

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    // Every /apps/<id> shares one route.
    const key = path.startsWith(APP_PREFIX) ? APP_PREFIX : path;
    const route = ROUTES[key];
    if (!route) return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
    if (!route.methods.includes(req.method ?? '')) {
      res.setHeader('Allow', route.methods.join(', '));
      return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    }
    if (!route.open && config.auth && !authorized(config.auth, req.headers.authorization)) {
      // Who and where, never what they sent.
      unauthorized({ path, remote: req.socket.remoteAddress });
      res.setHeader('WWW-Authenticate', challenge(config.auth));
      return send(res, 401, 'text/plain; charset=utf-8', 'unauthorized\n');
    }
    if (!(await bodyWithinCap(req, limits.maxBodyBytes))) {
      res.setHeader('Connection', 'close');
      return send(res, 413, 'text/plain; charset=utf-8', 'request body too large\n');
    }
    switch (key) {
      case '/':
      case APP_PREFIX: {
        const page = renderPage(path, pageContext(opts.status(), opts.page, config));
        return sendHtml(res, page.status, page.body);
      }
      case '/metrics':
        return send(res, 200, opts.metrics.contentType, await opts.metrics.render());
      case '/healthz':
        return send(res, 200, 'text/plain; charset=utf-8', 'ok\n');
      case '/readyz':
        return opts.ready() ? send(res, 200, 'text/plain; charset=utf-8', 'ready\n') : send(res, 503, 'text/plain; charset=utf-8', 'not ready\n');
      case '/api/v1/status': {
        const report = opts.status();
        if (!report) return sendJson(res, 503, { error: 'no round has completed yet' });
        return sendJson(res, 200, report);
      }
      case '/-/reload': {
        if (!config.enableReload || !opts.reload) return send(res, 403, 'text/plain; charset=utf-8', 'reload over HTTP is not enabled\n');
        // Concurrent requests share one reload rather than stacking them.
        reloading ??= opts.reload().finally(() => {
          reloading = null;
        });
        const result = await reloading;
        return sendJson(res, result.ok ? 200 : 500, result);
      }
    }
  };

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err: unknown) => {
      log.error({ err, path: req.url?.split('?')[0] }, 'HTTP handler failed');
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else res.destroy();
    });
  };

  const server: Server | HttpsServer = config.tls
    ? createHttps({ cert: config.tls.cert, key: config.tls.key, ...serverOptions(limits) }, listener)
    : createHttp(serverOptions(limits), listener);
  const connections = guard(server, limits, log);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const a = server.address() as AddressInfo;
  const hostText = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  const address = `${hostText}:${a.port}`;
  log.info({ address, tls: Boolean(config.tls), auth: config.auth?.type ?? 'none' }, 'listening');

  return {
    address,
    port: a.port,
    url: `${config.tls ? 'https' : 'http'}://${address}`,
    update(next: ServerConfig) {
      if (next.tls && config.tls && 'setSecureContext' in server) {
        (server as HttpsServer).setSecureContext({ cert: next.tls.cert, key: next.tls.key });
      }
      if (Boolean(next.tls) !== Boolean(config.tls) || next.host !== config.host || next.port !== config.port) {
        log.warn('server.listen or server.tls turned on/off: takes effect at the next restart');
      }
      config = { ...next, host: config.host, port: config.port, tls: next.tls && config.tls ? next.tls : config.tls };
      connections.setMaxConnections(next.maxConnections ?? DEFAULT_LIMITS.maxConnections);
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // A scrape in flight gets a moment to finish; then the connections go.
        setTimeout(() => server.closeAllConnections(), 1000).unref();
      });
    },
  };
}

function send(res: ServerResponse, code: number, type: string, body: string): void {
  res.statusCode = code;
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.setHeader('Cache-Control', 'no-store');
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function sendHtml(res: ServerResponse, code: number, body: string): void {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  send(res, code, 'text/html; charset=utf-8', body);
}

function sendJson(res: ServerResponse, code: number, value: unknown): void {
  send(res, code, 'application/json; charset=utf-8', `${JSON.stringify(value)}\n`);
}

/** Reads and discards a request body; false (and stops reading) when it passes the cap. */
function bodyWithinCap(req: IncomingMessage, cap: number): Promise<boolean> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > cap) return Promise.resolve(false);
  if (req.readableEnded || (declared === 0 && req.headers['transfer-encoding'] === undefined)) {
    req.resume();
    return Promise.resolve(true);
  }
  return new Promise((resolve) => {
    let seen = 0;
    req.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > cap) {
        req.pause();
        resolve(false);
      }
    });
    req.on('end', () => resolve(seen <= cap));
    req.on('error', () => resolve(false));
  });
}
