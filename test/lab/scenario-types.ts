/** The shape of a lab scenario: a censor setup, the catalogue it probes, and the verdicts it must produce. */
import type {
  AppStatus, DecidingDiagnosis, EchMode, MtprotoTransport, OfflineReason, Pattern, TargetStatus, ThrottleBasis, VantageStateName,
} from '../../src/model/index.js';
import type { CensorAction } from './censor.js';

/**
 * The patterns of DESIGN §13 (client profiles and app protocols). They join the closed set
 * (src/model PATTERNS) with the analysis that names them; until then the lab's scenarios may
 * already expect them.
 */
export const CLIENT_PATTERNS = ['tls.fingerprint', 'tls.ech_blocked', 'app.timeout', 'app.reset', 'app.dpi'] as const;
/** A pattern a scenario may expect: the closed set, and DESIGN §13's. */
export type LabPattern = Pattern | (typeof CLIENT_PATTERNS)[number];
/**
 * Any pattern at all, for a status that random loss may reach at any step (an intermittent
 * anomaly whose lost packet could have been a DNS datagram, a SYN or a TLS record).
 */
export const ANY_PATTERN = '*';

/** A catalogue target as written in a catalogue YAML file. */
export type CatalogueTarget =
  | { id: string; kind: 'https'; url: string; group?: string; transfer?: { bytes: string; floor?: string } }
  | { id: string; kind: 'tcp'; host: string; port: number; group?: string }
  /** `hello`: a ClientHello profile of probes/hellos/ (default node); `ech`: add or remove GREASE ECH (DESIGN §13). */
  | { id: string; kind: 'tls'; host: string; port: number; sni?: string; hello?: string; ech?: EchMode; group?: string }
  /** MTProto's first exchange (req_pq_multi → resPQ) over a TCP transport (DESIGN §13). */
  | { id: string; kind: 'mtproto'; host: string; port: number; transport?: MtprotoTransport; dc?: number; group?: string }
  | { id: string; kind: 'dns'; host: string; group?: string }
  /** A STUN Binding request to a call relay. */
  | { id: string; kind: 'udp'; host: string; port: number; group?: string }
  /** A QUIC v1 Initial carrying a ClientHello with the SNI (default: host) and ALPN (default: h3). */
  | { id: string; kind: 'quic'; host: string; port: number; sni?: string; alpn?: string[]; group?: string };

/**
 * What the report must also say of a target, where the scenario states it (DESIGN §13–14):
 * the follow-up that decided, the basis of `throttled`, and the trials. Fields left out are
 * not checked.
 */
export interface ExpectedDetail {
  diagnosis?: DecidingDiagnosis | null;
  basis?: ThrottleBasis | null;
  /**
   * Trials run (confirmation re-probes included), and how many were blocked: each a number, or
   * an inclusive range (an intermittent block; a confirmation that stops at the first good trial).
   */
  trials?: { run: number | readonly [number, number]; blocked: number | readonly [number, number] };
}

/** A target's exact status and pattern, and optionally what else the report must say of it. */
export type ExpectedTarget =
  | readonly [TargetStatus, LabPattern | typeof ANY_PATTERN | null]
  | readonly [TargetStatus, LabPattern | typeof ANY_PATTERN | null, ExpectedDetail];

export interface ExpectedApp {
  app: AppStatus;
  /** Every target of the catalogue, with its exact status and pattern. */
  targets: Record<string, ExpectedTarget>;
  /**
   * Other verdicts that are as right, each complete: where DESIGN lets blockwatch either name
   * the technique or say it cannot (a residual block may taint a follow-up: `inconclusive`), or
   * where an outage shows one way or another. The report must match `targets` or one of these.
   */
  or?: Omit<ExpectedApp, 'or'>[];
}

export type VantageId = 'isp' | 'abroad';

/** A vantage's state as the report must give it; `reason` only for offline (absent: null). */
export interface ExpectedVantage {
  state: VantageStateName;
  reason?: OfflineReason;
}

export interface Scenario {
  /** Also the id of the app catalogue it probes. */
  name: string;
  description: string;
  /** Why the verdict rules give this verdict, in one line. */
  why: string;
  /** Lab DNS names this scenario adds (name → address); each scenario has addresses of its own. */
  hosts: Record<string, string>;
  targets: CatalogueTarget[];
  groups?: Record<string, { essential: boolean }>;
  censor: CensorAction[];
  /** Its censor setup touches every app (loss, a cut uplink): it runs alone. */
  exclusive?: boolean;
  /**
   * Exclusive scenarios with the same `together` share one censor setup and one check:
   * several apps judged under one network-wide censor (an allowlist: each lists the same
   * actions), or a few apps kept apart from the crowd of the shared run (timing). Every
   * member's actions are applied, each once.
   */
  together?: string;
  /**
   * The blockwatch schedule the scenario needs: `trials`, trials of each target a round
   * (`schedule.trials`); `confirm`, the re-probes of a target bad at its first trials
   * (`alerts.confirm.attempts`; 0 in a scenario's config unless given, Lab.configFor). A scenario with one runs
   * exclusive, with a config of its own.
   */
  schedule?: { trials?: number; confirm?: number };
  /** The state each vantage must be in while the censor is applied; checked where given. */
  expectVantage?: Partial<Record<VantageId, ExpectedVantage>>;
  expect: Record<VantageId, ExpectedApp>;
}
