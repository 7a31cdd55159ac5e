/** Loads app catalogues (probes/<id>.yaml), collecting every problem in every file. */
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { App, Target } from '../model/index.js';
import type { ConfigIssue } from './issues.js';
import { fromZod } from './issue-path.js';
import { catalogueSchema } from './schema.js';
import { checkUniqueIds, parseTarget } from './targets.js';
import { parseYamlFile } from './yaml-file.js';

export function loadCatalogues(dir: string, issues: ConfigIssue[]): App[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.yaml') || n.endsWith('.yml')).sort();
  } catch (err) {
    issues.push({ file: dir, path: '', message: `cannot read the catalogue folder: ${(err as NodeJS.ErrnoException).code ?? String(err)}` });
    return [];
  }
  const apps: App[] = [];
  for (const name of names) {
    const app = loadCatalogue(join(dir, name), dir, issues);
    if (app) apps.push(app);
  }
  return apps;
}

export function loadCatalogue(file: string, probesDir: string, issues: ConfigIssue[]): App | null {
  const doc = parseYamlFile(file, issues);
  if (doc === undefined) return null;
  const parsed = catalogueSchema.safeParse(doc);
  if (!parsed.success) {
    issues.push(...fromZod(file, '', parsed.error));
    return null;
  }
  const raw = parsed.data;
  const before = issues.length;
  const expectedId = basename(file).replace(/\.ya?ml$/, '');
  if (raw.id !== expectedId) issues.push({ file, path: 'id', message: `"${raw.id}" must match the file name ("${expectedId}")` });
  const targets: Target[] = [];
  const paths: string[] = [];
  raw.targets.forEach((t, i) => {
    const target = parseTarget(t, file, `targets[${i}]`, probesDir, issues);
    if (target) {
      targets.push(target);
      paths.push(`targets[${i}]`);
    }
  });
  checkUniqueIds(targets, paths, file, issues);
  if (!raw.closed && raw.targets.length === 0) issues.push({ file, path: 'targets', message: 'an app that is not closed needs at least one target' });
  const groups = new Set(targets.map((t) => t.group ?? t.id));
  for (const g of Object.keys(raw.groups)) {
    if (!groups.has(g)) issues.push({ file, path: `groups.${g}`, message: `no target is in group "${g}"` });
  }
  if (issues.length > before) return null;
  return { id: raw.id, name: raw.name, sources: raw.sources, closed: raw.closed, targets, groups: raw.groups as App['groups'], file };
}
