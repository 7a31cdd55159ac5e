/**
 * GET /apps/<id>: every target of one app from every vantage, with status,
 * pattern, failing step, failure string, timings, a strip of the last rounds,
 * the time the current status began, and the evidence behind each verdict.
 */
import type { AppVerdict, TargetVerdict, Timings, VantageState } from '../../model/index.js';
import { OPERATION_WORDS, PATTERN_WORDS } from '../../report/words.js';
import { since, stateBadge, statusBadge, strip } from './cells.js';
import type { PageContext } from './context.js';
import { controlsWarning } from './overview.js';
import { html, type Html } from './escape.js';
import { renderEvidence } from './evidence.js';
import { seconds } from './format.js';
import { mono, obj } from './values.js';

const PHASES: ReadonlyArray<readonly [keyof Timings, string]> = [
  ['dns', 'dns'],
  ['connect', 'connect'],
  ['tls', 'tls'],
  ['ttfb', 'first byte'],
  ['total', 'total'],
];

function timings(t: Timings): Html {
  const parts = PHASES.filter(([k]) => typeof t[k] === 'number').map(([k, name]) => `${name} ${seconds(t[k]!)}`);
  return html`<span class="timings">${parts.join(' · ')}</span>`;
}

/** Steps of a verdict's basis, for a finding no failed operation names (a blockpage, a slow transfer). */
const BASIS_STEP: Record<string, string> = { dns: 'DNS answer', tcp: 'TCP connect', tls: 'TLS handshake', http: 'HTTP response', throughput: 'transfer', app: 'app protocol' };

/** The step that failed, in plain words; a dash for a target that is ok. */
function failingStep(t: TargetVerdict): string {
  if (t.status === 'ok') return '—';
  if (t.operation) return OPERATION_WORDS[t.operation];
  const step = obj(t.evidence.basis)?.step;
  return typeof step === 'string' ? (BASIS_STEP[step] ?? step) : '—';
}

function pattern(t: TargetVerdict): Html {
  if (!t.pattern) return html`<span class="muted">—</span>`;
  const basis = t.basis ? html` <span class="basis">(${t.basis})</span>` : '';
  const decided = t.diagnosis ? html`<span class="diagnosis muted">${t.diagnosis === 'inconclusive' ? 'diagnosis inconclusive' : `decided by ${t.diagnosis}`}</span>` : '';
  return html`<code>${t.pattern}</code>${basis}<span class="pattern-words muted">${PATTERN_WORDS[t.pattern]}</span>${decided}`;
}

/** "intermittent: blocked in 2 of 5 trials" when some trials were blocked and others not; the count alone for several trials. */
export function trialsNote(t: Pick<TargetVerdict, 'trials' | 'status'>): Html {
  const { run, blocked } = t.trials;
  if (blocked > 0 && blocked < run) return html`<span class="trials intermittent">intermittent: blocked in ${blocked} of ${run} trials</span>`;
  if (run > 1) return html`<span class="trials muted">${blocked} of ${run} trials blocked</span>`;
  return html``;
}

function row(ctx: PageContext, vantage: string, app: string, t: TargetVerdict): Html {
  const track = ctx.history?.target(vantage, app, t.id) ?? null;
  return html`<tr data-vantage="${vantage}" data-target="${t.id}">
<td><a href="#ev-${vantage}-${t.id}">${t.id}</a></td><td>${t.kind}</td><td>${mono(t.input)}</td>
<td class="cell st-${t.status}"><span>${t.status}</span>${trialsNote(t)}</td><td>${pattern(t)}</td><td class="step">${failingStep(t)}</td>
<td class="failure">${mono(t.failure)}</td><td>${timings(t.timings)}</td><td class="began">${since(track, ctx.now) ?? html`<span class="muted">—</span>`}</td><td>${strip(track)}</td></tr>`;
}

function evidence(vantage: string, t: TargetVerdict): Html {
  // Open where there is something to explain; one click away for targets that are ok.
  const open = t.status !== 'ok' ? html` open` : '';
  return html`<details class="evidence" id="ev-${vantage}-${t.id}"${open}><summary>Evidence: ${t.id} (${t.kind} ${t.input}) from ${vantage} — ${t.status}</summary>${renderEvidence(t)}</details>`;
}

function section(ctx: PageContext, v: VantageState, a: AppVerdict | undefined): Html {
  if (!a) return html`<section id="v-${v.id}"><h3>From ${v.id} ${stateBadge(v)}</h3><p class="muted">Not probed from this vantage in the last round.</p></section>`;
  const track = ctx.history?.app(v.id, a.app) ?? null;
  const patterns = a.patterns.length ? html` <code>${a.patterns.join(', ')}</code>` : '';
  const sinceLine = track ? html` <span class="muted">·</span> ${since(track, ctx.now)}` : '';
  return html`<section id="v-${v.id}" data-vantage="${v.id}">
<h3>From ${v.id} ${stateBadge(v)}: ${statusBadge(a.status)}${patterns}${sinceLine}</h3>
<table class="targets"><tr><th>target</th><th>kind</th><th>input</th><th>status</th><th>pattern</th><th>failing step</th><th>failure</th><th>timings</th><th>status since</th><th>last rounds</th></tr>
${a.targets.map((t) => row(ctx, v.id, a.app, t))}</table>
${a.targets.map((t) => evidence(v.id, t))}
</section>`;
}

export function appPage(ctx: PageContext, app: { id: string; name: string }): Html {
  const head = html`<h2>${app.name} <span class="muted">${app.id}</span></h2>`;
  const report = ctx.report;
  if (!report) return html`${head}<p>No round has completed yet: statuses appear after the first one.</p>`;
  const verdicts = new Map(report.apps.filter((a) => a.app === app.id).map((a) => [a.vantage, a]));
  const nav = html`<p>Vantages: ${report.vantages.map((v) => html`<a href="#v-${v.id}">${v.id}</a> `)}· <a href="/">all apps</a></p>`;
  return html`${head}${controlsWarning(report)}${nav}${report.vantages.map((v) => section(ctx, v, verdicts.get(v.id)))}`;
}
