/** GET /: apps × vantages, each cell the app's status in colour with its pattern; the vantages, their states and labels. */
import { APP_STATUSES, type AppVerdict, type Report } from '../../model/index.js';
import { PATTERN_WORDS } from '../../report/words.js';
import { since, stateBadge, stateWords, statusBadge, statusText } from './cells.js';
import { html, type Html } from './escape.js';
import { labels } from './format.js';
import type { PageContext } from './context.js';

const STATUS_MEANING: Record<(typeof APP_STATUSES)[number], string> = {
  reachable: 'every essential function works',
  degraded: 'a non-essential function is blocked; the app still works',
  anomaly: 'looks like blocking, not confirmed by a control',
  blocked: 'blocked: confirmed by a control or an unambiguous signature',
  down: 'the control fails the same way: an outage of the service',
  unknown: 'the vantage is offline, or the probe could not run',
};

function cell(ctx: PageContext, appId: string, vantage: string, v: AppVerdict | undefined): Html {
  if (!v) return html`<td class="cell" data-app="${appId}" data-vantage="${vantage}"><span class="muted">not probed</span></td>`;
  const track = ctx.history?.app(vantage, appId) ?? null;
  const sinceLine = track ? html`<span class="since">${since(track, ctx.now)}</span>` : '';
  return html`<td class="cell st-${v.status}" data-app="${appId}" data-vantage="${vantage}"><a href="/apps/${encodeURIComponent(appId)}#v-${vantage}">${statusText(v.status, v.patterns)}${sinceLine}</a></td>`;
}

function appsTable(ctx: PageContext, report: Report): Html {
  const byKey = new Map(report.apps.map((a) => [`${a.app}\u0000${a.vantage}`, a]));
  const head = html`<tr><th>app</th>${report.vantages.map((v) => html`<th>${v.id} ${stateBadge(v)}</th>`)}</tr>`;
  const rows = ctx.apps.map(
    (a) =>
      html`<tr><th><a href="/apps/${encodeURIComponent(a.id)}">${a.name}</a> <span class="muted">${a.id}</span></th>${report.vantages.map((v) =>
        cell(ctx, a.id, v.id, byKey.get(`${a.id}\u0000${v.id}`)),
      )}</tr>`,
  );
  return html`<table class="apps">${head}${rows}</table>`;
}

function vantagesTable(report: Report): Html {
  const rows = report.vantages.map(
    (v) => html`<tr data-vantage="${v.id}"><td>${v.id}</td><td>${stateBadge(v)} <span class="muted">${stateWords(v)}</span></td><td>${v.control ? 'yes' : 'no'}</td><td>${labels(v.labels)}</td></tr>`,
  );
  return html`<table class="vantages"><tr><th>vantage</th><th>state</th><th>control</th><th>labels</th></tr>${rows}</table>`;
}

function patternsSeen(report: Report): Html | null {
  const seen = [...new Set(report.apps.flatMap((a) => a.patterns))];
  if (seen.length === 0) return null;
  return html`<h2>Patterns seen</h2><dl class="kv">${seen.map((p) => html`<dt><code>${p}</code></dt><dd>${PATTERN_WORDS[p]}</dd>`)}</dl>`;
}

function legend(): Html {
  return html`<h2>Statuses</h2><p class="legend">${APP_STATUSES.map((s) => html`<span>${statusBadge(s)} ${STATUS_MEANING[s]}</span><br>`)}</p>`;
}

/** A warning when a control could not serve the last round: the verdicts that needed it are anomaly, never blocked or down. */
export function controlsWarning(report: Report): Html | null {
  const c = report.controls;
  if (!c) return null;
  const lines: Html[] = [];
  if (c.resolver === 'unreachable') lines.push(html`<li>the trusted control resolver did not answer</li>`);
  for (const v of c.vantagesMissing) lines.push(html`<li>control vantage <code>${v.id}</code> is ${v.state}</li>`);
  if (lines.length === 0) return null;
  return html`<div class="controls-missing" role="alert"><strong>Control missing.</strong> Targets that needed it are <em>anomaly</em>, never blocked or down:<ul>${lines}</ul></div>`;
}

export function overview(ctx: PageContext): Html {
  const report = ctx.report;
  if (!report) {
    return html`<h2>Apps</h2><p>No round has completed yet: statuses appear after the first one.</p>
<ul>${ctx.apps.map((a) => html`<li><a href="/apps/${encodeURIComponent(a.id)}">${a.name}</a> <span class="muted">${a.id}</span></li>`)}</ul>`;
  }
  return html`${controlsWarning(report)}<h2>Apps</h2>${appsTable(ctx, report)}${patternsSeen(report)}<h2>Vantages</h2>${vantagesTable(report)}${legend()}`;
}
