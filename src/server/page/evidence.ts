/** A target verdict's evidence on the app page: why it was decided, then each step's record, then anything else. */
import type { TargetVerdict } from '../../model/index.js';
import { html, type Html } from './escape.js';
import { diagnosisEvidence, dnsEvidence, httpEvidence, tcpEvidence, throughputEvidence, tlsEvidence } from './evidence-steps.js';
import { kv, mono, obj, type Obj } from './values.js';

/** Each known key of the evidence and how it is drawn, in the order a probe walks. */
const STEPS: ReadonlyArray<readonly [string, (ev: Obj) => Html]> = [
  ['dns', dnsEvidence],
  ['tcp', tcpEvidence],
  ['tls', tlsEvidence],
  ['http', httpEvidence],
  ['throughput', throughputEvidence],
];
const DRAWN = new Set(['basis', 'reason', 'controlVantage', 'diagnosis', ...STEPS.map(([k]) => k)]);

function basis(v: unknown): Html | null {
  const b = obj(v);
  if (!b) return null;
  return html`<p class="basis"><strong>Why:</strong> ${mono(b.reason)}. Decided at the ${mono(b.step)} step, observed ${mono(b.observed)}; control ${mono(b.control)}${b.controlSource ? html` (${mono(b.controlSource)})` : ''}; signature strength ${mono(b.strength)}.</p>`;
}

function controlVantage(v: unknown): Html | null {
  const c = obj(v);
  if (!c) return null;
  const saw = c.failure ? html`failed with ${mono(c.failure)} at ${mono(c.operation)}` : html`succeeded`;
  return html`<p>The same target from control vantage ${mono(c.vantage)}: ${saw}.</p>`;
}

export function renderEvidence(t: TargetVerdict): Html {
  const ev = t.evidence;
  const reason = typeof ev.reason === 'string' ? html`<p><strong>Not judged:</strong> ${mono(ev.reason)}.</p>` : null;
  const steps = STEPS.map(([k, draw]) => {
    const part = obj(ev[k]);
    return part ? draw(part) : null;
  });
  const diagnosis = Array.isArray(ev.diagnosis) && ev.diagnosis.length > 0 ? diagnosisEvidence(ev.diagnosis) : null;
  const others = Object.fromEntries(Object.entries(ev).filter(([k]) => !DRAWN.has(k)));
  const more = Object.keys(others).length ? html`<h4>Other</h4>${kv(others)}` : null;
  const empty = !reason && !obj(ev.basis) && steps.every((s) => !s) && !diagnosis && !more;
  return html`${reason}${basis(ev.basis)}${controlVantage(ev.controlVantage)}${steps}${diagnosis}${more}${empty ? html`<p class="muted">No evidence recorded.</p>` : ''}`;
}
