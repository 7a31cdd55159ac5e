/** Loads the config file and everything it points at, reporting every problem at once. */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { AlertsConfig, App, Config, FingerprintDb, FingerprintSource, Receiver, ServerConfig, Vantage } from '../model/index.js';
import { parseCanaries } from './canaries.js';
import { loadCatalogues } from './catalogue.js';
import { mergeFingerprints } from './fingerprints.js';
import { shippedHelloProfiles } from './hellos.js';
import { SHIPPED_FINGERPRINTS } from '../package-root.js';
import { ConfigError, type ConfigIssue } from './issues.js';
import { fromZod } from './issue-path.js';
import { configSchema, type RawConfig, type SecretRef } from './schema.js';
import { readPem } from './targets.js';
import { parseYamlFile } from './yaml-file.js';

export const DEFAULT_CONFIG = 'config/blockwatch.yaml';

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
  const doc = parseYamlFile(file, issues);
  if (doc === undefined) return { config: null, issues };
  const parsed = configSchema.safeParse(doc);
  if (!parsed.success) {
    issues.push(...fromZod(file, '', parsed.error));
    // Still check the catalogues, so that one run reports every problem.
    const probes = (doc as { probes?: unknown }).probes;
    const dir = resolve(dirname(file), typeof probes === 'string' ? probes : '../probes');
    if (existsSync(dir)) loadCatalogues(dir, issues);
    return { config: null, issues };
  }
  const config = resolveConfig(file, parsed.data, env, issues);
  return { config: issues.length ? null : config, issues };
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
  const all = existsSync(probesDir) ? loadCatalogues(probesDir, issues) : [];
  if (!existsSync(probesDir)) issues.push({ file, path: 'probes', message: `folder ${probesDir} does not exist` });
  const apps = selectApps(all, raw.apps, file, issues);

  const vantages = raw.vantages.map((v): Vantage => {
    const vantage: Vantage = { id: v.id, resolver: v.resolver, labels: v.labels, control: v.control };
    if (v.proxy) vantage.proxy = v.proxy;
    if (v.localAddress) vantage.localAddress = v.localAddress;
    return vantage;
  });
  checkUnique(vantages.map((v) => v.id), 'vantages', file, issues);

  // Without a trusted resolver, the host's own stands in (validate says so).
  const controlResolver = raw.control?.resolver ?? { type: 'system' };

  const canaries = parseCanaries(raw.canaries, vantages, file, base, issues);

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
      ...(raw.schedule.workers !== undefined ? { workers: raw.schedule.workers } : {}),
    },
    vantages,
    control: { resolver: controlResolver },
    canaries,
    tls: { extraCA },
    server,
    alerts,
    evidence: raw.evidence ? { dir: at(raw.evidence.dir), maxBytes: raw.evidence.maxBytes } : null,
    fingerprints,
    fingerprintSources,
    limits: { bodyBytes: raw.limits.bodyBytes, dnsReplyWindowMs: raw.limits.dnsReplyWindow, stallMs: raw.limits.stall, residualWaitMs: raw.limits.residualWait },
  };
}

function selectApps(all: App[], wanted: string[] | undefined, file: string, issues: ConfigIssue[]): App[] {
  if (!wanted) return all.filter((a) => !a.closed);
  const byId = new Map(all.map((a) => [a.id, a]));
  const out: App[] = [];
  wanted.forEach((id, i) => {
    const app = byId.get(id);
    if (!app) issues.push({ file, path: `apps[${i}]`, message: `no catalogue "${id}" in the probes folder; known: ${[...byId.keys()].join(', ') || 'none'}` });
    else if (app.closed) issues.push({ file, path: `apps[${i}]`, message: `"${id}" is a closed service (since ${app.closed.since}) and cannot be probed` });
    else out.push(app);
  });
  return out;
}

function checkUnique(ids: string[], field: string, file: string, issues: ConfigIssue[]): void {
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    if (seen.has(id)) issues.push({ file, path: `${field}[${i}].id`, message: `duplicate id "${id}"` });
    seen.add(id);
  });
}

/** Reads a secret from a file or the environment; the value never appears in messages. */
function readSecret(ref: SecretRef, base: string, file: string, path: string, env: NodeJS.ProcessEnv, issues: ConfigIssue[]): string {
  if ('env' in ref) {
    const v = env[ref.env];
    if (!v) issues.push({ file, path, message: `environment variable ${ref.env} is not set` });
    return v ?? '';
  }
  try {
    return readFileSync(resolve(base, ref.file), 'utf8').trim();
  } catch (err) {
    issues.push({ file, path, message: `cannot read secret file ${resolve(base, ref.file)}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` });
    return '';
  }
}

function resolveServer(raw: RawConfig, file: string, base: string, env: NodeJS.ProcessEnv, issues: ConfigIssue[]): ServerConfig {
  const server: ServerConfig = {
    host: raw.server.listen.host,
    port: raw.server.listen.port,
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
        issues.push({ file, path: field, message: `cannot read ${resolve(base, p)}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` });
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
    if (!existsSync(dir)) issues.push({ file, path: c.path, message: `folder ${dir} does not exist` });
    else add(dir, false);
  }
  const merged = mergeFingerprints(dirs);
  issues.push(...merged.errors);
  return { fingerprints: merged.db, fingerprintSources: merged.sources };
}
