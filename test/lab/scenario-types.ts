/** The shape of a lab scenario: a censor setup, the catalogue it probes, and the verdicts it must produce. */
import type { AppStatus, OfflineReason, Pattern, TargetStatus, VantageStateName } from '../../src/model/index.js';
import type { CensorAction } from './censor.js';

/** A catalogue target as written in a catalogue YAML file. */
export type CatalogueTarget =
  | { id: string; kind: 'https'; url: string; group?: string; transfer?: { bytes: string; floor?: string } }
  | { id: string; kind: 'tcp'; host: string; port: number; group?: string }
  | { id: string; kind: 'tls'; host: string; port: number; sni?: string; group?: string }
  | { id: string; kind: 'dns'; host: string; group?: string }
  /** A STUN Binding request to a call relay. */
  | { id: string; kind: 'udp'; host: string; port: number; group?: string }
  /** A QUIC v1 Initial carrying a ClientHello with the SNI (default: host) and ALPN (default: h3). */
  | { id: string; kind: 'quic'; host: string; port: number; sni?: string; alpn?: string[]; group?: string }
  /** MTProto's first exchange (req_pq_multi) to a data centre, in a transport (default intermediate). */
  | { id: string; kind: 'mtproto'; host: string; port: number; transport?: 'intermediate' | 'abridged' | 'obfuscated2'; dc?: number; group?: string };

export type ExpectedTarget = readonly [TargetStatus, Pattern | null];

export interface ExpectedApp {
  app: AppStatus;
  /** Every target of the catalogue, with its exact status and pattern. */
  targets: Record<string, ExpectedTarget>;
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
   * several apps judged under one network-wide censor (an allowlist). Each lists the
   * same censor actions; they are applied once.
   */
  together?: string;
  /** The state each vantage must be in while the censor is applied; checked where given. */
  expectVantage?: Partial<Record<VantageId, ExpectedVantage>>;
  expect: Record<VantageId, ExpectedApp>;
}
