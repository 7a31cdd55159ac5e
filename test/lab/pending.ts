/**
 * Scenario verdicts expected to fail until the analysis does what the verdict rules say, each
 * with the reason. This is the only such list; the lab tests mark these `fails`, so an
 * entry that starts passing fails the suite until it is removed from here.
 */
import type { Pattern } from '../../src/model/index.js';
import type { VantageId } from './scenario-types.js';

export const PENDING: Record<string, Partial<Record<VantageId, string>>> = {};

export function pendingReason(scenario: string, vantage: VantageId): string | undefined {
  return PENDING[scenario]?.[vantage];
}

/**
 * Patterns of the vocabulary that no lab scenario expects yet, each with the reason. The
 * catalogue test fails when one of them appears in a scenario while still listed here.
 */
export const PATTERNS_WITHOUT_SCENARIO: Partial<Record<Pattern, string>> = {
  'tls.freeze': 'the freeze censor (connbytes) and its scenario come with the UDP-era lab',
  'udp.timeout': 'the STUN peer (coturn) and the udp engine come with the UDP-era lab',
  'udp.refused': 'the STUN peer (coturn) and the udp engine come with the UDP-era lab',
  'quic.timeout': 'the QUIC peer (caddy) and the quic engine come with the UDP-era lab',
  'quic.sni_filter': 'the QUIC peer (caddy) and the quic engine come with the UDP-era lab',
};
