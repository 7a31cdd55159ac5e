/**
 * Evidence of each step, drawn for people: DNS answers against the control's,
 * TCP connects, TLS handshakes with the certificate summary, HTTP responses
 * with the matched fingerprint, throughput, and the diagnosis steps.
 */
import { html, type Html } from './escape.js';
import { bitRate, bytes, seconds } from './format.js';
import { arr, isObj, kv, mono, num, obj, str, value, type Obj } from './values.js';

const list = (v: unknown): Html => {
  const items = arr(v).map(String);
  return items.length ? mono(items.join(', ')) : html`<span class="muted">none</span>`;
};
const yesNo = (v: unknown): string => (v === true ? 'yes' : v === false ? 'no' : '—');

/** The object minus the keys already drawn, for a generic "more" list; null when nothing is left. */
function rest(o: Obj, drawn: string[]): Html | null {
  const left = Object.fromEntries(Object.entries(o).filter(([k]) => !drawn.includes(k)));
  return Object.keys(left).length ? kv(left) : null;
}

export function dnsEvidence(ev: Obj): Html {
  const queries = arr(ev.queries).filter(isObj);
  const control = obj(ev.control);
  const rows = queries.map((q) => {
    const replies = arr(q.replies).filter(isObj);
    const extra = replies.length
      ? html`<ol>${replies.map((r) => html`<li>${mono(r.rcode)} ${list(r.answers)} <span class="muted">at ${seconds(num(r.t) ?? 0)}${r.from ? html` from ${mono(r.from)}` : ''}, id ${mono(r.id)}</span></li>`)}</ol>`
      : '';
    return html`<tr><td>${mono(q.hostname)} ${mono(q.query_type)}</td><td>${mono(q.resolver)}</td><td>${mono(q.rcode)}</td><td>${mono(q.failure)}</td><td>${list(q.answers)}${extra}</td></tr>`;
  });
  const answers = queries.flatMap((q) => arr(q.answers).map(String));
  const compare = control
    ? html`<table class="dns-compare"><tr><th></th><th>addresses</th><th>rcodes</th><th>failures</th></tr>
<tr><th>this vantage</th><td>${list([...new Set(answers)])}</td><td>${list(queries.map((q) => q.rcode ?? '—'))}</td><td>${list(queries.map((q) => q.failure ?? '—'))}</td></tr>
<tr><th>control (${control.source})</th><td>${list(control.addresses)}</td><td>${list(arr(control.rcodes).map((r) => r ?? '—'))}</td><td>${list(arr(control.failures).map((f) => f ?? '—'))}</td></tr></table>`
    : html`<p class="muted">No control answers for this name.</p>`;
  const more = rest(ev, ['queries', 'control', 'fingerprint']);
  return html`<h4>DNS</h4>
<table><tr><th>query</th><th>resolver</th><th>rcode</th><th>failure</th><th>answers (every reply when several came)</th></tr>${rows}</table>
${compare}${fingerprint(ev.fingerprint)}${more}`;
}

export function tcpEvidence(ev: Obj): Html {
  const rows = arr(ev.connects)
    .filter(isObj)
    .map((c) => html`<tr><td>${mono(`${str(c.ip) ?? '?'}:${num(c.port) ?? '?'}`)}</td><td>${c.success === true ? 'connected' : 'failed'}</td><td>${mono(c.failure)}</td></tr>`);
  return html`<h4>TCP</h4><table><tr><th>address</th><th>result</th><th>failure</th></tr>${rows}</table>${rest(ev, ['connects'])}`;
}

export function certificate(v: unknown): Html {
  const c = obj(v);
  if (!c) return html`<span class="muted">no certificate</span>`;
  return html`<dl class="kv cert"><dt>subject</dt><dd>${mono(c.subject)}</dd><dt>issuer</dt><dd>${mono(c.issuer)}</dd><dt>names</dt><dd>${list(c.san)}</dd><dt>valid</dt><dd>${mono(c.notBefore)} – ${mono(c.notAfter)}</dd><dt>SHA-256</dt><dd>${mono(c.sha256)}</dd></dl>`;
}

export function tlsEvidence(ev: Obj): Html {
  const rows = arr(ev.handshakes)
    .filter(isObj)
    .map(
      (h) =>
        html`<tr><td>${mono(h.address)}</td><td>${mono(h.server_name)}</td><td>${mono(h.tls_version)}</td><td>${mono(h.negotiated_protocol)}</td><td>${yesNo(h.validated)}</td><td>${mono(h.failure)}</td><td>${certificate(h.certificate)}</td></tr>`,
    );
  return html`<h4>TLS</h4><table><tr><th>address</th><th>SNI</th><th>version</th><th>ALPN</th><th>valid for the name</th><th>failure</th><th>certificate</th></tr>${rows}</table>${rest(ev, ['handshakes'])}`;
}

export function fingerprint(v: unknown): Html | null {
  const f = obj(v);
  if (!f) return null;
  return html`<div class="fingerprint"><strong>Matched fingerprint</strong> ${mono(f.name)}: ${mono(f.location)} ${mono(f.type)} ${mono(f.pattern)}${f.address ? html` (address ${mono(f.address)})` : ''} <span class="muted">countries ${list(f.countries)}; source ${mono(f.source)}</span></div>`;
}

export function httpEvidence(ev: Obj): Html {
  const rows = arr(ev.requests)
    .filter(isObj)
    .map((r) => {
      const res = obj(r.response);
      const response = res
        ? html`<dl class="kv"><dt>status</dt><dd>${mono(res.status)}</dd><dt>title</dt><dd class="title">${mono(res.title)}</dd><dt>headers</dt><dd>${value(res.headers)}</dd><dt>body</dt><dd>${bytes(num(res.body_length) ?? 0)}${res.body_is_truncated === true ? ' (truncated)' : ''}, SHA-256 ${mono(res.body_sha256)}</dd></dl>`
        : html`<span class="muted">no response</span>`;
      return html`<tr><td>${mono(r.method)} ${mono(r.url)}</td><td>${mono(r.failure)}</td><td>${response}</td></tr>`;
    });
  return html`<h4>HTTP</h4><table><tr><th>request</th><th>failure</th><th>response</th></tr>${rows}</table>${fingerprint(ev.fingerprint)}${rest(ev, ['requests', 'fingerprint'])}`;
}

function transfer(v: unknown): Html {
  const t = obj(v);
  if (!t) return html`<span class="muted">—</span>`;
  return html`${bytes(num(t.bytes) ?? 0)} in ${seconds(num(t.seconds) ?? 0)}: ${bitRate(num(t.bitsPerSecond) ?? 0)}${t.complete === false ? ' (incomplete)' : ''}${t.source ? html` <span class="muted">(${t.source})</span>` : ''}`;
}

export function throughputEvidence(ev: Obj): Html {
  return html`<h4>Throughput</h4><dl class="kv"><dt>this vantage</dt><dd>${transfer(ev.vantage)}</dd><dt>control</dt><dd>${transfer(ev.control)}</dd></dl>${rest(ev, ['vantage', 'control'])}`;
}

export function diagnosisEvidence(steps: unknown): Html {
  const rows = arr(steps)
    .filter(isObj)
    .map((s) => html`<tr><td>${mono(s.step)}</td><td>${mono(s.input)}</td><td>${mono(s.outcome)}</td><td>${mono(s.failure)}</td><td>${s.detail === undefined ? '' : value(s.detail)}</td></tr>`);
  return html`<h4>Diagnosis</h4><table class="diagnosis"><tr><th>step</th><th>input</th><th>outcome</th><th>failure</th><th>detail</th></tr>${rows}</table>`;
}
