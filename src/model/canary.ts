/** Canaries: well-known targets that tell whether a vantage itself can reach the network, and which part of it. */
import type { Target } from './target.js';
import type { Vantage } from './vantage.js';

/**
 * foreign: a service outside the vantage's country (the default, and what canaries
 * were before scopes). domestic: one inside it, which stays reachable when a
 * network allowlists destinations, so a vantage can be told walled from offline.
 */
export const CANARY_SCOPES = ['foreign', 'domestic'] as const;
export type CanaryScope = (typeof CANARY_SCOPES)[number];

export interface Canary {
  target: Target;
  scope: CanaryScope;
  /**
   * The vantages it applies to: listed by id, or any vantage whose labels include
   * every pair of `vantageLabels` (either one matching is enough). Both null: every vantage.
   */
  vantages: string[] | null;
  vantageLabels: Record<string, string> | null;
}

/** Whether a canary applies to a vantage. */
export function canaryAppliesTo(c: Canary, v: Pick<Vantage, 'id' | 'labels'>): boolean {
  if (c.vantages === null && c.vantageLabels === null) return true;
  if (c.vantages?.includes(v.id)) return true;
  if (c.vantageLabels !== null) return Object.entries(c.vantageLabels).every(([k, val]) => v.labels[k] === val);
  return false;
}

/** The canaries of one vantage, in config order. */
export function canariesOf(canaries: readonly Canary[], v: Pick<Vantage, 'id' | 'labels'>): Canary[] {
  return canaries.filter((c) => canaryAppliesTo(c, v));
}
