/**
 * HTML escaping, in one place: every value interpolated into the page goes
 * through `esc` unless it is already-built markup (`Html`, made by `html`).
 */

/** Markup built by `html` (or the page's own constant text): the only thing interpolated without escaping. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * The one escaping function: text becomes safe in element content and in
 * quoted attribute values alike (ids, labels, titles, headers, certificate
 * subjects and failure strings from hostile servers all pass here).
 */
export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/** One interpolated value: markup as is, lists joined, nothing for null/undefined/false, anything else escaped. */
function part(v: unknown): string {
  if (v instanceof Html) return v.text;
  if (Array.isArray(v)) return v.map(part).join('');
  if (v === null || v === undefined || v === false) return '';
  return esc(v);
}

/** A template tag: `html\`<td>${text}</td>\`` escapes `text`; nested `html` results pass through. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += part(values[i]) + strings[i + 1];
  return new Html(out);
}
