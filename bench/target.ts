/**
 * The loopback HTTPS target, run as its own process: a certificate from a test CA,
 * no keep-alive, a small fixed body. With --delay-ms D it also injects delay in user
 * space (no netem here): a TCP proxy in front of the TLS server holds the server's
 * first bytes (the ServerHello flight) for D ms, and the handler holds the response
 * head for D ms. The delays actually applied are recorded, so the injector's own
 * error can be told from the prober's. Prints one JSON line with its ports; answers
 * `GET /_holds` on its plain-HTTP control port with those records.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttp } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { connect, createServer as createTcp, type AddressInfo, type Socket } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    cert: { type: 'string' },
    key: { type: 'string' },
    'delay-ms': { type: 'string', default: '0' },
    'body-bytes': { type: 'string', default: '1024' },
  },
});
const delayMs = Number(values['delay-ms']);
const body = Buffer.alloc(Number(values['body-bytes']), 'x');
/** Milliseconds each delay was really held, measured here with the same clock kind probers use. */
const holds = { tls: [] as number[], ttfb: [] as number[] };

const tlsServer = createHttps({ cert: readFileSync(values.cert!), key: readFileSync(values.key!) }, (req, res) => {
  const send = (): void => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length, connection: 'close' });
    res.end(body);
  };
  if (delayMs <= 0) return send();
  const t0 = performance.now();
  setTimeout(() => {
    holds.ttfb.push(performance.now() - t0);
    send();
  }, delayMs);
});
tlsServer.keepAliveTimeout = 0;

/** Holds the upstream's first bytes for delayMs, then passes everything through in order. */
function delayingProxy(upstreamPort: number) {
  return createTcp((client: Socket) => {
    const upstream = connect(upstreamPort, '127.0.0.1');
    const queued: Buffer[] = [];
    let released = false;
    let held = false;
    upstream.on('data', (chunk: Buffer) => {
      if (released) return void client.write(chunk);
      queued.push(chunk);
      if (held) return;
      held = true;
      const t0 = performance.now();
      setTimeout(() => {
        holds.tls.push(performance.now() - t0);
        released = true;
        for (const c of queued) client.write(c);
        queued.length = 0;
      }, delayMs);
    });
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    const close = (): void => {
      client.destroy();
      upstream.destroy();
    };
    // A close waits for held bytes to go out first, or the prober would see a reset.
    upstream.on('end', () => (released ? client.end() : setTimeout(() => client.end(), delayMs + 5)));
    client.on('end', () => upstream.end());
    upstream.on('error', close);
    client.on('error', close);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
  });
}

const control = createHttp((req, res) => {
  if (req.url === '/_holds') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(holds));
    holds.tls = [];
    holds.ttfb = [];
    return;
  }
  res.writeHead(404).end();
});

const listen = (s: { listen: (port: number, host: string, cb: () => void) => unknown; address(): unknown }): Promise<number> =>
  new Promise((res) => void s.listen(0, '127.0.0.1', () => res((s.address() as AddressInfo).port)));

const httpsPort = await listen(tlsServer);
const front = delayMs > 0 ? await listen(delayingProxy(httpsPort)) : httpsPort;
const controlPort = await listen(control);
process.stdout.write(`${JSON.stringify({ port: front, controlPort, pid: process.pid })}\n`);
process.on('SIGTERM', () => process.exit(0));
