/** The loaded, validated configuration (config/schema.ts turns YAML into this). */
import type { App } from './app.js';
import type { Canary } from './canary.js';
import type { FingerprintDb } from './fingerprint.js';
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
}

export interface Config {
  /** Absolute path of the YAML file. */
  file: string;
  probesDir: string;
  apps: App[];
  schedule: { cron: string; jitterMs: number; concurrency: number; timeoutMs: number };
  vantages: Vantage[];
  control: { resolver: ResolverSpec };
  canaries: Canary[];
  tls: { extraCA: string[] };
  server: ServerConfig;
  alerts: AlertsConfig;
  evidence: { dir: string; maxBytes: number } | null;
  fingerprints: FingerprintDb;
  /** Body bytes kept per HTTP response for hashing and matching. */
  limits: { bodyBytes: number; dnsReplyWindowMs: number };
}
