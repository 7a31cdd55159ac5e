/**
 * Scenario verdicts expected to fail until the analysis does what the verdict rules say, each
 * with the reason. This is the only such list; the lab tests mark these `fails`, so an
 * entry that starts passing fails the suite until it is removed from here.
 */
import type { VantageId } from './scenario-types.js';

export const PENDING: Record<string, Partial<Record<VantageId, string>>> = {};

export function pendingReason(scenario: string, vantage: VantageId): string | undefined {
  return PENDING[scenario]?.[vantage];
}

