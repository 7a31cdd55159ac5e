/** How the page writes times, durations, sizes and rates for people. */
import { html, type Html } from './escape.js';

/** "2026-03-02 10:15:05 UTC": no JavaScript to localise it, so one unambiguous zone. */
export function utc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** "3 min ago" / "in 40 s", relative to `now`. */
export function relative(ms: number, now: number): string {
  const d = Math.round((ms - now) / 1000);
  const a = Math.abs(d);
  const text = a < 90 ? `${a} s` : a < 90 * 60 ? `${Math.round(a / 60)} min` : a < 48 * 3600 ? `${Math.round(a / 3600)} h` : `${Math.round(a / 86400)} d`;
  return d >= 0 ? `in ${text}` : `${text} ago`;
}

/** A <time> element with the UTC time and how long ago (or until) it is. */
export function when(ms: number, now: number): Html {
  return html`<time datetime="${new Date(ms).toISOString()}">${utc(ms)}</time> <span class="muted">(${relative(ms, now)})</span>`;
}

/** Seconds as "12 ms" or "1.23 s". */
export function seconds(s: number): string {
  return s < 1 ? `${Math.round(s * 1000)} ms` : `${s.toFixed(2)} s`;
}

export function bytes(n: number): string {
  return n < 1000 ? `${n} B` : n < 1e6 ? `${(n / 1e3).toFixed(1)} kB` : `${(n / 1e6).toFixed(2)} MB`;
}

export function bitRate(bps: number): string {
  return bps < 1e6 ? `${(bps / 1e3).toFixed(0)} kbit/s` : `${(bps / 1e6).toFixed(2)} Mbit/s`;
}

/** A vantage's labels as small key=value chips. */
export function labels(l: Record<string, string>): Html {
  const entries = Object.entries(l);
  if (entries.length === 0) return html`<span class="muted">none</span>`;
  // Spaced, so that copied or read as text they stay apart.
  return html`${entries.map(([k, v], i) => html`${i ? ' ' : ''}<span class="label">${k}=${v}</span>`)}`;
}
