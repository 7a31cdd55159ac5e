/**
 * The censorship lab as a programmatic API: bring it up, apply and revert scenarios'
 * censor setups, run the real CLI (or any command) in the client namespace, read what
 * the webhook sink received, and tear it all down.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeCA, type TestCA } from '../support/pki.js';
import * as A from './addresses.js';
import { ECH_PUBLIC_NAME, freezeRules, iptablesArgs, quicSniRedirect, throttleRules, THROTTLE_CLASS, tlsBoxRedirect, type CensorAction } from './censor.js';
import { resolveProfiles } from './hello-profiles.js';
import { writeLabConfig, type LabConfigOptions } from './config-files.js';
import { peerAddresses } from './peers.js';
import { ALL_SCENARIOS } from './all-scenarios.js';
import type { Scenario } from './scenario-types.js';
import type { QuicRelayStats } from './services/quic-sni-box.js';
import type { TlsRelayStats } from './services/tls-box.js';
import type { ServicesSpec } from './services/run.js';
import type { ReceivedPost } from './services/webhook-sink.js';
import { nsMust, nsRun, nsSpawn, type RunResult } from './sh.js';
import { buildTopology, destroyTopology, namespaceNames, removeStale, routeClientViaCensor, ROLES, type Namespaces } from './topology.js';
import type { Report } from '../../src/model/index.js';

/** The checkout's root, found from this file whether it runs from test/lab or dist/test/lab. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the checkout root (package.json)');
    dir = up;
  }
  return dir;
}

export const CLI = () => join(repoRoot(), 'dist', 'src', 'cli.js');
const SERVICES = () => join(repoRoot(), 'dist', 'test', 'lab', 'services', 'run.js');
const READY_MS = 20_000;

function control(socket: string, path: string, body?: unknown): Promise<unknown> {
  return new Promise((res, rej) => {
    const data = body === undefined ? '' : JSON.stringify(body);
    const req = request({ socketPath: socket, path, method: body === undefined ? 'GET' : 'POST', timeout: 10_000 }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => {
        const out = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
        if (r.statusCode !== 200) rej(new Error(`lab control ${path}: ${JSON.stringify(out)}`));
        else res(out);
      });
    });
    req.on('timeout', () => req.destroy(new Error(`lab control ${path}: timed out`)));
    req.on('error', rej);
    req.end(data);
  });
}

export interface CheckResult {
  code: number;
  report: Report | null;
  stdout: string;
  stderr: string;
}

export class Lab {
  private readonly applied: CensorAction[] = [];
  private readonly procs: ChildProcess[] = [];
  private readonly sockets: Record<'servers' | 'censor' | 'abroad', string>;
  private throttling = false;
  /** QUIC-SNI-filtered addresses: the relay port their DNAT points at, and the names filtered. */
  private readonly quicRelays = new Map<string, { port: number; names: string[] }>();
  /** Addresses behind a TLS box, by namespace and address: the relay port their DNAT points at. */
  private readonly tlsRelays = new Map<string, number>();
  private configs = 0;
  /** The servers' link setting a freeze overrides, to put back after it. */
  private gsoMaxSegs = '65535';
  configFile = '';
  private onExit = () => this.downSync();

  private constructor(
    readonly ns: Namespaces,
    readonly dir: string,
    readonly ca: TestCA,
    readonly scenarios: Scenario[],
    private readonly configOptions: LabConfigOptions,
  ) {
    this.sockets = { servers: join(dir, 'servers.sock'), censor: join(dir, 'censor.sock'), abroad: join(dir, 'abroad.sock') };
  }

  /** Builds the namespaces, starts the services and writes the config. Removes a crashed run's leftovers first. */
  static async up(opts: LabConfigOptions & { scenarios?: Scenario[] } = {}): Promise<Lab> {
    if (!existsSync(SERVICES())) throw new Error(`${SERVICES()} is missing: run \`npm run build\` first`);
    await removeStale();
    const dir = mkdtempSync(join(tmpdir(), 'bwl-'));
    const { scenarios, ...configOptions } = opts;
    const lab = new Lab(namespaceNames(), dir, makeCA('blockwatch lab CA', mkdtempSync(join(dir, 'ca-'))), scenarios ?? ALL_SCENARIOS, configOptions);
    process.once('exit', lab.onExit);
    try {
      await buildTopology(lab.ns);
      await lab.startServices();
      copyFileSync(lab.ca.certFile, lab.caFile);
      lab.configFile = writeLabConfig(dir, lab.caFile, lab.scenarios, configOptions);
    } catch (e) {
      await lab.down();
      throw e;
    }
    return lab;
  }

  get caFile(): string {
    return join(this.dir, 'lab-ca.pem');
  }

  /**
   * A config of its own for some of the lab's scenarios: its probes folder holds only their
   * catalogues, so one scenario's catalogue cannot spoil another's run. Returns its path.
   */
  configFor(scenarios: Scenario[], options: LabConfigOptions = {}): string {
    // A scenario's check confirms nothing unless it asks (`schedule.confirm`): it states what one probe concludes.
    return writeLabConfig(join(this.dir, 'configs', String(this.configs++)), this.caFile, scenarios, { confirm: 0, ...this.configOptions, ...options });
  }

  /** name → address for every lab host. */
  zone(): Record<string, string[]> {
    const zone: Record<string, string[]> = { 'canary.lab': [A.CANARY], 'domestic-canary.lab': [A.DOMESTIC_CANARY] };
    for (const s of this.scenarios) for (const [name, ip] of Object.entries(s.hosts)) zone[name] = [ip];
    return zone;
  }

  private async startServices(): Promise<void> {
    const zone = this.zone();
    // ECH's public name too: a full handshake with the outer SNI of an ECH hello validates, as at Cloudflare.
    const app = this.ca.issue([...Object.keys(zone), ...A.INNOCUOUS_NAMES, ECH_PUBLIC_NAME]);
    const doh = this.ca.issue(['resolver.lab'], { ips: [A.TRUTHFUL_RESOLVER] });
    // The ISP's filter has its own CA, which no client trusts.
    const ispCA = makeCA('Lab ISP filter CA', mkdtempSync(join(this.dir, 'isp-ca-')));
    const filter = ispCA.issue(['filter.isp.lab'], { ips: [A.MITM, A.BLOCKPAGE] });
    const peers = peerAddresses(this.scenarios);
    const peersDir = join(this.dir, 'peers');
    // The app hosts hold TCP 443 on every address of the servers namespace, so the QUIC
    // peer listens on its own port and its addresses' 443 (UDP and TCP) is steered there.
    for (const ip of peers.quic) {
      for (const proto of ['udp', 'tcp']) {
        await nsMust(this.ns.servers, 'iptables', ['-w', '-t', 'nat', '-A', 'PREROUTING', '-d', ip, '-p', proto, '--dport', '443',
          '-j', 'DNAT', '--to-destination', `${ip}:${A.QUIC_PEER_PORT}`]);
      }
    }
    for (const ip of peers.mtproto) {
      await nsMust(this.ns.servers, 'iptables', ['-w', '-t', 'nat', '-A', 'PREROUTING', '-d', ip, '-p', 'tcp', '--dport', '443',
        '-j', 'DNAT', '--to-destination', `${ip}:${A.MTPROTO_PEER_PORT}`]);
    }
    const specs: Record<'servers' | 'censor' | 'abroad', ServicesSpec> = {
      servers: {
        control: this.sockets.servers,
        dns: { isp: { address: A.ISP_RESOLVER, zone } },
        // 5222: XMPP-style chat ports; 8080: WeChat's long-connection port.
        appHosts: { address: '0.0.0.0', cert: app.cert, key: app.key, clientAddress: A.CLIENT_ISP, tcpPorts: [5222, 8080] },
        ...(peers.stun.length ? { stun: { addresses: peers.stun, port: A.STUN_PORT, dir: peersDir } } : {}),
        ...(peers.quic.length ? { quic: { addresses: peers.quic, port: A.QUIC_PEER_PORT, cert: app.cert, key: app.key, dir: peersDir } } : {}),
        ...(peers.mtproto.length ? { mtproto: { addresses: peers.mtproto, port: A.MTPROTO_PEER_PORT, clientAddress: A.CLIENT_ISP } } : {}),
        // A server's own slowness (an outage twin): its relays listen on the addresses they relay.
        tlsBox: { address: null },
      },
      censor: {
        control: this.sockets.censor,
        censorBoxes: { blockpage: A.BLOCKPAGE, mitm: A.MITM, eof: A.EOF_BOX, cert: filter.cert, key: filter.key },
        quicSniBox: { address: A.QUIC_SNI_BOX },
        tlsBox: { address: A.TLS_BOX },
      },
      abroad: {
        control: this.sockets.abroad,
        dns: { truthful: { address: A.TRUTHFUL_RESOLVER, zone, doh: { port: 443, cert: doh.cert, key: doh.key } } },
        proxies: { address: A.PROXY, socksPort: A.SOCKS_PORT, connectPort: A.CONNECT_PORT, resolver: A.TRUTHFUL_RESOLVER },
        webhook: { address: A.WEBHOOK_SINK, port: A.WEBHOOK_PORT },
      },
    };
    await Promise.all(
      (Object.keys(specs) as (keyof typeof specs)[]).map(async (role) => {
        const file = join(this.dir, `${role}.json`);
        writeFileSync(file, JSON.stringify(specs[role]));
        const child = nsSpawn(this.ns[role], process.execPath, [SERVICES(), file]);
        this.procs.push(child);
        await new Promise<void>((res, rej) => {
          let err = '';
          const timer = setTimeout(() => rej(new Error(`lab services in ${role} not ready after ${READY_MS} ms: ${err}`)), READY_MS);
          child.stderr?.on('data', (c: Buffer) => void (err += c.toString()));
          child.stdout?.on('data', (c: Buffer) => {
            if (c.toString().includes('ready')) {
              clearTimeout(timer);
              res();
            }
          });
          child.once('exit', (code) => {
            clearTimeout(timer);
            rej(new Error(`lab services in ${role} exited ${code}: ${err}`));
          });
        });
        child.removeAllListeners('exit');
      }),
    );
  }

  /** Applies a scenario's censor setup (or a list of actions); they stay until revert(). */
  async apply(what: Scenario | CensorAction[]): Promise<void> {
    const actions = Array.isArray(what) ? what : what.censor;
    for (const a of actions) {
      await this.act(a, true);
      this.applied.push(a);
    }
  }

  /** Reverts every applied action, newest first. */
  async revert(): Promise<void> {
    while (this.applied.length) await this.act(this.applied.pop()!, false);
  }

  private async act(a: CensorAction, on: boolean): Promise<void> {
    switch (a.do) {
      case 'iptables':
        await nsMust(this.ns[a.ns], 'iptables', iptablesArgs(a, on ? '-A' : '-D'));
        return;
      case 'dns':
        await control(this.sockets.servers, '/dns/rule/isp', { name: a.name, rule: on ? a.rule : null });
        if (a.resolver === 'all') await control(this.sockets.abroad, '/dns/rule/truthful', { name: a.name, rule: on ? a.rule : null });
        return;
      case 'host':
        await control(this.sockets.servers, '/hosts/rule', { host: a.host, rule: on ? a.rule : null });
        return;
      case 'deny-control': {
        const denied = this.applied.filter((x) => x.do === 'deny-control' && x !== a).map((x) => (x as typeof a).destination);
        await control(this.sockets.abroad, '/proxies/deny', { destinations: on ? [...denied, a.destination] : denied });
        return;
      }
      case 'link-down':
        await nsMust(this.ns.client, 'ip', ['link', 'set', 'dev', 'cen0', on ? 'down' : 'up']);
        if (!on) await routeClientViaCensor(this.ns);
        return;
      case 'carrier-lost':
        // The other end of the veth: the client's cen0 stays up, with its routes, and no carrier.
        await nsMust(this.ns.censor, 'ip', ['link', 'set', 'dev', 'cli0', on ? 'down' : 'up']);
        return;
      case 'freeze': {
        const [mark, drop] = freezeRules(a);
        if (on) {
          if (!this.applied.some((x) => x.do === 'freeze')) await this.segmentServers(true);
          await nsMust(this.ns.censor, 'iptables', iptablesArgs(mark, '-A'));
          // connbytes counts a flow's bytes only with conntrack accounting (the CONNMARK rule above loads conntrack).
          await nsMust(this.ns.censor, 'sysctl', ['-qw', 'net.netfilter.nf_conntrack_acct=1']);
          await nsMust(this.ns.censor, 'iptables', iptablesArgs(drop, '-A'));
        } else {
          await nsMust(this.ns.censor, 'iptables', iptablesArgs(drop, '-D'));
          await nsMust(this.ns.censor, 'iptables', iptablesArgs(mark, '-D'));
          if (!this.applied.some((x) => x.do === 'freeze')) await this.segmentServers(false);
        }
        return;
      }
      case 'quic-sni':
        await this.quicSni(a.ip, a.sni, on);
        return;
      case 'tls-box':
        await this.tlsBox(a, on);
        return;
      case 'throttle':
        if (on) await this.shape(a.rate);
        for (const r of throttleRules(a)) await nsMust(this.ns.censor, 'iptables', iptablesArgs(r, on ? '-A' : '-D'));
        if (!on && !this.applied.some((x) => x.do === 'throttle')) await this.unshape();
        return;
    }
  }

  /**
   * While a freeze is applied, the servers send the client one TCP segment per packet: a GSO
   * super-packet (up to 64 KB) counts as one packet to connbytes, so the cut would land up to
   * 64 KB late. Only then: one-segment packets also make the loss scenario's drops fall per
   * segment, which it was not written for.
   */
  private async segmentServers(on: boolean): Promise<void> {
    if (on) {
      const link = await nsMust(this.ns.servers, 'ip', ['-d', 'link', 'show', 'dev', 'cen0']);
      this.gsoMaxSegs = /gso_max_segs (\d+)/.exec(link)?.[1] ?? '65535';
    }
    await nsMust(this.ns.servers, 'ip', ['link', 'set', 'dev', 'cen0', 'gso_max_segs', on ? '1' : this.gsoMaxSegs]);
  }

  /** Steers UDP/443 of `ip` through a relay of the censor's QUIC box that filters `sni`, or takes the name (and, with the last, the relay) away. */
  private async quicSni(ip: string, sni: string, on: boolean): Promise<void> {
    const have = this.quicRelays.get(ip);
    const names = on ? [...(have?.names ?? []), sni] : (have?.names ?? []).filter((n, i, all) => n !== sni || all.indexOf(sni) !== i);
    if (names.length) {
      const { port } = (await control(this.sockets.censor, '/quic-sni/relay', { upstream: ip, names })) as { port: number };
      if (!have) await nsMust(this.ns.censor, 'iptables', iptablesArgs(quicSniRedirect(ip, port), '-A'));
      this.quicRelays.set(ip, { port, names });
    } else if (have) {
      await nsMust(this.ns.censor, 'iptables', iptablesArgs(quicSniRedirect(ip, have.port), '-D'));
      await control(this.sockets.censor, '/quic-sni/unrelay', { upstream: ip });
      this.quicRelays.delete(ip);
    }
  }

  /**
   * Puts an address behind a TLS box relay with the rules of every applied tls-box action on
   * it (this one added or taken away), or, with the last one gone, takes the relay away.
   */
  private async tlsBox(a: Extract<CensorAction, { do: 'tls-box' }>, on: boolean): Promise<void> {
    const key = `${a.ns} ${a.ip}`;
    const same = (x: CensorAction): x is typeof a => x.do === 'tls-box' && x.ns === a.ns && x.ip === a.ip;
    const others = this.applied.filter((x) => same(x) && x !== a) as (typeof a)[];
    const actions = on ? [...others, a] : others;
    const port = this.tlsRelays.get(key);
    const socket = this.sockets[a.ns];
    if (actions.length) {
      const rules = resolveProfiles(actions.flatMap((x) => x.rules));
      const { port: relayPort } = (await control(socket, '/tls-box/relay', { upstream: a.ip, rules })) as { port: number };
      if (port === undefined) await nsMust(this.ns[a.ns], 'iptables', iptablesArgs(tlsBoxRedirect(a.ns, a.ip, relayPort), '-A'));
      this.tlsRelays.set(key, relayPort);
    } else if (port !== undefined) {
      await nsMust(this.ns[a.ns], 'iptables', iptablesArgs(tlsBoxRedirect(a.ns, a.ip, port), '-D'));
      await control(socket, '/tls-box/unrelay', { upstream: a.ip });
      this.tlsRelays.delete(key);
    }
  }

  /** What a TLS box (the censor's, or the servers' own) has done, per address. */
  async tlsBoxStats(ns: 'censor' | 'servers' = 'censor'): Promise<Record<string, TlsRelayStats>> {
    return (await control(this.sockets[ns], '/tls-box/stats')) as Record<string, TlsRelayStats>;
  }

  /** What the censor's QUIC box has relayed, per filtered address. */
  async quicSniStats(): Promise<Record<string, QuicRelayStats>> {
    return (await control(this.sockets.censor, '/quic-sni/stats')) as Record<string, QuicRelayStats>;
  }

  /** An htb qdisc on the censor's client-facing link: marked flows share one slow class, the rest pass. */
  private async shape(rate: string): Promise<void> {
    const tc = (args: string[]) => nsMust(this.ns.censor, 'tc', args);
    if (!this.throttling) {
      await tc(['qdisc', 'replace', 'dev', 'cli0', 'root', 'handle', '1:', 'htb', 'default', '1']);
      await tc(['class', 'add', 'dev', 'cli0', 'parent', '1:', 'classid', '1:1', 'htb', 'rate', '10gbit', 'quantum', '60000']);
      await tc(['class', 'add', 'dev', 'cli0', 'parent', '1:', 'classid', THROTTLE_CLASS, 'htb', 'rate', rate, 'ceil', rate, 'quantum', '1514']);
      this.throttling = true;
    } else {
      await tc(['class', 'change', 'dev', 'cli0', 'parent', '1:', 'classid', THROTTLE_CLASS, 'htb', 'rate', rate, 'ceil', rate, 'quantum', '1514']);
    }
  }

  private async unshape(): Promise<void> {
    await nsRun(this.ns.censor, 'tc', ['qdisc', 'del', 'dev', 'cli0', 'root']);
    this.throttling = false;
  }

  /** Runs a command in the client namespace (the vantage). */
  exec(cmd: string, args: string[], opts?: { timeoutMs?: number }): Promise<RunResult> {
    return nsRun(this.ns.client, cmd, args, opts);
  }

  /** Runs a long-lived command in the client namespace, e.g. the daemon. */
  spawn(cmd: string, args: string[]): ChildProcess {
    const child = nsSpawn(this.ns.client, cmd, args);
    this.procs.push(child);
    return child;
  }

  /** Runs `blockwatch check --format json` in the client namespace for the given apps (with the lab's config, or another from configFor()). */
  async check(apps: string[], opts: { vantages?: string[]; timeoutMs?: number; configFile?: string } = {}): Promise<CheckResult> {
    const args = [CLI(), 'check', '--config', opts.configFile ?? this.configFile, '--format', 'json'];
    for (const a of apps) args.push('--app', a);
    for (const v of opts.vantages ?? []) args.push('--vantage', v);
    const r = await this.exec(process.execPath, args, { timeoutMs: opts.timeoutMs ?? 120_000 });
    let report: Report | null = null;
    try {
      report = JSON.parse(r.stdout) as Report;
    } catch {
      // left null: the caller reports stdout and stderr
    }
    return { code: r.code, report, stdout: r.stdout, stderr: r.stderr };
  }

  readonly webhookSink = {
    received: async (): Promise<ReceivedPost[]> => (await control(this.sockets.abroad, '/webhook/received')) as ReceivedPost[],
    clear: async (): Promise<void> => void (await control(this.sockets.abroad, '/webhook/clear', {})),
    setStatus: async (code: number): Promise<void> => void (await control(this.sockets.abroad, '/webhook/status', { code })),
    url: `http://${A.WEBHOOK_SINK}:${A.WEBHOOK_PORT}/hook`,
  };

  /** Stops the services, deletes the namespaces (and with them every rule and qdisc) and the lab folder. */
  async down(): Promise<void> {
    process.removeListener('exit', this.onExit);
    for (const p of this.procs) if (p.exitCode === null) p.kill('SIGKILL');
    await destroyTopology(this.ns);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The same, synchronously, for process exit after a crash. */
  private downSync(): void {
    for (const p of this.procs) if (p.exitCode === null) p.kill('SIGKILL');
    for (const role of ROLES) {
      try {
        const pids = execFileSync('ip', ['netns', 'pids', this.ns[role]], { encoding: 'utf8' });
        for (const pid of pids.split('\n').map(Number).filter((x) => x > 0)) process.kill(pid, 'SIGKILL');
        execFileSync('ip', ['netns', 'del', this.ns[role]], { stdio: 'ignore' });
      } catch {
        // already gone
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}


