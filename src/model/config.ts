/** The loaded, validated configuration (config/schema.ts turns YAML into this). */
import type { App } from './app.js';
import type { Canary } from './canary.js';
import type { FingerprintDb, FingerprintSource } from './fingerprint.js';
import type { ResolverSpec, Vantage } from './vantage.js';

export interface Receiver {
  name: string;
  type: 'webhook' | 'alertmanager';
  url: string;
  /** Extra headers, e.g. Authorization (values never logged). */
  headers: Record<string, string>;
  timeoutMs: number;
}

export interface AlertsConfig {
  confirm: { attempts: number; spacingMs: number };
  resolveAfter: number;
  repeatMs: number;
  /** Alertmanager clients re-send firing alerts; default 1m. */
  resendMs: number;
  receivers: Receiver[];
  /** Base of generatorURL, e.g. http://probe-1:9464 */
  externalUrl: string;
}

export interface ServerConfig {
  host: string;
  port: number;
  /** Bearer token or basic auth; secrets already read from file/env. */
  auth?: { type: 'bearer'; token: string } | { type: 'basic'; username: string; password: string };
  tls?: { cert: string; key: string };
  /** Enables POST /-/reload. */
  enableReload: boolean;
  /** The status page; absent: DEFAULT_PAGE. */
  page?: PageConfig;
  /** Open connections at most; at the cap the one idle longest is closed (default 256, server/limits.ts). */
  maxConnections?: number;
}

/** Caps and timers every probe reads under. */
export interface Limits {
  /** Body bytes read, kept, hashed and matched per HTTP response (and the most a freeze check reads). */
  bodyBytes: number;
  /** How long UDP DNS listens for extra (injected) replies after the first. */
  dnsReplyWindowMs: number;
  /** A body read with no byte for this long has stalled: what a freeze looks like. */
  stallMs: number;
  /**
   * How long to wait before asking an innocuous follow-up again when it failed right after the
   * blocked attempt (a residual block may have tainted it); absent or 0: not asked again.
   */
  residualWaitMs?: number;
}

/** The status page at / and /apps/<id>. */
export interface PageConfig {
  /** Rounds kept per vantage, app and target for the history strip. */
  history: number;
  /** Meta refresh of the page in milliseconds; 0: none. */
  refreshMs: number;
}

/**
 * The window blockwatch_target_blocked_ratio is taken over, when schedule.blockedRatioWindow is
 * not set. BlockwatchIntermittentBlocking's `for:` (30m) must stay above 0.8 × the window, or
 * the ramp of every steady block through the 0.1–0.9 band raises it.
 */
export const DEFAULT_BLOCKED_RATIO_WINDOW_MS = 15 * 60_000;

/** Between two trials of one target in a round, when schedule.trialSpacing is not set. */
export const DEFAULT_TRIAL_SPACING_MS = 2000;

export const DEFAULT_PAGE: PageConfig = { history: 30, refreshMs: 60_000 };

export interface Config {
  /** Absolute path of the YAML file. */
  file: string;
  probesDir: string;
  apps: App[];
  /**
   * workers: probe worker threads (0: probe in the main thread); absent: one per core.
   * trials: probes of each target per round (absent: 1), trialSpacingMs apart (absent: DEFAULT_TRIAL_SPACING_MS).
   * blockedRatioWindowMs: the window of blockwatch_target_blocked_ratio (absent: DEFAULT_BLOCKED_RATIO_WINDOW_MS).
   */
  schedule: { cron: string; jitterMs: number; concurrency: number; timeoutMs: number; workers?: number; trials?: number; trialSpacingMs?: number; blockedRatioWindowMs?: number };
  vantages: Vantage[];
  control: { resolver: ResolverSpec };
  canaries: Canary[];
  /** Why the config has no canaries (`canaries: []` with `canariesReason:`); absent otherwise. */
  canariesReason?: string;
  tls: { extraCA: string[] };
  server: ServerConfig;
  alerts: AlertsConfig;
  evidence: { dir: string; maxBytes: number } | null;
  fingerprints: FingerprintDb;
  /** The files the database was built from, shipped first. */
  fingerprintSources: FingerprintSource[];
  limits: Limits;
}
