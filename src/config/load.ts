/** Loads the config file and everything it points at, reporting every problem at once. */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { AlertsConfig, App, Config, FingerprintDb, FingerprintSource, Receiver, ServerConfig, Vantage } from '../model/index.js';
import { parseCanaries } from './canaries.js';
import { loadCatalogues, type Catalogues } from './catalogue.js';
import { mergeFingerprints } from './fingerprints.js';
import { shippedHelloProfiles } from './hellos.js';
import { SHIPPED_FINGERPRINTS } from '../package-root.js';
import { ConfigError, found, type ConfigIssue } from './issues.js';
import { CONFIG_LIMITS } from './limits.js';
import { fromZod } from './issue-path.js';
import { configSchema, type RawConfig, type SecretRef } from './schema.js';
import { readPem } from './targets.js';
import { parseListen } from './transport.js';
import { locateIssues, readYamlFile } from './yaml-file.js';

export const DEFAULT_CONFIG = 'config/blockwatch.yaml';

/** What every config must say: where probes leave from and what tells that a vantage is online (or why nothing does). */
const WHAT_IT_WANTS =
  'a config that says what it watches from: vantages: (where probes leave from, e.g. [ { id: direct } ]) and canaries: ' +
  '(targets that show a vantage is online), or canaries: [] with canariesReason: "why none"; config/blockwatch.yaml is an example';

/** `$BLOCKWATCH_CONFIG`, else config/blockwatch.yaml. */
export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.BLOCKWATCH_CONFIG || DEFAULT_CONFIG;
}

export interface LoadResult {
  config: Config | null;
  issues: ConfigIssue[];
}

/** Loads and validates; never throws for a bad config (issues say what is wrong). */
export function readConfig(path: string, env: NodeJS.ProcessEnv = process.env): LoadResult {
  const file = resolve(path);
  const issues: ConfigIssue[] = [];
  const yaml = readYamlFile(file, issues, { maxBytes: CONFIG_LIMITS.configBytes, what: 'a config file', fix: 'targets belong in catalogues (probes/<id>.yaml)' });
  if (!yaml) return { config: null, issues };
  const config = parseConfig(yaml.value, file, env, issues);
  locateIssues(yaml, issues);
  return { config: issues.length ? null : config, issues };
}

function parseConfig(doc: unknown, file: string, env: NodeJS.ProcessEnv, issues: ConfigIssue[]): Config | null {
  if (doc === null) {
    issues.push({ file, path: '', message: `found nothing (an empty file, only comments, or ---), expected ${WHAT_IT_WANTS}` });
    return null;
  }
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    issues.push({ file, path: '', message: `found ${found(doc)}, expected a mapping of settings (probes:, vantages:, canaries: …): see config/blockwatch.yaml` });
    return null;
  }
  // A truncated file (cut after probes: or schedule:) must not pass for a config without canaries.
  if (!('vantages' in doc) && !('canaries' in doc) && !('canariesReason' in doc)) {
    issues.push({ file, path: '', message: `found neither vantages: nor canaries:, expected ${WHAT_IT_WANTS}` });
  }
  const parsed = configSchema.safeParse(doc, { reportInput: true });
  if (!parsed.success || issues.length > 0) {
    if (!parsed.success) issues.push(...fromZod(file, '', parsed.error));
    // Still check the catalogues it asks for, so that one run reports every problem.
    const { probes, apps } = doc as { probes?: unknown; apps?: unknown };
    const dir = resolve(dirname(file), typeof probes === 'string' ? probes : '../probes');
    const only = Array.isArray(apps) && apps.every((a) => typeof a === 'string') ? (apps as string[]) : undefined;
    if (existsSync(dir)) loadCatalogues(dir, issues, only);
    return null;
  }
  return resolveConfig(file, parsed.data, env, issues);
}

/** Loads and validates; throws ConfigError carrying every issue. */
export function loadConfig(path: string, env: NodeJS.ProcessEnv = process.env): Config {
  const { config, issues } = readConfig(path, env);
  if (!config) throw new ConfigError(issues);
  return config;
}

function resolveConfig(file: string, raw: RawConfig, env: NodeJS.ProcessEnv, issues: ConfigIssue[]): Config {
  const base = dirname(file);
  const at = (p: string) => resolve(base, p);
  const probesDir = at(raw.probes);

  // A shipped profile that does not load is a problem of every config (tls targets name them).
  issues.push(...shippedHelloProfiles().issues);
  const catalogues = existsSync(probesDir) ? loadCatalogues(probesDir, issues, raw.apps) : { apps: [], known: [], broken: new Set<string>() };
  if (!existsSync(probesDir)) issues.push({ file, path: 'probes', message: `found no folder ${probesDir}: write the path of the catalogue folder, relative to this file` });
  const apps = selectApps(catalogues, raw.apps, file, issues);
  const targetCount = apps.reduce((n, a) => n + a.targets.length, 0);
  if (targetCount > CONFIG_LIMITS.targets) {
    issues.push({ file, path: raw.apps ? 'apps' : 'probes', message: `found ${targetCount} targets in the apps selected, expected at most ${CONFIG_LIMITS.targets}: select fewer apps, or split the probing over several hosts` });
  }
  if (existsSync(probesDir) && !raw.apps && catalogues.broken.size === 0 && apps.length === 0) {
    issues.push({ file, path: 'probes', message: `found no catalogue to probe in ${probesDir}, expected probes/<id>.yaml files: point probes: at the catalogue folder` });
  }

  const vantages = raw.vantages.map((v): Vantage => {
    const vantage: Vantage = { id: v.id, resolver: v.resolver, labels: v.labels, control: v.control };
    if (v.proxy) vantage.proxy = v.proxy;
    if (v.localAddress) vantage.localAddress = v.localAddress;
    return vantage;
  });
  checkUnique(vantages.map((v) => v.id), 'vantages', file, issues);

  // Without a trusted resolver, the host's own stands in (validate says so).
  const controlResolver = raw.control?.resolver ?? { type: 'system' };

  const canaries = parseCanaries(raw.canaries ?? [], vantages, file, base, issues);
  if (raw.canaries?.length === 0 && raw.canariesReason === undefined) {
    issues.push({
      file,
      path: 'canaries',
      message: 'found an empty list, expected canaries, or canariesReason: "why none" beside it: without canaries an offline vantage reads as every app down',
    });
  }
  if (raw.canariesReason !== undefined && raw.canaries?.length) {
    issues.push({ file, path: 'canariesReason', message: `found a reason for having no canaries beside ${raw.canaries.length}: remove canariesReason` });
  }

  const caFiles = raw.tls.extraCA === undefined ? [] : Array.isArray(raw.tls.extraCA) ? raw.tls.extraCA : [raw.tls.extraCA];
  const extraCA = caFiles
    .map((p, i) => readPem(at(p), file, Array.isArray(raw.tls.extraCA) ? `tls.extraCA[${i}]` : 'tls.extraCA', issues))
    .filter((p): p is string => p !== null);

  const server = resolveServer(raw, file, base, env, issues);
  const alerts = resolveAlerts(raw, server, file, env, issues);

  const { fingerprints, fingerprintSources } = resolveFingerprints(raw, file, probesDir, at, issues);

  return {
    file,
    probesDir,
    apps,
    schedule: {
      cron: raw.schedule.cron,
      jitterMs: raw.schedule.jitter,
      concurrency: raw.schedule.concurrency,
      timeoutMs: raw.schedule.timeout,
      trials: raw.schedule.trials,
      trialSpacingMs: raw.schedule.trialSpacing,
      blockedRatioWindowMs: raw.schedule.blockedRatioWindow,
      ...(raw.schedule.workers !== undefined ? { workers: raw.schedule.workers } : {}),
    },
    vantages,
    control: { resolver: controlResolver },
    canaries,
    ...(raw.canariesReason !== undefined ? { canariesReason: raw.canariesReason } : {}),
    tls: { extraCA },
    server,
    alerts,
    evidence: raw.evidence ? { dir: at(raw.evidence.dir), maxBytes: raw.evidence.maxBytes } : null,
    fingerprints,
    fingerprintSources,
    limits: { bodyBytes: raw.limits.bodyBytes, dnsReplyWindowMs: raw.limits.dnsReplyWindow, stallMs: raw.limits.stall, residualWaitMs: raw.limits.residualWait },
  };
}

function selectApps(catalogues: Catalogues, wanted: string[] | undefined, file: string, issues: ConfigIssue[]): App[] {
  if (!wanted) return catalogues.apps.filter((a) => !a.closed);
  const byId = new Map(catalogues.apps.map((a) => [a.id, a]));
  const out: App[] = [];
  wanted.forEach((id, i) => {
    const app = byId.get(id);
    // A catalogue with problems has had them reported: it exists.
    if (!app && catalogues.broken.has(id)) return;
    if (!app) issues.push({ file, path: `apps[${i}]`, message: `found "${id}", expected an app of the probes folder: ${catalogues.known.join(', ') || 'it has no catalogue'}` });
    else if (app.closed) issues.push({ file, path: `apps[${i}]`, message: `found "${id}", a closed service (since ${app.closed.since}) that cannot be probed: remove it from apps` });
    else out.push(app);
  });
  return out;
}

function checkUnique(ids: string[], field: string, file: string, issues: ConfigIssue[]): void {
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    if (seen.has(id)) issues.push({ file, path: `${field}[${i}].id`, message: `found "${id}" again, expected a unique id: rename one` });
    seen.add(id);
  });
}

/** Reads a secret from a file or the environment; the value never appears in messages. */
function readSecret(ref: SecretRef, base: string, file: string, path: string, env: NodeJS.ProcessEnv, issues: ConfigIssue[]): string {
  if ('env' in ref) {
    const v = env[ref.env];
    if (!v) issues.push({ file, path, message: `found no environment variable ${ref.env}: set it, or read the secret from a file with { file: PATH }` });
    return v ?? '';
  }
  try {
    return readFileSync(resolve(base, ref.file), 'utf8').trim();
  } catch (err) {
    issues.push({ file, path, message: `cannot read secret file ${resolve(base, ref.file)}: ${(err as NodeJS.ErrnoException).code ?? String(err)}; check the path and that this user may read it` });
    return '';
  }
}

/**
 * Where the daemon listens when the config does not say: this host only. Its status page
 * tells anyone who can reach it what is watched, which matters on a probe host inside a
 * censored country. The container image sets $BLOCKWATCH_LISTEN to 0.0.0.0:9464, inside its
 * own network.
 */
export const DEFAULT_LISTEN = '127.0.0.1:9464';

function listenOf(raw: RawConfig, file: string, env: NodeJS.ProcessEnv, issues: ConfigIssue[]): { host: string; port: number } {
  if (raw.server.listen) return raw.server.listen;
  const fromEnv = env.BLOCKWATCH_LISTEN;
  const parsed = parseListen(fromEnv || DEFAULT_LISTEN);
  if (parsed.ok) return parsed.value;
  // Only an address from the environment can fail to parse here.
  issues.push({ file, path: 'server.listen', message: `found BLOCKWATCH_LISTEN=${JSON.stringify(fromEnv)} in the environment (used as server.listen is not set), expected HOST:PORT such as 0.0.0.0:9464` });
  return { host: '127.0.0.1', port: 9464 };
}

function resolveServer(raw: RawConfig, file: string, base: string, env: NodeJS.ProcessEnv, issues: ConfigIssue[]): ServerConfig {
  const listen = listenOf(raw, file, env, issues);
  const server: ServerConfig = {
    host: listen.host,
    port: listen.port,
    enableReload: raw.server.enableReload,
    page: { history: raw.server.page.history, refreshMs: raw.server.page.refresh },
    maxConnections: raw.server.maxConnections,
  };
  const auth = raw.server.auth;
  if (auth && 'bearerToken' in auth) server.auth = { type: 'bearer', token: readSecret(auth.bearerToken, base, file, 'server.auth.bearerToken', env, issues) };
  if (auth && 'basic' in auth)
    server.auth = { type: 'basic', username: auth.basic.username, password: readSecret(auth.basic.password, base, file, 'server.auth.basic.password', env, issues) };
  if (raw.server.tls) {
    const read = (p: string, field: string) => {
      try {
        return readFileSync(resolve(base, p), 'utf8');
      } catch (err) {
        issues.push({ file, path: field, message: `cannot read ${resolve(base, p)}: ${(err as NodeJS.ErrnoException).code ?? String(err)}; check the path and that this user may read it` });
        return '';
      }
    };
    server.tls = { cert: read(raw.server.tls.certFile, 'server.tls.certFile'), key: read(raw.server.tls.keyFile, 'server.tls.keyFile') };
  }
  return server;
}

function resolveAlerts(raw: RawConfig, server: ServerConfig, file: string, env: NodeJS.ProcessEnv, issues: ConfigIssue[]): AlertsConfig {
  const a = raw.alerts;
  const receivers: Receiver[] = a.receivers.map((r, i) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.headers)) {
      headers[k.toLowerCase()] = typeof v === 'string' ? v : readSecret(v, dirname(file), file, `alerts.receivers[${i}].headers.${k}`, env, issues);
    }
    return { name: r.name, type: r.type, url: r.url, headers, timeoutMs: r.timeout };
  });
  checkUnique(receivers.map((r) => r.name), 'alerts.receivers', file, issues);
  const host = server.host === '0.0.0.0' || server.host === '::' ? 'localhost' : server.host;
  return {
    confirm: { attempts: a.confirm.attempts, spacingMs: a.confirm.spacing },
    resolveAfter: a.resolveAfter,
    repeatMs: a.repeat,
    resendMs: a.resend,
    receivers,
    externalUrl: raw.server.externalUrl ?? `${server.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${server.port}`,
  };
}

/**
 * The fingerprint database: the shipped one (unless `fingerprints: { shipped: false }`), then
 * the catalogue folder's own `fingerprints/` when it is another folder, then the configured
 * folders. Detection must not depend on where a catalogue lives.
 */
function resolveFingerprints(
  raw: RawConfig,
  file: string,
  probesDir: string,
  at: (p: string) => string,
  issues: ConfigIssue[],
): { fingerprints: FingerprintDb; fingerprintSources: FingerprintSource[] } {
  const spec = raw.fingerprints;
  const shipped = typeof spec === 'object' ? spec.shipped : true;
  const configured = spec === undefined ? [] : typeof spec === 'string' ? [{ dir: spec, path: 'fingerprints' }] : spec.dirs.map((d, i) => ({ dir: d, path: `fingerprints.dirs[${i}]` }));
  const real = (p: string): string => (existsSync(p) ? realpathSync(p) : p);
  const dirs: { dir: string; shipped: boolean }[] = [];
  const add = (dir: string, isShipped: boolean): void => {
    if (!dirs.some((d) => real(d.dir) === real(dir))) dirs.push({ dir, shipped: isShipped });
  };
  if (shipped) add(SHIPPED_FINGERPRINTS, true);
  const own = resolve(probesDir, 'fingerprints');
  if (existsSync(own)) add(own, real(own) === real(SHIPPED_FINGERPRINTS));
  for (const c of configured) {
    const dir = at(c.dir);
    if (!existsSync(dir)) issues.push({ file, path: c.path, message: `found no folder ${dir}: write the path of a folder with dns.yaml or http.yaml, relative to this file` });
    else add(dir, false);
  }
  const merged = mergeFingerprints(dirs);
  issues.push(...merged.errors);
  return { fingerprints: merged.db, fingerprintSources: merged.sources };
}
