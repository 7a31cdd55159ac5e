/**
 * Starts the lab services one namespace needs, from a JSON spec file, and lets the lab
 * steer them through HTTP on a unix socket (the socket is in the shared filesystem, so
 * the lab reaches it from outside the namespace). Prints `ready` once all listen.
 * Usage: node dist/test/lab/services/run.js SPEC.json
 */
import { readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { startAppHosts, type AppHosts, type AppHostsSpec, type HostRule } from './app-hosts.js';
import { startCensorBoxes, type CensorBoxes, type CensorBoxesSpec } from './censor-boxes.js';
import { startDnsServer, type DnsRule, type DnsServer, type DnsServerSpec } from './dns-server.js';
import { startMtprotoPeer, type MtprotoPeer, type MtprotoPeerRule, type MtprotoPeerSpec } from './mtproto-peer.js';
import type { Program } from './program.js';
import { startProxies, type Proxies, type ProxiesSpec } from './proxies.js';
import { startQuicPeer, type QuicPeerSpec } from './quic-peer.js';
import { startQuicSniBox, type QuicSniBox, type QuicSniBoxSpec } from './quic-sni-box.js';
import { startStunPeer, type StunPeerSpec } from './stun-peer.js';
import { startTlsBox, type TlsBox, type TlsBoxSpec } from './tls-box.js';
import type { TlsBoxRule } from './tls-box-policy.js';
import { startWebhookSink, type WebhookSink } from './webhook-sink.js';

export interface ServicesSpec {
  control: string;
  dns?: Record<string, DnsServerSpec>;
  appHosts?: AppHostsSpec;
  censorBoxes?: CensorBoxesSpec;
  proxies?: ProxiesSpec;
  webhook?: { address: string; port: number };
  /** The call relay's STUN server (coturn). */
  stun?: StunPeerSpec;
  /** The HTTP/3 server (caddy). */
  quic?: QuicPeerSpec;
  quicSniBox?: QuicSniBoxSpec;
  /** The TLS box: the censor's, or the servers' own (a server slow for everyone). */
  tlsBox?: TlsBoxSpec;
  /** The Telegram data centres' MTProto peer. */
  mtproto?: MtprotoPeerSpec;
}

const MAX_CONTROL_BYTES = 1024 * 1024;

async function main(): Promise<void> {
  const spec = JSON.parse(readFileSync(process.argv[2], 'utf8')) as ServicesSpec;
  const dns = new Map<string, DnsServer>();
  for (const [name, s] of Object.entries(spec.dns ?? {})) dns.set(name, await startDnsServer(s));
  const hosts: AppHosts | null = spec.appHosts ? await startAppHosts(spec.appHosts) : null;
  const boxes: CensorBoxes | null = spec.censorBoxes ? await startCensorBoxes(spec.censorBoxes) : null;
  const proxies: Proxies | null = spec.proxies ? await startProxies(spec.proxies) : null;
  const sink: WebhookSink | null = spec.webhook ? await startWebhookSink(spec.webhook.address, spec.webhook.port) : null;
  const sniBox: QuicSniBox | null = spec.quicSniBox ? startQuicSniBox(spec.quicSniBox) : null;
  const tlsBox: TlsBox | null = spec.tlsBox ? startTlsBox(spec.tlsBox) : null;
  const mtproto: MtprotoPeer | null = spec.mtproto ? await startMtprotoPeer(spec.mtproto) : null;
  // Real server programs, started last so that a failure above leaves none behind.
  const programs: Program[] = [];
  const stopPrograms = () => Promise.allSettled(programs.map((p) => p.stop()));
  const started = await Promise.allSettled([spec.stun && startStunPeer(spec.stun), spec.quic && startQuicPeer(spec.quic)]);
  for (const r of started) if (r.status === 'fulfilled' && r.value) programs.push(r.value);
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await stopPrograms();
    throw failed.reason;
  }

  async function handle(path: string, body: any): Promise<unknown> {
    const [, service, action, arg] = path.split('/');
    if (service === 'ping') return 'pong';
    if (service === 'dns') {
      const servers = arg ? [dns.get(arg)] : [...dns.values()];
      if (servers.some((s) => !s)) throw new Error(`no resolver ${arg}`);
      for (const s of servers as DnsServer[]) {
        if (action === 'rule') s.setRule(body.name as string, (body.rule ?? null) as DnsRule | null);
        else if (action === 'clear') s.clearRules();
        else throw new Error(`unknown dns action ${action}`);
      }
      return 'ok';
    }
    if (service === 'hosts' && hosts) {
      if (action === 'rule') hosts.setRule(body.host as string, (body.rule ?? null) as HostRule | null);
      else hosts.clearRules();
      return 'ok';
    }
    if (service === 'mtproto' && mtproto) {
      if (action === 'rule') mtproto.setRule(String(body.address), (body.rule ?? null) as MtprotoPeerRule | null);
      else if (action === 'clear') mtproto.clearRules();
      else throw new Error(`unknown mtproto action ${action}`);
      return 'ok';
    }
    if (service === 'proxies' && proxies) {
      proxies.setDenied((body.destinations ?? []) as string[]);
      return 'ok';
    }
    if (service === 'quic-sni' && sniBox) {
      if (action === 'relay') return { port: await sniBox.relay(String(body.upstream), (body.names ?? []) as string[]) };
      if (action === 'unrelay') {
        await sniBox.unrelay(String(body.upstream));
        return 'ok';
      }
      if (action === 'stats') return sniBox.stats();
      throw new Error(`unknown quic-sni action ${action}`);
    }
    if (service === 'tls-box' && tlsBox) {
      if (action === 'relay') return { port: await tlsBox.relay(String(body.upstream), (body.rules ?? []) as TlsBoxRule[]) };
      if (action === 'unrelay') {
        await tlsBox.unrelay(String(body.upstream));
        return 'ok';
      }
      if (action === 'stats') return tlsBox.stats();
      throw new Error(`unknown tls-box action ${action}`);
    }
    if (service === 'webhook' && sink) {
      if (action === 'received') return sink.received();
      if (action === 'clear') sink.clear();
      if (action === 'status') sink.setStatus(Number(body.code));
      return 'ok';
    }
    throw new Error(`unknown control path ${path}`);
  }

  rmSync(spec.control, { force: true });
  const control = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_CONTROL_BYTES) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      handle(req.url ?? '/', text ? JSON.parse(text) : {}).then(
        (out) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out)),
        (e: Error) => res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: e.message })),
      );
    });
  });
  await new Promise<void>((resolve) => control.listen(spec.control, () => resolve()));

  const stop = async () => {
    await Promise.allSettled([
      ...[...dns.values()].map((d) => d.close()), hosts?.close(), boxes?.close(), proxies?.close(), sink?.close(), sniBox?.close(), tlsBox?.close(), mtproto?.close(),
    ]);
    await stopPrograms();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  // Orphaned (the lab's process died): leave rather than linger in a namespace.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void stop();
  }, 1000).unref();
  process.stdout.write('ready\n');
}

main().catch((e: Error) => {
  process.stderr.write(`lab services failed: ${e.stack ?? e.message}\n`);
  process.exit(1);
});
