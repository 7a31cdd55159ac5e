/**
 * The status page: GET / (apps × vantages) and GET /apps/<id> (one app in
 * detail), server-rendered HTML that needs no JavaScript. Answers a path with
 * its status code and document.
 */
import { DEFAULT_PAGE, type Report, type ServerConfig } from '../../model/index.js';
import { appPage } from './app-page.js';
import type { PageContext } from './context.js';
import { html, type Html } from './escape.js';
import type { History } from './history.js';
import { layout } from './layout.js';
import { overview } from './overview.js';

export { CONTENT_SECURITY_POLICY } from './style.js';
export { History } from './history.js';
export type { PageContext } from './context.js';
export type { Rounds } from './layout.js';

export const APP_PREFIX = '/apps/';

/** What the daemon feeds the page besides the report. */
export interface PageFeed {
  history: History;
  /** The next scheduled round, before its jitter. */
  nextRound(): Date | null;
  /** The configured apps (their names, and which ids have a page) and the schedule's jitter. */
  config(): { apps: ReadonlyArray<{ id: string; name: string }>; jitterMs: number };
}

/** The context of one request: without a feed (tests of the listener alone) the report's apps, no history. */
export function pageContext(report: Report | null, feed: PageFeed | undefined, server: ServerConfig, now = Date.now()): PageContext {
  const cfg = feed?.config();
  const apps = cfg ? cfg.apps.map((a) => ({ id: a.id, name: a.name })) : [...new Set(report?.apps.map((a) => a.app) ?? [])].map((id) => ({ id, name: id }));
  return {
    report,
    history: feed?.history ?? null,
    apps,
    rounds: { report, next: feed?.nextRound() ?? null, jitterMs: cfg?.jitterMs ?? 0 },
    refreshMs: (server.page ?? DEFAULT_PAGE).refreshMs,
    now,
  };
}

export interface PageResponse {
  status: number;
  body: string;
}

/** The page for `/` or `/apps/<id>`; an app nobody configured gets a 404 page. */
export function renderPage(path: string, ctx: PageContext): PageResponse {
  const doc = (title: string, body: Html) => layout({ title, body, rounds: ctx.rounds, refreshMs: ctx.refreshMs, now: ctx.now });
  if (path === '/') return { status: 200, body: doc('blockwatch', overview(ctx)) };
  const raw = path.startsWith(APP_PREFIX) ? path.slice(APP_PREFIX.length) : path;
  const id = decoded(raw);
  const app = ctx.apps.find((a) => a.id === id);
  if (!app) {
    // No refresh on an error page: nothing there will change by itself.
    const body = html`<h2>Not found</h2><p>No app named <code>${id}</code> is configured here.</p><p><a href="/">All apps</a></p>`;
    return { status: 404, body: layout({ title: 'blockwatch: not found', body, rounds: ctx.rounds, refreshMs: 0, now: ctx.now }) };
  }
  return { status: 200, body: doc(`blockwatch: ${app.name}`, appPage(ctx, app)) };
}

function decoded(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
