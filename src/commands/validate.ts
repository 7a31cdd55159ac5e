/** `blockwatch validate`: loads config, catalogues and fingerprints and reports every problem. */
import { readConfig } from '../config/load.js';
import { shippedHelloProfiles } from '../config/hellos.js';
import { formatIssue } from '../config/issues.js';
import { evidenceDirProblem } from '../evidence/folder.js';
import { profileHasEch } from '../net/tls-hello/index.js';
import { roundCost, roundCostLine } from '../config/round-cost.js';
import { canariesOf, type Config } from '../model/index.js';

export function validate(configPath: string, out: NodeJS.WritableStream, err: NodeJS.WritableStream): number {
  const { config, issues } = readConfig(configPath);
  // Judged as this user, without making the folder: the daemon may run as another one.
  const unwritable = config?.evidence ? evidenceDirProblem(config.evidence.dir, { create: false }) : null;
  if (unwritable) issues.push({ file: config!.file, path: 'evidence.dir', message: unwritable });
  if (!config || unwritable) {
    err.write(`${issues.length} problem${issues.length === 1 ? '' : 's'} found:\n`);
    for (const i of issues) err.write(`  ${formatIssue(i)}\n`);
    return 2;
  }
  const targets = config.apps.reduce((n, a) => n + a.targets.length, 0);
  out.write(
    `${config.file}: ok — ${config.apps.length} apps, ${targets} targets, ${config.vantages.length} vantages, ` +
      `${config.canaries.length} canaries, ${config.fingerprints.dns.length + config.fingerprints.http.length} fingerprints\n`,
  );
  out.write(`  ${roundCostLine(roundCost(config.apps))}\n`);
  for (const s of config.fingerprintSources) {
    const replaced = s.replaced.length ? `; replaces ${s.replaced.join(', ')}` : '';
    out.write(`  fingerprints: ${s.file} (${s.shipped ? 'shipped, ' : ''}${s.count}${replaced})\n`);
  }
  if (!config.fingerprintSources.some((s) => s.shipped)) {
    out.write('  note: the shipped fingerprint database is off: known blockpages and blockpage addresses are recognised only from your own files\n');
  }
  for (const line of helloLines()) out.write(`  ${line}\n`);
  if (config.canaries.length === 0) {
    const why = config.canariesReason === undefined ? '' : ` (${config.canariesReason})`;
    out.write(`  note: no canaries${why}; an offline vantage cannot be told from a blocked app, and reads as every app down\n`);
  }
  for (const c of config.canaries.filter((c) => c.target.kind === 'tcp' || c.target.kind === 'dns')) {
    out.write(`  note: canary "${c.target.id}" is a ${c.target.kind} check; captive portals and transparent proxies make those succeed offline: prefer https or tls\n`);
  }
  if (config.limits.stallMs >= config.schedule.timeoutMs) {
    out.write(`  note: limits.stall (${config.limits.stallMs} ms) is not shorter than schedule.timeout (${config.schedule.timeoutMs} ms): a frozen transfer ends at the deadline instead, and reads as http.timeout, not tls.freeze\n`);
  }
  for (const note of canaryNotes(config)) out.write(`  note: ${note}\n`);
  if (!config.vantages.some((v) => v.control)) out.write('  note: no control vantage; failures without an unambiguous signature stay "anomaly"\n');
  return 0;
}

/** One line per hello profile a tls target can name: who writes it, its JA4 and JA3, whether JA3 holds. */
export function helloLines(): string[] {
  return [...shippedHelloProfiles().profiles.values()].map((p) => {
    const how = p.engine === 'node:tls' ? 'node:tls, the default' : `hand-written${profileHasEch(p) ? ', GREASE ECH' : ''}`;
    const ja3 = p.shuffle ? `JA3 ${p.ja3} of the listed order (shuffles its extensions: JA3 changes per connection, JA4 does not)` : `JA3 ${p.ja3}`;
    return `hello: ${p.name} (${how}): JA4 ${p.ja4}, ${ja3}`;
  });
}

/** What the canary scopes leave unsaid: a vantage that cannot be told walled, a canary no vantage uses. */
export function canaryNotes(config: Config): string[] {
  const notes: string[] = [];
  if (config.canaries.length === 0) return notes;
  for (const v of config.vantages) {
    const mine = canariesOf(config.canaries, v);
    if (mine.length === 0) notes.push(`no canary applies to vantage "${v.id}": it is always taken to be online`);
    else if (mine.every((c) => c.scope === 'domestic')) {
      notes.push(`vantage "${v.id}" has only domestic canaries: it cannot be told walled from online; add a foreign one`);
    }
  }
  for (const c of config.canaries) {
    if (!config.vantages.some((v) => canariesOf([c], v).length > 0)) {
      notes.push(`canary "${c.target.id}" applies to no vantage in this file (a fleet's shared list may mean that)`);
    }
  }
  return notes;
}
