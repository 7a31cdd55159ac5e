/**
 * The page's stylesheet, its colours per status and vantage state, and the
 * Content-Security-Policy that admits this stylesheet (by its hash) and
 * nothing else: no scripts, no other styles, no images, no frames, no forms.
 */
import { createHash } from 'node:crypto';
import type { AppStatus, TargetStatus, VantageStateName } from '../../model/index.js';

/** Background colours of status cells and marks (GitHub's Primer palette, readable with white text). */
export const STATUS_COLOURS: Record<AppStatus | TargetStatus, string> = {
  reachable: '#1a7f37',
  ok: '#1a7f37',
  degraded: '#9a6700',
  anomaly: '#bc4c00',
  blocked: '#cf222e',
  down: '#8250df',
  unknown: '#6e7781',
};

export const STATE_COLOURS: Record<VantageStateName, string> = {
  online: '#1a7f37',
  walled: '#9a6700',
  offline: '#6e7781',
};

const statusRules = Object.entries(STATUS_COLOURS)
  .map(([s, c]) => `.st-${s}{background:${c};color:#fff}`)
  .join('\n');
const stateRules = Object.entries(STATE_COLOURS)
  .map(([s, c]) => `.vs-${s}{background:${c};color:#fff}`)
  .join('\n');

export const STYLESHEET = `
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
header,main,footer{max-width:1400px;margin:0 auto;padding:12px 20px}
header{display:flex;flex-wrap:wrap;gap:4px 24px;align-items:baseline;border-bottom:1px solid #d0d7de;background:#fff;max-width:none}
header h1{font-size:18px;margin:0}
header a{color:inherit;text-decoration:none}
h2{font-size:16px;margin:24px 0 8px}
h3{font-size:14px;margin:16px 0 6px}
table{border-collapse:collapse;background:#fff;margin:4px 0}
th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eaeef2;font-weight:600}
td.cell{padding:0}
td.cell a,td.cell>span{display:block;padding:6px 10px;color:inherit;text-decoration:none;min-width:110px}
.status{font-weight:600}
span.pattern,span.since{display:block;font-size:12px}
td.cell .muted{color:inherit}
.pattern-words{display:block;font-size:12px}
.trials,.diagnosis{display:block;font-size:12px}
.controls-missing{border:2px solid #b8860b;padding:4px 10px;margin:8px 0}
.trials.intermittent{font-weight:600}
.label{display:inline-block;background:#eaeef2;border-radius:3px;padding:0 5px;margin:1px 2px;font-size:12px}
.badge{display:inline-block;border-radius:3px;padding:0 6px;font-weight:600}
.muted{color:#57606a}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;overflow-wrap:anywhere}
ol.strip{list-style:none;display:flex;gap:2px;margin:0;padding:0}
ol.strip li{width:8px;height:18px;border-radius:2px;overflow:hidden;text-indent:12px;white-space:nowrap}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%)}
details{margin:4px 0 12px}
summary{cursor:pointer;color:#0969da}
dl.kv{display:grid;grid-template-columns:max-content auto;gap:2px 12px;margin:4px 0}
dl.kv dt{color:#57606a}
dl.kv dd{margin:0}
.evidence{background:#fff;border:1px solid #d0d7de;padding:6px 12px;margin:4px 0 16px}
.legend span{margin-right:6px}
${statusRules}
${stateRules}
`;

/** The CSP source for exactly this stylesheet, inlined in a <style> element. */
const styleHash = `'sha256-${createHash('sha256').update(STYLESHEET).digest('base64')}'`;

/** Scripts fall under default-src 'none': none run, whatever a page contains. */
export const CONTENT_SECURITY_POLICY = `default-src 'none'; style-src ${styleHash}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
