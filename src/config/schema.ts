/** The shapes of the YAML files (zod), before paths are resolved and files read. */
import { isIP } from 'node:net';
import cron from 'node-cron';
import { z } from 'zod';
import { DEFAULT_BLOCKED_RATIO_WINDOW_MS, DEFAULT_PAGE, DEFAULT_TRIAL_SPACING_MS } from '../model/config.js';
import { ECH_MODES, MTPROTO_TRANSPORTS } from '../model/target.js';
import { parseListen, parseProxy, parseResolver, type Parsed } from './transport.js';
import { CONFIG_LIMITS } from './limits.js';
import { parseDuration, parseRate, parseSize } from './units.js';

const ID = /^[a-z0-9][a-z0-9_-]*$/;
export const id = () => z.string().regex(ID, 'expected an id of lower-case letters, digits, "-" and "_"');

/** `500ms` as a person writes it back. */
const asDuration = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);

/**
 * A duration. `least` is the shortest that can work, with why (`0s` for a probe timeout
 * makes every probe fail at once and the vantage read offline); `zero` allows 0 as "off".
 */
export const duration = (least?: { ms: number; why: string; zero?: string }) =>
  z.string().transform((s, ctx) => {
    const ms = parseDuration(s);
    if (ms === null) {
      const negative = /^\s*-/.test(s);
      ctx.addIssue({ code: 'custom', message: `found "${s}", expected a ${negative ? 'positive ' : ''}duration: write it like 500ms, 10s, 5m or 4h` });
      return z.NEVER;
    }
    if (least && ms < least.ms && !(ms === 0 && least.zero)) {
      const off = least.zero ? `, or 0s ${least.zero}` : '';
      ctx.addIssue({ code: 'custom', message: `found "${s}", expected at least ${asDuration(least.ms)}${off}: ${least.why}` });
      return z.NEVER;
    }
    return ms;
  });

export const size = (least?: { bytes: number; as: string; why: string }) =>
  z.union([z.string(), z.number()]).transform((s, ctx) => {
    const n = parseSize(s);
    if (n === null) {
      ctx.addIssue({ code: 'custom', message: `found "${s}", expected a size: write it like 512KB, 64MB or 1GiB` });
      return z.NEVER;
    }
    if (least && n < least.bytes) {
      ctx.addIssue({ code: 'custom', message: `found "${s}", expected at least ${least.as}: ${least.why}` });
      return z.NEVER;
    }
    return n;
  });

export const rate = () =>
  z.string().transform((s, ctx) => {
    const n = parseRate(s);
    if (n === null) {
      ctx.addIssue({ code: 'custom', message: `found "${s}", expected a rate: write it like 1Mbit/s or 150kbit/s` });
      return z.NEVER;
    }
    return n;
  });

/** A string turned into a value by one of the transport parsers, its message as the issue. */
const parsedBy = <T>(parse: (text: string) => Parsed<T>) =>
  z.string().transform((s, ctx) => {
    const r = parse(s);
    if (!r.ok) {
      ctx.addIssue({ code: 'custom', message: r.message });
      return z.NEVER;
    }
    return r.value;
  });

const port = () => z.number().int().min(1).max(65535);
const hostname = () => z.string().min(1).regex(/^[A-Za-z0-9.:_-]+$/, 'expected a host name or an IP address');

// ---- catalogue targets (also used for canaries) ----

const targetBase = { id: id(), group: id().optional() };

export const dnsTarget = z.strictObject({
  ...targetBase,
  kind: z.literal('dns'),
  host: hostname(),
  queryTypes: z.array(z.enum(['A', 'AAAA'])).min(1).optional(),
});

export const tcpTarget = z.strictObject({ ...targetBase, kind: z.literal('tcp'), host: hostname(), port: port() });

export const tlsTarget = z.strictObject({
  ...targetBase,
  kind: z.literal('tls'),
  host: hostname(),
  port: port().default(443),
  sni: hostname().optional(),
  alpn: z.array(z.string().min(1)).optional(),
  ca: z.array(z.string()).optional(),
  // A profile of probes/hellos/ (checked against the loaded ones in targets.ts); default node.
  hello: id().optional(),
  ech: z.enum(ECH_MODES).optional(),
});

export const httpsTarget = z.strictObject({
  ...targetBase,
  kind: z.literal('https'),
  url: z.string().refine((u) => URL.canParse(u) && new URL(u).protocol === 'https:', 'expected an https:// URL'),
  ca: z.array(z.string()).optional(),
  transfer: z
    .strictObject({
      bytes: size({ bytes: 100_000, as: '100KB', why: 'a throughput check must move more than censors let through before a freeze (16–20KB)' }),
      floor: rate().optional(),
    })
    .optional(),
});

// STUN's default port over UDP is 3478 (RFC 8489 §9); call relays often listen elsewhere.
export const udpTarget = z.strictObject({ ...targetBase, kind: z.literal('udp'), host: hostname(), port: port().default(3478) });


/** A QUIC v1 Initial to host:port (UDP); sni defaults to host when it is a name, alpn to ["h3"]. */
export const quicTarget = z.strictObject({
  ...targetBase,
  kind: z.literal('quic'),
  host: hostname(),
  port: port().default(443),
  sni: hostname().optional(),
  // An ALPN protocol id is 1–255 bytes (RFC 7301 §3.1).
  alpn: z
    .array(z.string().refine((p) => Buffer.byteLength(p) >= 1 && Buffer.byteLength(p) <= 255, 'expected an ALPN protocol id of 1 to 255 bytes'))
    .min(1)
    .optional(),
});

/**
 * A data centre's id as MTProto writes it: 1–5, negative for a media DC, 10000 added for a
 * test DC (core.telegram.org/mtproto/mtproto-transports, "Transport obfuscation"; auth_key, step 4).
 */
export function isDcId(dc: number): boolean {
  const n = Math.abs(dc);
  return (n >= 1 && n <= 5) || (n >= 10_001 && n <= 10_005);
}

/** MTProto's first exchange (req_pq_multi → resPQ) to host:port over TCP; dc goes into an obfuscated2 header. */
export const mtprotoTarget = z.strictObject({
  ...targetBase,
  kind: z.literal('mtproto'),
  host: hostname(),
  port: port().default(443),
  transport: z.enum(MTPROTO_TRANSPORTS).default('intermediate'),
  dc: z
    .number()
    .int()
    .refine(isDcId, 'expected a data centre id: 1 to 5, negative (-1 to -5) for a media DC, 10001 to 10005 (or their negatives) for a test DC')
    .default(2),
});

export const targetSchemas = { dns: dnsTarget, tcp: tcpTarget, tls: tlsTarget, https: httpsTarget, udp: udpTarget, quic: quicTarget, mtproto: mtprotoTarget } as const;

export const catalogueSchema = z.strictObject({
  id: id(),
  name: z.string().min(1),
  sources: z.array(z.string().min(1)).min(1, 'list where the endpoints come from'),
  closed: z.strictObject({ since: z.string(), note: z.string() }).optional(),
  targets: z
    .array(z.unknown())
    .max(CONFIG_LIMITS.targetsPerCatalogue, `expected at most ${CONFIG_LIMITS.targetsPerCatalogue} targets: group redundant hosts, or split the app`)
    .default([]),
  groups: z.record(z.string(), z.strictObject({ essential: z.boolean().default(true) })).default({}),
});

// ---- the config file ----

const secret = z.union([
  z.strictObject({ file: z.string() }),
  z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name') }),
]);
export type SecretRef = z.infer<typeof secret>;

export const configSchema = z.strictObject({
  probes: z.string().default('../probes'),
  fingerprints: z
    .union([
      z.string(),
      z.strictObject({ shipped: z.boolean().default(true), dirs: z.array(z.string()).default([]) }),
    ])
    .optional(),
  apps: z
    .array(id())
    .min(1, 'expected at least one app id: leave apps out to probe every catalogue')
    .max(CONFIG_LIMITS.apps, `expected at most ${CONFIG_LIMITS.apps} app ids`)
    .optional(),
  schedule: z
    .strictObject({
      cron: z
        .string()
        .refine((c) => cron.validate(c), {
          error: (i) => `"${String(i.input)}" is not a cron expression; expected 5 fields (minute hour day month weekday) or 6 with seconds first, e.g. "*/1 * * * *"`,
        })
        .default('* * * * *'),
      jitter: duration().default(10_000),
      concurrency: z.number().int().min(1).max(10_000).default(64),
      // Probe worker threads; absent: one per core but the coordinator's, none on two cores or fewer; 0: probes run in the main thread.
      workers: z.number().int().min(0).max(64).optional(),
      timeout: duration({ ms: 100, why: 'a probe needs time to resolve, connect and finish a handshake; less fails every probe and reads as an offline vantage (default 10s)' }).default(10_000),
      // Probes of each target per round, spaced, in random order across vantages (DESIGN §14).
      trials: z.number().int().min(1).max(10).default(1),
      trialSpacing: duration().default(DEFAULT_TRIAL_SPACING_MS),
      // The window of blockwatch_target_blocked_ratio; keep BlockwatchIntermittentBlocking's for: above 0.8 × it.
      blockedRatioWindow: duration().default(DEFAULT_BLOCKED_RATIO_WINDOW_MS),
    })
    .prefault({}),
  vantages: z
    .array(
      z.strictObject({
        id: id(),
        resolver: parsedBy(parseResolver).default({ type: 'system' }),
        proxy: parsedBy(parseProxy).optional(),
        localAddress: z.string().refine((a) => isIP(a) !== 0, 'expected an IP address to bind to').optional(),
        labels: z.record(z.string(), z.union([z.string(), z.number()]).transform(String)).default({}),
        control: z.boolean().default(false),
      }),
    )
    .min(1, 'configure at least one vantage, e.g. [{ id: direct }]')
    .max(CONFIG_LIMITS.vantages, `expected at most ${CONFIG_LIMITS.vantages} vantages: split them over several hosts`)
    .default([{ id: 'direct', resolver: { type: 'system' }, labels: {}, control: false }]),
  control: z.strictObject({ resolver: parsedBy(parseResolver) }).optional(),
  canaries: z
    .array(z.unknown())
    .max(CONFIG_LIMITS.canaries, `expected at most ${CONFIG_LIMITS.canaries} canaries: a few per vantage tell whether it is online`)
    .optional(),
  // Why a config has no canaries (`canaries: []`): without them an offline vantage reads as every app down.
  canariesReason: z.string().trim().min(1, 'expected a sentence saying why this config has no canaries').optional(),
  tls: z.strictObject({ extraCA: z.union([z.string(), z.array(z.string())]).optional() }).prefault({}),
  server: z
    .strictObject({
      // Absent: $BLOCKWATCH_LISTEN, else loopback (load.ts: DEFAULT_LISTEN).
      listen: parsedBy(parseListen).optional(),
      auth: z
        .union([
          z.strictObject({ bearerToken: secret }),
          z.strictObject({ basic: z.strictObject({ username: z.string().min(1), password: secret }) }),
        ])
        .optional(),
      tls: z.strictObject({ certFile: z.string(), keyFile: z.string() }).optional(),
      enableReload: z.boolean().default(false),
      maxConnections: z.number().int().min(1).max(100_000).default(256),
      externalUrl: z.string().optional(),
      // The status page: rounds kept per target for its history strip, and how often it reloads itself (0s: never).
      page: z
        .strictObject({
          history: z.number().int().min(1).max(500).default(DEFAULT_PAGE.history),
          refresh: duration({ ms: 1000, zero: 'to turn it off', why: 'a page that reloads faster cannot be read' }).default(DEFAULT_PAGE.refreshMs),
        })
        .prefault({}),
    })
    .prefault({}),
  alerts: z
    .strictObject({
      confirm: z
        .strictObject({ attempts: z.number().int().min(0).max(10).default(2), spacing: duration().default(3000) })
        .prefault({}),
      resolveAfter: z.number().int().min(1).default(2),
      repeat: duration({ ms: 1000, why: 'an alert re-sent more often floods its receivers (default 4h)' }).default(4 * 3_600_000),
      resend: duration({ ms: 1000, why: 'Alertmanager is re-sent firing alerts at this interval (default 1m)' }).default(60_000),
      receivers: z
        .array(
          z.strictObject({
            name: id(),
            type: z.enum(['webhook', 'alertmanager']),
            url: z.string().refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), 'expected an http:// or https:// URL'),
            headers: z.record(z.string(), z.union([z.string(), secret])).default({}),
            timeout: duration({ ms: 100, why: 'a receiver needs time to answer; less fails every delivery (default 10s)' }).default(10_000),
          }),
        )
        .max(CONFIG_LIMITS.receivers, `expected at most ${CONFIG_LIMITS.receivers} receivers`)
        .default([]),
    })
    .prefault({}),
  evidence: z
    .strictObject({
      dir: z.string().min(1, 'expected the path of a folder the daemon may write to'),
      maxBytes: size({ bytes: 1_000_000, as: '1MB', why: 'the evidence log keeps eight files of maxBytes/8; less than 1MB rotates on almost every line (default 256MB)' }).default(256_000_000),
    })
    .optional(),
  limits: z
    .strictObject({
      bodyBytes: size({ bytes: 1024, as: '1KB', why: 'blockpages are told from the first bytes of a body (default 64KB)' }).default(64_000),
      dnsReplyWindow: duration().default(300),
      stall: duration({ ms: 100, why: 'a body read this long without a byte is called frozen; less calls a slow network a freeze (default 5s)' }).default(5_000),
      // Residual blocks outlast any sensible wait at the GFW (90–180 s); 0 asks no follow-up twice.
      residualWait: duration().default(0),
    })
    .prefault({}),
});

export type RawConfig = z.infer<typeof configSchema>;
