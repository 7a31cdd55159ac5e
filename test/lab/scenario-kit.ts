/** Small builders for writing scenarios and their expected verdicts as data. */
import type { CatalogueTarget, ExpectedApp, ExpectedDetail, ExpectedTarget, LabPattern } from './scenario-types.js';

export const ok: ExpectedTarget = ['ok', null];
export const down: ExpectedTarget = ['down', null];
export const blocked = (p: LabPattern, detail?: ExpectedDetail): ExpectedTarget => (detail ? ['blocked', p, detail] : ['blocked', p]);

/** Every target ok and the app reachable: what an uncensored path sees. */
export const allOk = (targets: CatalogueTarget[]): ExpectedApp => ({
  app: 'reachable',
  targets: Object.fromEntries(targets.map((t) => [t.id, ok])),
});

/** Every target down and the app down: what both vantages see of an outage. */
export const allDown = (targets: CatalogueTarget[]): ExpectedApp => ({
  app: 'down',
  targets: Object.fromEntries(targets.map((t) => [t.id, down])),
});

/** An address of the servers namespace. */
export const addr = (n: number): string => `198.18.1.${n}`;
