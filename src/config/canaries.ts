/** Validates the canaries: each a target, its scope (foreign or domestic) and the vantages it applies to. */
import { z } from 'zod';
import { CANARY_SCOPES, type Canary, type Target, type Vantage } from '../model/index.js';
import { found, type ConfigIssue } from './issues.js';
import { fromZod, joinPath } from './issue-path.js';
import { id } from './schema.js';
import { checkUniqueIds, parseTarget } from './targets.js';

/** The keys a canary adds to a catalogue target's shape. */
const scopeSchema = z.object({
  scope: z
    .enum(CANARY_SCOPES, {
      error: (i) =>
        `found ${found(i.input)}, expected foreign or domestic; domestic means a service inside the country of the vantages it applies to ` +
        '(it stays reachable under destination allowlisting); leave it out for foreign',
    })
    .default('foreign'),
  vantages: z.array(id()).min(1, 'list at least one vantage id, or leave vantages out').optional(),
  vantageLabels: z
    .record(z.string().min(1), z.union([z.string(), z.number()]).transform(String))
    .refine((r) => Object.keys(r).length > 0, 'give at least one label, e.g. { country: RU }, or leave vantageLabels out to apply to every vantage')
    .optional(),
});

const SCOPE_KEYS = ['scope', 'vantages', 'vantageLabels'] as const;

/** Parses `canaries:`; pushes an issue (file, field, fix) for each problem, and returns the canaries that are sound. */
export function parseCanaries(raw: unknown[], vantages: readonly Vantage[], file: string, caBase: string, issues: ConfigIssue[]): Canary[] {
  const canaries: Canary[] = [];
  const paths: string[] = [];
  const known = vantages.map((v) => v.id);
  raw.forEach((item, i) => {
    const path = `canaries[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      issues.push({ file, path, message: `found ${found(item)}, expected a canary such as { id: example, kind: https, url: "https://www.example.com/" }` });
      return;
    }
    const fields: Record<string, unknown> = {};
    const targetFields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(item)) ((SCOPE_KEYS as readonly string[]).includes(k) ? fields : targetFields)[k] = v;
    const scope = scopeSchema.safeParse(fields, { reportInput: true });
    if (!scope.success) issues.push(...fromZod(file, path, scope.error));
    const target: Target | null = parseTarget(targetFields, file, path, caBase, issues);
    if (!scope.success || !target) return;
    const listed = scope.data.vantages ?? null;
    let sound = true;
    listed?.forEach((v, j) => {
      if (known.includes(v)) return;
      sound = false;
      issues.push({ file, path: joinPath(path, `vantages[${j}]`), message: `found "${v}", expected a vantage of this file: ${known.join(', ')}` });
    });
    if (!sound) return;
    canaries.push({ target, scope: scope.data.scope, vantages: listed, vantageLabels: scope.data.vantageLabels ?? null });
    paths.push(path);
  });
  checkUniqueIds(
    canaries.map((c) => c.target),
    paths,
    file,
    issues,
  );
  return canaries;
}
