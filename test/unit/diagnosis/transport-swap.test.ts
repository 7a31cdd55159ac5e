// The MTProto transport swap: a censor that reads the protocol drops the plain transport and lets obfuscated2 through.
import { createServer, connect, type Server, type Socket, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyTarget, planDiagnosis } from '../../../src/analysis/index.js';
import { runDiagnosis } from '../../../src/diagnosis/run.js';
import { mtprotoEngine } from '../../../src/engines/mtproto.js';
import type { MtprotoTarget } from '../../../src/model/index.js';
import { startDnsServer, type DnsServer } from '../../support/dns-server.js';
import { startMtprotoServer, type MtprotoServer } from '../../support/mtproto-server.js';
import { makeContext } from '../../support/probe-context.js';

/** A DPI box on loopback: flows whose first bytes are MTProto's intermediate or abridged tag go silent; the rest reach the peer. */
function startDpiBox(upstream: number): Promise<{ port: number; server: Server; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    sockets.add(client);
    client.on('error', () => {});
    client.once('data', (first: Buffer) => {
      if (first.subarray(0, 4).equals(Buffer.from('eeeeeeee', 'hex')) || first[0] === 0xef) return; // hold the flow, say nothing
      const up = connect(upstream, '127.0.0.1');
      sockets.add(up);
      up.on('error', () => client.destroy());
      up.write(first);
      client.pipe(up).pipe(client);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as AddressInfo).port, server, sockets })));
}

let dns: DnsServer;
let peer: MtprotoServer;
let box: Awaited<ReturnType<typeof startDpiBox>>;
beforeAll(async () => {
  dns = await startDnsServer(() => ({ kind: 'rcode', rcode: 'NXDOMAIN' }));
  peer = await startMtprotoServer();
  box = await startDpiBox(peer.port);
});
afterAll(async () => {
  for (const s of box?.sockets ?? []) s.destroy();
  await new Promise((r) => box?.server.close(r));
  await peer?.close();
  await dns?.close();
});

describe('MTProto behind a censor that reads the protocol', () => {
  it('is app.dpi, decided by the transport swap: intermediate unanswered, obfuscated2 answered on the same address', async () => {
    const target: MtprotoTarget = { id: 'dc2', kind: 'mtproto', host: '127.0.0.1', port: box.port, transport: 'intermediate', dc: 2 };
    const m = await mtprotoEngine(target, makeContext({ dns, timeoutMs: 1500 }));
    expect([m.failure, m.operation]).toEqual(['generic_timeout_error', 'mtproto_handshake']);
    const requests = planDiagnosis(m, null);
    expect(requests.map((r) => r.step)).toEqual(['transport_swap', 'transport_repeat']);
    const vantage = makeContext({ dns, timeoutMs: 3000 });
    const diagnosis = await runDiagnosis(requests, { vantage, control: null, controlResolver: vantage.resolver, controlMeasurement: async () => null, budgetMs: 3000 });
    expect(diagnosis.map((s) => `${s.step} ${s.outcome}`)).toEqual(['transport_swap success', 'transport_repeat failure']);
    const v = classifyTarget({ measurement: m, vantageOnline: true, controlQueries: null, control: null, diagnosis, fingerprints: { dns: [], http: [] } });
    expect([v.status, v.pattern, v.diagnosis]).toEqual(['blocked', 'app.dpi', 'transport_swap']);
  });

  it('never swaps an obfuscated2 target that the peer leaves unanswered: app.timeout, anomaly without a control', async () => {
    peer.setMode('silent');
    try {
      const target: MtprotoTarget = { id: 'dc2', kind: 'mtproto', host: '127.0.0.1', port: peer.port, transport: 'obfuscated2', dc: 2 };
      const m = await mtprotoEngine(target, makeContext({ dns, timeoutMs: 1200 }));
      const requests = planDiagnosis(m, null);
      expect(requests.map((r) => r.step)).toEqual(['transport_repeat']);
      const v = classifyTarget({ measurement: m, vantageOnline: true, controlQueries: null, control: null, diagnosis: [], fingerprints: { dns: [], http: [] } });
      expect([v.status, v.pattern]).toEqual(['anomaly', 'app.timeout']);
    } finally {
      peer.setMode('answer');
    }
  });
});
