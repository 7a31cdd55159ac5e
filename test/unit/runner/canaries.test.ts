/**
 * Vantage states from real canaries on loopback: online when a foreign canary answers,
 * walled when only domestic ones do (after the re-probe), offline otherwise, and an
 * offline vantage's reason from what answered, the host's own routes and the other vantages.
 */
import type { Socket } from 'node:net';
import { createServer, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Canary, Config, Target, Vantage } from '../../../src/model/index.js';
import { Round } from '../../../src/runner/round.js';
import { closeTransports, makeTransports } from '../../../src/runner/transports.js';
import { startDnsServer, type DnsServer } from '../../support/dns-server.js';
import { testPki } from '../../support/tls-servers.js';
import { acceptSilently, closedPort, neverAccepting, serve, type Listener } from '../../support/tcp-servers.js';
import { config as baseConfig, vantage } from '../metrics/fixture.js';

const { ca, leaf } = testPki(['domestic.test', 'foreign.test', 'flaky.test', 'silent.test']);

/** A TLS server that counts connections; it resets the first `resetFirst` of them, as a lost handshake would look. */
async function tlsServer(resetFirst = 0): Promise<Listener & { connections: () => number }> {
  let n = 0;
  const server = createServer({ cert: leaf.cert, key: leaf.key }, (s: TLSSocket) => s.on('error', () => {}));
  server.on('tlsClientError', () => {});
  server.on('connection', (s: Socket) => {
    s.on('error', () => {});
    if (++n <= resetFirst) s.resetAndDestroy();
  });
  const l = await serve(server as never, '127.0.0.1');
  return { ...l, connections: () => n };
}

let dns: DnsServer;
let domestic: Awaited<ReturnType<typeof tlsServer>>;
let foreign: Awaited<ReturnType<typeof tlsServer>>;
let silentTcp: Listener;
let refused: number;

beforeAll(async () => {
  // Names resolve to loopback, except silent.test, whose queries the resolver never answers.
  dns = await startDnsServer((name) => (name === 'silent.test' ? { kind: 'silent' } : { kind: 'answer', a: ['127.0.0.1'] }));
  domestic = await tlsServer();
  foreign = await tlsServer();
  silentTcp = await acceptSilently();
  refused = await closedPort();
});

afterAll(async () => {
  await Promise.all([dns.close(), domestic.close(), foreign.close(), silentTcp.close()]);
});

const tls = (id: string, host: string, port: number, sni = host.endsWith('.test') ? host : 'foreign.test'): Target => ({ id, kind: 'tls', host, port, sni });
const canary = (target: Target, scope: Canary['scope'] = 'foreign', vantages: string[] | null = null): Canary => ({ target, scope, vantages, vantageLabels: null });
const isp = (over: Partial<Vantage> = {}): Vantage => vantage('isp', { resolver: { type: 'udp', host: '127.0.0.1', port: dns.port }, ...over });

function config(canaries: Canary[], vantages: Vantage[] = [isp()]): Config {
  const c = baseConfig({ apps: [], vantages, canaries, tls: { extraCA: [ca.cert] } });
  // Canaries that answer must do so within the deadline, on a loaded machine too (a loopback TLS
  // handshake took up to 0.55 s with four cores' worth of busy threads on two); silent ones end at it.
  return { ...c, schedule: { ...c.schedule, timeoutMs: 3000 }, alerts: { ...c.alerts, confirm: { attempts: 2, spacingMs: 50 } } };
}

/** The state of vantage `id` as one round reports it. */
async function stateOf(c: Config, id = 'isp') {
  const transports = makeTransports(c);
  try {
    return await new Round(c, transports, new AbortController().signal).vantageState(transports.vantages.get(id)!);
  } finally {
    await closeTransports(transports);
  }
}

describe('vantage state', () => {
  it('is online when a foreign canary answers, whatever the domestic ones do', async () => {
    const s = await stateOf(config([canary(tls('foreign', 'foreign.test', foreign.port)), canary(tls('domestic', '127.0.0.1', refused), 'domestic')]));
    expect(s).toMatchObject({ id: 'isp', online: true, state: 'online', reason: null });
    expect(s.canaries).toEqual([
      { id: 'foreign', scope: 'foreign', status: 'ok', failure: null, operation: null },
      { id: 'domestic', scope: 'domestic', status: 'failed', failure: 'connection_refused', operation: 'connect' },
    ]);
  });

  it('is walled when domestic canaries answer and every foreign one fails on every re-probe; domestic ones are not probed again', async () => {
    const d = await tlsServer();
    const before = foreign.connections();
    const s = await stateOf(
      config([canary(tls('example', '127.0.0.1', silentTcp.port)), canary(tls('gosuslugi', 'domestic.test', d.port), 'domestic'), canary(tls('quad9', '127.0.0.1', refused))]),
    );
    await d.close();
    expect(s).toMatchObject({ online: true, state: 'walled', reason: null });
    expect(s.canaries).toEqual([
      { id: 'example', scope: 'foreign', status: 'failed', failure: 'generic_timeout_error', operation: 'tls_handshake' },
      { id: 'gosuslugi', scope: 'domestic', status: 'ok', failure: null, operation: null },
      { id: 'quad9', scope: 'foreign', status: 'failed', failure: 'connection_refused', operation: 'connect' },
    ]);
    expect(d.connections()).toBe(1);
    expect(foreign.connections()).toBe(before);
  });

  it('is online, not walled, when a foreign canary that failed once answers the re-probe (a lost packet)', async () => {
    const flaky = await tlsServer(1);
    const s = await stateOf(config([canary(tls('flaky', 'flaky.test', flaky.port)), canary(tls('domestic', 'domestic.test', domestic.port), 'domestic')]));
    await flaky.close();
    expect(s).toMatchObject({ online: true, state: 'online' });
    expect(flaky.connections()).toBe(2);
  });

  it('is online when only domestic canaries apply and one answers: walled needs a foreign canary to fail', async () => {
    const s = await stateOf(config([canary(tls('domestic', 'domestic.test', domestic.port), 'domestic')]));
    expect(s).toMatchObject({ online: true, state: 'online' });
  });

  it('uses only the canaries that apply to the vantage', async () => {
    const c = config([canary(tls('foreign', 'foreign.test', foreign.port), 'foreign', ['abroad']), canary(tls('domestic', 'domestic.test', domestic.port), 'domestic', ['isp'])], [
      isp(),
      vantage('abroad', { resolver: { type: 'udp', host: '127.0.0.1', port: dns.port } }),
    ]);
    expect((await stateOf(c, 'isp')).canaries?.map((x) => x.id)).toEqual(['domestic']);
    expect((await stateOf(c, 'abroad')).canaries?.map((x) => x.id)).toEqual(['foreign']);
  });

  it('is online with no canaries at all, as before canaries had scopes', async () => {
    expect(await stateOf(config([]))).toMatchObject({ online: true, state: 'online', reason: null, canaries: [] });
  });
});

describe('offline reason', () => {
  it('is unknown when the canaries fail but something answers (a refusal, the resolver)', async () => {
    const s = await stateOf(config([canary(tls('a', '127.0.0.1', refused)), canary(tls('b', '127.0.0.1', refused), 'domestic')]));
    expect(s).toMatchObject({ online: false, state: 'offline', reason: 'unknown' });
  });

  it('is silent when nothing answers, resolver included, and no other vantage of the host is online', async () => {
    const s = await stateOf(config([canary(tls('a', 'silent.test', foreign.port)), canary(tls('b', 'silent.test', domestic.port), 'domestic')]));
    expect(s).toMatchObject({ online: false, state: 'offline', reason: 'silent' });
    expect(s.canaries?.map((x) => `${x.id}:${x.failure}@${x.operation}`)).toEqual(['a:generic_timeout_error@resolve', 'b:generic_timeout_error@resolve']);
  });

  it('is shutdown when nothing answers while another vantage on this host is online', async () => {
    const c = config([canary(tls('a', 'silent.test', foreign.port), 'foreign', ['isp']), canary(tls('b', 'foreign.test', foreign.port), 'foreign', ['abroad'])], [
      isp(),
      vantage('abroad', { resolver: { type: 'udp', host: '127.0.0.1', port: dns.port }, control: true }),
    ]);
    expect(await stateOf(c)).toMatchObject({ state: 'offline', reason: 'shutdown' });
  });

  it('asks the resolver itself when no canary needed it: its answer makes address-only silence unknown, its silence keeps it silent', async () => {
    // SYNs to a full accept queue are dropped: a connect timeout that stays on loopback.
    const full = await neverAccepting();
    await full.fill();
    try {
      const answered = await stateOf(config([canary(tls('ip', '127.0.0.1', full.port, 'domestic.test'))]));
      expect(answered).toMatchObject({ state: 'offline', reason: 'unknown' });
      expect(answered.canaries).toEqual([{ id: 'ip', scope: 'foreign', status: 'failed', failure: 'generic_timeout_error', operation: 'connect' }]);
      const seen = dns.seen.length;
      expect(await stateOf(config([canary(tls('ip', '127.0.0.1', full.port, 'silent.test'))]))).toMatchObject({ state: 'offline', reason: 'silent' });
      expect(dns.seen.slice(seen)).toContain('silent.test/A');
    } finally {
      await full.close();
    }
  });

  it('is link when the host has no route for the vantage: its source address is gone from this host', async () => {
    // 203.0.113.0/24 (TEST-NET-3, RFC 5737) is on no interface here: binding to it fails, nothing leaves.
    const s = await stateOf(config([canary(tls('a', '127.0.0.1', foreign.port)), canary(tls('b', 'domestic.test', domestic.port), 'domestic')], [isp({ localAddress: '203.0.113.7' })]));
    expect(s).toMatchObject({ online: false, state: 'offline', reason: 'link' });
  });
});
