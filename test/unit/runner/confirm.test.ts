// Which observations are probed again inside the round before their verdict stands (schedule/confirm.ts).
import { describe, expect, it } from 'vitest';
import type { TargetStatus } from '../../../src/model/index.js';
import type { Concluded } from '../../../src/runner/round.js';
import { needsConfirmation } from '../../../src/schedule/confirm.js';

const seen = (status: TargetStatus): Concluded => ({ app: 'a', vantage: 'v', target: { id: 't', kind: 'tcp', host: 'h.test', port: 443 }, verdict: { status } as Concluded['verdict'] });

describe('needsConfirmation', () => {
  it('confirms a first failure of any bad kind, after a good round or none', () => {
    for (const now of ['blocked', 'down', 'anomaly'] as const) {
      for (const previous of [undefined, 'ok', 'unknown'] as const) expect(needsConfirmation(seen(now), previous)).toBe(true);
    }
  });

  it('never confirms what is not bad', () => {
    for (const now of ['ok', 'unknown'] as const) {
      for (const previous of [undefined, 'ok', 'blocked', 'down', 'anomaly', 'unknown'] as const) expect(needsConfirmation(seen(now), previous)).toBe(false);
    }
  });

  it('confirms a block or an outage that follows an anomaly: one lost packet after another must not page', () => {
    expect(needsConfirmation(seen('blocked'), 'anomaly')).toBe(true);
    expect(needsConfirmation(seen('down'), 'anomaly')).toBe(true);
  });

  it('confirms a change between block and outage, and not a block or an outage that goes on', () => {
    expect(needsConfirmation(seen('down'), 'blocked')).toBe(true);
    expect(needsConfirmation(seen('blocked'), 'down')).toBe(true);
    expect(needsConfirmation(seen('blocked'), 'blocked')).toBe(false);
    expect(needsConfirmation(seen('down'), 'down')).toBe(false);
  });

  it('does not confirm an anomaly that goes on, nor one after a block or an outage', () => {
    for (const previous of ['anomaly', 'blocked', 'down'] as const) expect(needsConfirmation(seen('anomaly'), previous)).toBe(false);
  });
});
