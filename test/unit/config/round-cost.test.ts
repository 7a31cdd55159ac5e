// What `validate` says one round asks of the network per vantage, and which handshakes and connects repeat one another.
import { describe, expect, it } from 'vitest';
import { roundCost, roundCostLine } from '../../../src/config/round-cost.js';
import { readConfig } from '../../../src/config/load.js';
import type { App, Target } from '../../../src/model/index.js';

const app = (id: string, targets: Target[]): App => ({ id, name: id, sources: [], targets, groups: {}, file: `${id}.yaml` });

describe('a round’s cost', () => {
  it('counts lookups (A and AAAA per name, none for an address), connects, handshakes and hellos by target kind', () => {
    const c = roundCost([
      app('a', [
        { id: 'web', kind: 'https', url: 'https://web.example/' },
        { id: 'api', kind: 'tls', host: 'web.example', port: 443 },
        { id: 'fp', kind: 'tls', host: '192.0.2.1', port: 443, sni: 'web.example', hello: 'chromium' },
        { id: 'dc', kind: 'tcp', host: 'web.example', port: 443 },
        { id: 'mt', kind: 'mtproto', host: '192.0.2.2', port: 443 },
        { id: 'name', kind: 'dns', host: 'web.example', queryTypes: ['A'] },
        { id: 'h3', kind: 'quic', host: 'web.example', port: 443 },
        { id: 'stun', kind: 'udp', host: '192.0.2.3', port: 3478 },
      ]),
    ]);
    expect(c).toEqual({
      targets: 8,
      lookups: 2 + 2 + 0 + 2 + 0 + 1 + 2 + 0,
      tcpConnects: 5,
      tlsHandshakes: 2,
      helloExchanges: 1,
      quicInitials: 1,
      stunRequests: 1,
      sameHelloAsHttps: ['a/api'],
      sameConnectAsTls: ['a/dc'],
    });
  });

  it('does not count a tls target with another SNI, port, hello or ECH as the https target’s hello', () => {
    const c = roundCost([
      app('a', [
        { id: 'web', kind: 'https', url: 'https://web.example:8443/' },
        { id: 'port', kind: 'tls', host: 'web.example', port: 443 },
        { id: 'sni', kind: 'tls', host: 'web.example', port: 8443, sni: 'other.example' },
        { id: 'ech', kind: 'tls', host: 'web.example', port: 8443, ech: 'grease' },
        { id: 'same', kind: 'tls', host: 'web.example', port: 8443 },
      ]),
    ]);
    expect(c.sameHelloAsHttps).toEqual(['a/same']);
    expect(c.helloExchanges).toBe(1);
  });

  it('is said for the shipped catalogues: no handshake or connect of theirs repeats another', () => {
    const { config } = readConfig('config/blockwatch.yaml');
    const c = roundCost(config!.apps);
    expect(c.targets).toBe(config!.apps.reduce((n, a) => n + a.targets.length, 0));
    expect([c.sameHelloAsHttps, c.sameConnectAsTls]).toEqual([[], []]);
    expect(roundCostLine(c)).toMatch(/^a round asks, per vantage, before any follow-up: \d+ name lookups, \d+ TCP connects, \d+ TLS handshakes through node:tls, .*no tls target repeats an https target's ClientHello; no tcp target repeats the connect of a tls or https target$/);
  });
});
