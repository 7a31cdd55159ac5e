/** Loads app catalogues (probes/<id>.yaml), collecting every problem in every file. */
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { App, Target } from '../model/index.js';
import { found, type ConfigIssue } from './issues.js';
import { fromZod } from './issue-path.js';
import { catalogueSchema } from './schema.js';
import { checkUniqueIds, parseTarget, type PemCache } from './targets.js';
import { CONFIG_LIMITS } from './limits.js';
import { locateIssues, readYamlFile } from './yaml-file.js';

export interface Catalogues {
  /** The catalogues that loaded without a problem. */
  apps: App[];
  /** The id of every catalogue file in the folder (its name without .yaml), read or not. */
  known: string[];
  /** Ids of the files that were read and have problems (reported in the issues). */
  broken: Set<string>;
}

const catalogueId = (name: string): string => name.replace(/\.ya?ml$/, '');

/**
 * Loads the catalogues in `dir`: every one, or only those named in `only` (a config's `apps:`),
 * so that a stray file nobody asked for breaks nothing.
 */
export function loadCatalogues(dir: string, issues: ConfigIssue[], only?: readonly string[]): Catalogues {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.yaml') || n.endsWith('.yml')).sort();
  } catch (err) {
    issues.push({ file: dir, path: '', message: `cannot read the catalogue folder: ${(err as NodeJS.ErrnoException).code ?? String(err)}` });
    return { apps: [], known: [], broken: new Set() };
  }
  const apps: App[] = [];
  const broken = new Set<string>();
  const wanted = only ? names.filter((n) => only.includes(catalogueId(n))) : names;
  if (wanted.length > CONFIG_LIMITS.catalogues) {
    issues.push({ file: dir, path: '', message: `found ${wanted.length} catalogues to read, expected at most ${CONFIG_LIMITS.catalogues}: select apps with apps:, or move the others out of this folder` });
    return { apps: [], known: names.map(catalogueId), broken: new Set(wanted.map(catalogueId)) };
  }
  for (const name of wanted) {
    const app = loadCatalogue(join(dir, name), dir, issues);
    if (app) apps.push(app);
    else broken.add(catalogueId(name));
  }
  return { apps, known: names.map(catalogueId), broken };
}

export function loadCatalogue(file: string, probesDir: string, issues: ConfigIssue[]): App | null {
  const before = issues.length;
  const yaml = readYamlFile(file, issues, {
    maxBytes: CONFIG_LIMITS.catalogueBytes,
    what: 'a catalogue',
    fix: `keep an app to ${CONFIG_LIMITS.targetsPerCatalogue} targets at most, grouped; split a larger list over several apps`,
  });
  if (!yaml) return null;
  try {
    return parseCatalogue(yaml.value, file, probesDir, issues, before);
  } finally {
    locateIssues(yaml, issues, before);
  }
}

function parseCatalogue(doc: unknown, file: string, probesDir: string, issues: ConfigIssue[], before: number): App | null {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    issues.push({ file, path: '', message: `found ${found(doc)}, expected a catalogue: a mapping with id:, name:, sources: and targets: (see probes/README.md)` });
    return null;
  }
  const parsed = catalogueSchema.safeParse(doc, { reportInput: true });
  if (!parsed.success) {
    issues.push(...fromZod(file, '', parsed.error));
    return null;
  }
  const raw = parsed.data;
  const expectedId = catalogueId(basename(file));
  if (raw.id !== expectedId) issues.push({ file, path: 'id', message: `found "${raw.id}", expected "${expectedId}": a catalogue's id is its file name` });
  const targets: Target[] = [];
  const paths: string[] = [];
  const pems: PemCache = new Map();
  raw.targets.forEach((t, i) => {
    const target = parseTarget(t, file, `targets[${i}]`, probesDir, issues, pems);
    if (target) {
      targets.push(target);
      paths.push(`targets[${i}]`);
    }
  });
  checkUniqueIds(targets, paths, file, issues);
  if (!raw.closed && raw.targets.length === 0) issues.push({ file, path: 'targets', message: 'found no target: an app that is not closed needs at least one; add targets: [ { id: web, kind: https, url: "https://…" } ]' });
  // Groups as written, invalid targets included: a typo in a target is one problem, not also "no target in its group".
  const groups = new Set(raw.targets.map(groupOf).filter((g): g is string => g !== null));
  for (const g of Object.keys(raw.groups)) {
    if (!groups.has(g)) issues.push({ file, path: `groups.${g}`, message: `no target is in group "${g}": add group: ${g} to a target, or remove the entry` });
  }
  if (issues.length > before) return null;
  return { id: raw.id, name: raw.name, sources: raw.sources, closed: raw.closed, targets, groups: raw.groups as App['groups'], file };
}

/** The group a target as written is in (its id when it names none); null when it is no mapping. */
function groupOf(t: unknown): string | null {
  if (typeof t !== 'object' || t === null) return null;
  const { group, id } = t as { group?: unknown; id?: unknown };
  return typeof group === 'string' ? group : typeof id === 'string' ? id : null;
}
