/** Small pieces both pages draw: a status cell's contents, state and status badges, the history strip, the since line. */
import type { OfflineReason, Pattern, VantageState } from '../../model/index.js';
import { html, type Html } from './escape.js';
import { utc, when } from './format.js';
import type { Mark, Track } from './history.js';

export const STATE_WORDS: Record<VantageState['state'], string> = {
  online: 'canaries answer',
  walled: 'only domestic canaries answer (foreign destinations walled off); its apps are judged as online',
  offline: 'no canary answers: its verdicts are unknown',
};

/** Why an offline vantage is offline, in a few words (the alert's annotations say more). */
export const OFFLINE_WORDS: Record<OfflineReason, string> = {
  shutdown: 'nothing answers while this host has a route and another vantage is online: the network went silent',
  silent: 'nothing answers; no other vantage here to tell a shutdown from this host’s uplink',
  link: 'this host has no route for its traffic: its own link is down',
  unknown: 'its canaries fail but something answers',
};

export function stateBadge(v: VantageState): Html {
  const why = v.state === 'offline' && v.reason ? ` (${v.reason})` : '';
  return html`<span class="badge vs-${v.state}" title="${STATE_WORDS[v.state]}">${v.state}${why}</span>`;
}

/** The state in words: what it means, and for an offline vantage why. */
export function stateWords(v: VantageState): string {
  return v.state === 'offline' && v.reason ? `${STATE_WORDS.offline}; ${OFFLINE_WORDS[v.reason]}` : STATE_WORDS[v.state];
}

export function statusBadge(status: string): Html {
  return html`<span class="badge st-${status}">${status}</span>`;
}

/**
 * "since 2026-03-02 10:15:05 UTC (3 min ago)"; "since first seen …" when the
 * run goes back to the first round this daemon saw (it may be older still).
 */
export function since(track: Track | null, now: number): Html | null {
  if (!track) return null;
  return html`since ${track.sinceFirstSeen ? 'first seen ' : ''}${when(track.since, now)}`;
}

function markTitle(m: Mark): string {
  return `${utc(m.at)}: ${m.status}${m.pattern ? ` (${m.pattern})` : ''}`;
}

/** The last rounds as coloured marks, oldest first; each mark says its time and status as text too. */
export function strip(track: Track | null): Html {
  if (!track || track.marks.length === 0) return html`<span class="muted">—</span>`;
  return html`<ol class="strip" title="last ${track.marks.length} rounds, oldest first">${track.marks.map(
    (m) => html`<li class="st-${m.status}" title="${markTitle(m)}" data-status="${m.status}">${markTitle(m)}</li>`,
  )}</ol>`;
}

/** The status word and, when there is one, the pattern. */
export function statusText(status: string, patterns: Pattern[]): Html {
  return html`<span class="status">${status}</span>${patterns.length ? html`<span class="pattern">${patterns.join(', ')}</span>` : ''}`;
}
