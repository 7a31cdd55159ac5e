// Trials: a target probed several times in one round, confirmations as more trials, all within the round's bound.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { combineTrials } from '../../../src/analysis/index.js';
import type { TargetVerdict } from '../../../src/model/index.js';
import { runRound } from '../../../src/runner/round.js';
import { closeTransports, makeTransports } from '../../../src/runner/transports.js';
import { startDnsServer, type DnsServer } from '../../support/dns-server.js';
import { loopbackConfig } from '../../support/round.js';

const verdict = (status: TargetVerdict['status'], pattern: TargetVerdict['pattern'] = null): TargetVerdict => ({
  id: 't', kind: 'dns', input: 'x.test', status, pattern, failure: status === 'ok' ? null : 'dns_nxdomain_error', operation: status === 'ok' ? null : 'resolve',
  timings: { total: 0.01 }, evidence: {}, diagnosis: null, basis: null, trials: { run: 1, blocked: status === 'blocked' ? 1 : 0 },
});

describe('combining trials', () => {
  it('is blocked when every judged trial is blocked, counting an unknown trial as run but not judged', () => {
    const v = combineTrials([verdict('blocked', 'dns.nxdomain'), verdict('unknown'), verdict('blocked', 'dns.nxdomain')]);
    expect([v.status, v.pattern, v.trials]).toEqual(['blocked', 'dns.nxdomain', { run: 3, blocked: 2 }]);
    expect(v.evidence.intermittent).toBeUndefined();
  });

  it('is an intermittent anomaly, with the blocked trials\' pattern, when some trials are blocked and others ok', () => {
    const v = combineTrials([verdict('ok'), verdict('blocked', 'dns.nxdomain'), verdict('ok')]);
    expect([v.status, v.pattern, v.trials]).toEqual(['anomaly', 'dns.nxdomain', { run: 3, blocked: 1 }]);
    expect(v.evidence.intermittent).toEqual({ blocked: 1, judged: 3 });
    expect((v.evidence.trials as unknown[]).length).toBe(3);
  });

  it('is ok when no trial is blocked and one is ok', () => {
    const v = combineTrials([verdict('anomaly', 'dns.nxdomain'), verdict('ok')]);
    expect([v.status, v.pattern, v.trials]).toEqual(['ok', null, { run: 2, blocked: 0 }]);
  });

  it('keeps a single trial as it is', () => {
    const one = verdict('down');
    expect(combineTrials([one])).toEqual(one);
  });
});

describe('trials in a round, on loopback', () => {
  let lying: DnsServer;
  let truthful: DnsServer;
  let asked = 0;
  beforeAll(async () => {
    // The vantage's resolver says NXDOMAIN to every other A query for flaky.test; the trusted one always answers.
    lying = await startDnsServer((name, type) => {
      if (name.startsWith('blocked')) return { kind: 'rcode', rcode: 'NXDOMAIN' };
      if (type !== 'A') return { kind: 'answer' };
      return asked++ % 2 === 0 ? { kind: 'rcode', rcode: 'NXDOMAIN' } : { kind: 'answer', a: ['192.0.2.7'] };
    });
    truthful = await startDnsServer(() => ({ kind: 'answer', a: ['192.0.2.7'] }));
  });
  afterAll(async () => {
    await lying?.close();
    await truthful?.close();
  });

  it('runs schedule.trials probes of a target and reports a block seen in some of them as intermittent, with the count', async () => {
    asked = 0;
    const config = loopbackConfig({
      dnsPort: lying.port,
      controlDnsPort: truthful.port,
      targets: '  - { id: flaky, kind: dns, host: flaky.test, queryTypes: [A] }',
      schedule: 'trials: 3, trialSpacing: 20ms',
      extra: 'canaries: []\ncanariesReason: "a loopback test: no uplink to check"\n',
    });
    const transports = makeTransports(config);
    const trialVerdicts: string[] = [];
    try {
      const concluded: string[] = [];
      const r = await runRound(config, transports, {
        onObservation: (o) => trialVerdicts.push(`${o.verdict.status}/${o.verdict.pattern}`),
        onConcluded: (o) => concluded.push(`${o.target.id} ${o.verdict.status}/${o.verdict.pattern} ${o.verdict.trials.blocked}/${o.verdict.trials.run}`),
      });
      expect(concluded).toEqual(['flaky anomaly/dns.nxdomain 2/3']);
      const t = r.report.apps[0].targets[0];
      expect(trialVerdicts).toEqual(['blocked/dns.nxdomain', 'ok/null', 'blocked/dns.nxdomain']);
      expect([t.status, t.pattern, t.trials]).toEqual(['anomaly', 'dns.nxdomain', { run: 3, blocked: 2 }]);
      expect(t.evidence.intermittent).toEqual({ blocked: 2, judged: 3 });
    } finally {
      await closeTransports(transports);
    }
  });

  it('runs confirmation re-probes as more trials inside the round, never more jobs at once than schedule.concurrency', async () => {
    const targets = Array.from({ length: 40 }, (_, i) => `  - { id: t${i}, kind: dns, host: blocked${i}.test, queryTypes: [A] }`).join('\n');
    const config = loopbackConfig({
      dnsPort: lying.port,
      controlDnsPort: truthful.port,
      targets,
      schedule: 'concurrency: 3',
      extra: 'canaries: []\ncanariesReason: "a loopback test: no uplink to check"\nalerts: { confirm: { attempts: 2, spacing: 10ms } }\nlimits: { dnsReplyWindow: 10ms }\n',
    });
    const transports = makeTransports(config);
    try {
      const r = await runRound(config, transports, { confirm: { ...config.alerts.confirm, needed: (o) => o.verdict.status === 'blocked' } });
      expect(r.confirmations).toBe(80);
      expect(r.peakInFlight).toBe(3);
      for (const t of r.report.apps[0].targets) expect([t.status, t.pattern, t.trials]).toEqual(['blocked', 'dns.nxdomain', { run: 3, blocked: 3 }]);
    } finally {
      await closeTransports(transports);
    }
  });
});
