/** The document around every page: head (stylesheet, optional refresh), header with the round's times, footer. */
import type { Report } from '../../model/index.js';
import { Html, html } from './escape.js';
import { when } from './format.js';
import { STYLESHEET } from './style.js';

export interface Rounds {
  report: Report | null;
  /** When the scheduler starts the next round (before its jitter); null when none is scheduled. */
  next: Date | null;
  jitterMs: number;
}

/** The last round's start and end and the next one's time, for the header. */
function roundLine(r: Rounds, now: number): Html {
  const last = r.report
    ? html`Last round: ${when(Date.parse(r.report.startedAt), now)}, took ${((Date.parse(r.report.finishedAt) - Date.parse(r.report.startedAt)) / 1000).toFixed(1)} s`
    : html`No round has completed yet.`;
  const jitter = r.jitterMs > 0 ? html` <span class="muted">(+ up to ${Math.round(r.jitterMs / 1000)} s jitter)</span>` : '';
  const next = r.next ? html` · Next round: <span id="next-round">${when(r.next.getTime(), now)}${jitter}</span>` : '';
  return html`<span id="round">${last}</span>${next}`;
}

export function layout(opts: { title: string; body: Html; rounds: Rounds; refreshMs: number; now: number }): string {
  // Meta refresh works with JavaScript off; 0 turns it off. The stylesheet goes in
  // verbatim: its bytes must hash to the CSP's style source.
  const refresh = opts.refreshMs > 0 ? html`<meta http-equiv="refresh" content="${Math.max(1, Math.round(opts.refreshMs / 1000))}">` : '';
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
${refresh}
<title>${opts.title}</title>
<style>${new Html(STYLESHEET)}</style>
</head>
<body>
<header><h1><a href="/">blockwatch</a></h1><div>${roundLine(opts.rounds, opts.now)}</div></header>
<main>
${opts.body}
</main>
<footer class="muted">blockwatch · <a href="/api/v1/status">/api/v1/status</a> · <a href="/metrics">/metrics</a></footer>
</body>
</html>
`.text;
}
