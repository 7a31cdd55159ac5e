// A round whose trusted resolver never answers: the report says the control is missing, and no target is blocked or down for it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRound } from '../../../src/runner/round.js';
import { closeTransports, makeTransports } from '../../../src/runner/transports.js';
import { startDnsServer, type DnsServer } from '../../support/dns-server.js';
import { loopbackConfig } from '../../support/round.js';

describe('a control resolver that cannot be reached', () => {
  let lying: DnsServer;
  let silent: DnsServer;
  beforeAll(async () => {
    lying = await startDnsServer(() => ({ kind: 'rcode', rcode: 'NXDOMAIN' }));
    silent = await startDnsServer(() => ({ kind: 'silent' }));
  });
  afterAll(async () => {
    await lying?.close();
    await silent?.close();
  });

  it('leaves the NXDOMAIN an anomaly with the reason, and the report says the resolver was unreachable', async () => {
    const config = loopbackConfig({
      dnsPort: lying.port,
      controlDnsPort: silent.port,
      timeout: '1500ms',
      targets: '  - { id: gone, kind: dns, host: gone.test, queryTypes: [A] }',
      extra: 'canaries: []\n',
    });
    const transports = makeTransports(config);
    try {
      const r = await runRound(config, transports);
      const t = r.report.apps[0].targets[0];
      expect([t.status, t.pattern]).toEqual(['anomaly', 'dns.nxdomain']);
      expect(t.evidence.controlMissing).toEqual(['control resolver: no reply (generic_timeout_error)']);
      expect(r.report.controls).toEqual({ resolver: 'unreachable', vantagesMissing: [] });
    } finally {
      await closeTransports(transports);
    }
  });

  it('says the resolver was reachable when it answered', async () => {
    const config = loopbackConfig({ dnsPort: lying.port, targets: '  - { id: gone, kind: dns, host: gone.test, queryTypes: [A] }', extra: 'canaries: []\n' });
    const transports = makeTransports(config);
    try {
      const r = await runRound(config, transports);
      expect(r.report.apps[0].targets[0].status).toBe('down');
      expect(r.report.controls).toEqual({ resolver: 'reachable', vantagesMissing: [] });
    } finally {
      await closeTransports(transports);
    }
  });
});
