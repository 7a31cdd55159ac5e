/**
 * Reading evidence, which is untyped JSON (Record<string, unknown>), safely:
 * narrowing helpers, and a generic renderer for any value, bounded in depth,
 * length and count so that a hostile server's strings cannot bloat the page.
 */
import { html, type Html } from './escape.js';

export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const obj = (v: unknown): Obj | null => (isObj(v) ? v : null);
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
export const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

const MAX_TEXT = 1000;
const MAX_ITEMS = 50;
const MAX_DEPTH = 5;

/** A string, cut at MAX_TEXT characters (the cut is said). */
export function clip(s: string): string {
  return s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}… (${s.length - MAX_TEXT} more characters)` : s;
}

/** Text in a monospace span, or a dash for nothing. */
export function mono(v: unknown): Html {
  if (v === null || v === undefined || v === '') return html`<span class="muted">—</span>`;
  return html`<span class="mono">${clip(String(v))}</span>`;
}

/** Any JSON value: scalars as text, lists of scalars joined, objects as key/value lists. */
export function value(v: unknown, depth = 0): Html {
  if (v === null || v === undefined) return html`<span class="muted">—</span>`;
  if (typeof v !== 'object') return mono(v);
  if (depth >= MAX_DEPTH) return html`<span class="muted">…</span>`;
  if (Array.isArray(v)) {
    if (v.length === 0) return html`<span class="muted">none</span>`;
    const more = v.length > MAX_ITEMS ? html`<li class="muted">… ${v.length - MAX_ITEMS} more</li>` : '';
    if (v.every((x) => typeof x !== 'object' || x === null)) {
      return html`${mono(v.slice(0, MAX_ITEMS).join(', '))}${v.length > MAX_ITEMS ? html` <span class="muted">… ${v.length - MAX_ITEMS} more</span>` : ''}`;
    }
    return html`<ol>${v.slice(0, MAX_ITEMS).map((x) => html`<li>${value(x, depth + 1)}</li>`)}${more}</ol>`;
  }
  return kv(v as Obj, depth);
}

/** An object as a definition list. */
export function kv(o: Obj, depth = 0): Html {
  const entries = Object.entries(o).slice(0, MAX_ITEMS);
  if (entries.length === 0) return html`<span class="muted">none</span>`;
  return html`<dl class="kv">${entries.map(([k, v]) => html`<dt>${k}</dt><dd>${value(v, depth + 1)}</dd>`)}</dl>`;
}
