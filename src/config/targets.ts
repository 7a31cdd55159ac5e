/** Validates one target (catalogue entry or canary) and reads the trust anchors it names. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { TARGET_KINDS, type Target, type TlsTarget } from '../model/index.js';
import type { ConfigIssue } from './issues.js';
import { fromZod, joinPath } from './issue-path.js';
import { shippedHelloProfiles } from './hellos.js';
import { targetSchemas } from './schema.js';

/** Reads a PEM file; pushes an issue when it cannot. */
export function readPem(path: string, file: string, field: string, issues: ConfigIssue[]): string | null {
  try {
    const text = readFileSync(path, 'utf8');
    if (!text.includes('-----BEGIN CERTIFICATE-----')) {
      issues.push({ file, path: field, message: `${path} holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)` });
      return null;
    }
    return text;
  } catch (err) {
    issues.push({ file, path: field, message: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` });
    return null;
  }
}

export function parseTarget(raw: unknown, file: string, path: string, caBase: string, issues: ConfigIssue[]): Target | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    issues.push({ file, path, message: 'expected a target such as { id: web, kind: https, url: "https://…" }' });
    return null;
  }
  const kind = (raw as { kind?: unknown }).kind;
  if (!TARGET_KINDS.includes(kind as never)) {
    issues.push({ file, path: joinPath(path, 'kind'), message: `expected one of ${TARGET_KINDS.join(', ')}; got ${JSON.stringify(kind)}` });
    return null;
  }
  const parsed = targetSchemas[kind as Target['kind']].safeParse(raw);
  if (!parsed.success) {
    issues.push(...fromZod(file, path, parsed.error));
    return null;
  }
  const t = parsed.data as Target & { ca?: string[] };
  if (t.kind === 'tls' && !helloKnown(t, file, path, issues)) return null;
  if ((t.kind === 'tls' || t.kind === 'https') && t.ca) {
    const pems = t.ca.map((p, i) => readPem(resolve(caBase, p), file, joinPath(path, `ca[${i}]`), issues));
    if (pems.some((p) => p === null)) return null;
    t.ca = pems as string[];
  }
  return t;
}

/** A tls target's `hello` names a loaded profile, and `ech` goes with a hand-written one. */
function helloKnown(t: TlsTarget, file: string, path: string, issues: ConfigIssue[]): boolean {
  const { profiles } = shippedHelloProfiles();
  const name = t.hello ?? 'node';
  const profile = profiles.get(name);
  if (t.hello !== undefined && !profile) {
    issues.push({ file, path: joinPath(path, 'hello'), message: `no hello profile "${t.hello}": expected one of ${[...profiles.keys()].join(', ') || 'none (probes/hellos/ is empty)'}` });
    return false;
  }
  if (t.ech !== undefined && (!profile || profile.engine === 'node:tls')) {
    issues.push({ file, path: joinPath(path, 'ech'), message: `node:tls cannot send ECH: set hello to a hand-written profile (${[...profiles.values()].filter((p) => p.engine === 'hand').map((p) => p.name).join(', ')}), or remove ech` });
    return false;
  }
  return true;
}

/** Checks that ids are unique in a list of targets. */
export function checkUniqueIds(targets: Target[], rawPaths: string[], file: string, issues: ConfigIssue[]): void {
  const seen = new Map<string, number>();
  targets.forEach((t, i) => {
    const first = seen.get(t.id);
    if (first !== undefined) issues.push({ file, path: joinPath(rawPaths[i], 'id'), message: `duplicate id "${t.id}" (also at ${rawPaths[first]})` });
    else seen.set(t.id, i);
  });
}
