// Golden files: recorded measurements with their controls and diagnosis, and the verdict each must get.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { classifyTarget } from '../../src/analysis/index.js';
import type { AnalysisInput } from '../../src/analysis/index.js';
import { loadFingerprints } from '../../src/config/fingerprints.js';
import { PATTERNS, type DecidingDiagnosis, type Pattern, type TargetStatus, type ThrottleBasis } from '../../src/model/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const dir = join(here, 'analysis');

interface Golden {
  name: string;
  description: string;
  input: Omit<AnalysisInput, 'fingerprints'>;
  /** `diagnosis`, where given, is the follow-up that must have decided (null: none did). */
  expected: { status: TargetStatus; pattern: Pattern | null; diagnosis?: DecidingDiagnosis | null; basis?: ThrottleBasis | null };
}

const fingerprints = loadFingerprints(join(here, 'fingerprints'));
const goldens: Golden[] = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Golden);

describe('golden measurements', () => {
  it('loads the fixture fingerprints without error', () => {
    expect(fingerprints.errors).toEqual([]);
  });

  it.each(goldens.map((g) => [g.name, g] as const))('%s', (_name, g) => {
    const v = classifyTarget({ ...g.input, fingerprints: fingerprints.db });
    const got: Record<string, unknown> = { status: v.status, pattern: v.pattern };
    if ('diagnosis' in g.expected) got.diagnosis = v.diagnosis;
    if ('basis' in g.expected) got.basis = v.basis;
    expect(got).toEqual(g.expected);
    expect(v.id).toBe(g.input.measurement.target.id);
    expect(v.failure).toBe(g.input.measurement.failure);
    expect(v.operation).toBe(g.input.measurement.operation);
  });

  it('covers every blocking pattern as blocked at least once', () => {
    const blocked = new Set(goldens.filter((g) => g.expected.status === 'blocked').map((g) => g.expected.pattern));
    expect(PATTERNS.filter((p) => !blocked.has(p))).toEqual([]);
  });

  it('covers outages and offline vantages', () => {
    const statuses = new Set(goldens.map((g) => g.expected.status));
    for (const s of ['ok', 'anomaly', 'blocked', 'down', 'unknown'] as const) expect(statuses).toContain(s);
  });
});
