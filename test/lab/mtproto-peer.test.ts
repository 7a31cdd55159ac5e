// The lab's MTProto peer on loopback: it answers req_pq_multi on each address it is given, and a rule makes it a
// censor for the censored path only (scope client) or an outage for everyone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mtprotoEngine } from '../../src/engines/mtproto.js';
import type { Measurement } from '../../src/model/index.js';
import { DirectConnector } from '../../src/net/connectors/index.js';
import { startDnsServer, type DnsServer } from '../support/dns-server.js';
import { makeContext } from '../support/probe-context.js';
import { closedPort } from '../support/tcp-servers.js';
import { peerAddresses } from './peers.js';
import type { Scenario } from './scenario-types.js';
import { startMtprotoPeer, type MtprotoPeer } from './services/mtproto-peer.js';

let dns: DnsServer;
let peer: MtprotoPeer;
let port: number;

beforeAll(async () => {
  dns = await startDnsServer(() => ({ kind: 'rcode', rcode: 'NXDOMAIN' }));
  port = await closedPort();
  // The "censored path" is whatever comes from 127.0.0.1; a probe bound to 127.0.0.2 plays the control.
  peer = await startMtprotoPeer({ addresses: ['127.0.0.1', '127.0.0.3'], port, clientAddress: '127.0.0.1' });
});
afterAll(async () => {
  await peer.close();
  await dns.close();
});

function probeFrom(source: string, address = '127.0.0.1'): Promise<Measurement> {
  return mtprotoEngine({ id: 'dc2', kind: 'mtproto', host: address, port, transport: 'intermediate' }, makeContext({ dns, connector: new DirectConnector(source), timeoutMs: 1500 }));
}

describe('lab MTProto peer', () => {
  it('answers on every address it is given', async () => {
    for (const address of ['127.0.0.1', '127.0.0.3']) expect((await probeFrom('127.0.0.1', address)).app_exchanges![0].response).toBe('res_pq');
  });

  it('a client-scoped rule acts on the censored path only, on that address only', async () => {
    peer.setRule('127.0.0.1', { mode: 'reset', scope: 'client' });
    try {
      expect((await probeFrom('127.0.0.1')).failure).toBe('connection_reset');
      expect((await probeFrom('127.0.0.2')).failure).toBeNull();
      expect((await probeFrom('127.0.0.1', '127.0.0.3')).failure).toBeNull();
    } finally {
      peer.clearRules();
    }
  });

  it('an everyone-scoped rule is an outage the control sees too; clearing it restores the answer', async () => {
    peer.setRule('127.0.0.1', { mode: 'silent', scope: 'everyone' });
    expect((await probeFrom('127.0.0.1')).failure).toBe('generic_timeout_error');
    expect((await probeFrom('127.0.0.2')).failure).toBe('generic_timeout_error');
    peer.setRule('127.0.0.1', null);
    expect((await probeFrom('127.0.0.2')).failure).toBeNull();
  });

  it('refuses a rule for an address it does not listen on', () => {
    expect(() => peer.setRule('127.0.0.9', { mode: 'silent', scope: 'everyone' })).toThrow(/does not listen on 127\.0\.0\.9/);
  });
});

describe('where the lab starts its MTProto peer', () => {
  const scenario = (targets: Scenario['targets']): Scenario => ({
    name: 'mtp',
    description: 'd',
    why: 'w',
    hosts: { 'dc2.mtp.lab': '198.18.1.200', 'web.mtp.lab': '198.18.1.201' },
    targets,
    censor: [],
    expect: { isp: { app: 'reachable', targets: {} }, abroad: { app: 'reachable', targets: {} } },
  });

  it('on the address of every mtproto target, by name or address', () => {
    const s = scenario([
      { id: 'a', kind: 'mtproto', host: 'dc2.mtp.lab', port: 443 },
      { id: 'b', kind: 'mtproto', host: '198.18.1.202', port: 443, transport: 'obfuscated2' },
    ]);
    expect(peerAddresses([s]).mtproto).toEqual(['198.18.1.200', '198.18.1.202']);
  });

  it('refuses a port other than 443 and an address a QUIC peer holds', () => {
    expect(() => peerAddresses([scenario([{ id: 'a', kind: 'mtproto', host: 'dc2.mtp.lab', port: 80 }])])).toThrow(/443 only/);
    const shared = scenario([
      { id: 'a', kind: 'mtproto', host: 'dc2.mtp.lab', port: 443 },
      { id: 'h3', kind: 'quic', host: 'dc2.mtp.lab', port: 443 },
    ]);
    expect(() => peerAddresses([shared])).toThrow(/both a QUIC and an MTProto peer/);
  });
});
