/** The HTTP listener over loopback: endpoints, auth, TLS, bounds. */
import { Agent, request } from 'undici';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../../src/model/index.js';
import { runCA } from '../../support/run-pki.js';
import { captureLogs, listenerStarter } from './listener.js';

const start = listenerStarter();

const report: Report = { schema: 'blockwatch.report/v1', startedAt: '2024-05-01T10:00:00.000Z', finishedAt: '2024-05-01T10:00:05.000Z', vantages: [], apps: [] };



async function get(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string; dispatcher?: Agent } = {}) {
  const res = await request(url, { method: (opts.method ?? 'GET') as 'GET', headers: opts.headers, body: opts.body, dispatcher: opts.dispatcher });
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
}

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

describe('startServer', () => {
  it('serves /metrics in the Prometheus text format', async () => {
    const srv = await start();
    const r = await get(`${srv.url}/metrics`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(r.body).toContain('blockwatch_build_info{version="9.9.9",nodejs="');
    expect(r.body).toContain('blockwatch_app_status{vantage="isp",app="telegram",status="unknown"} 1');
  });

  it('answers /healthz at once and /readyz only once ready', async () => {
    let ready = false;
    const srv = await start({}, { ready: () => ready });
    expect(await get(`${srv.url}/healthz`)).toMatchObject({ status: 200, body: 'ok\n' });
    expect(await get(`${srv.url}/readyz`)).toMatchObject({ status: 503, body: 'not ready\n' });
    ready = true;
    expect(await get(`${srv.url}/readyz`)).toMatchObject({ status: 200, body: 'ready\n' });
  });

  it('serves the latest report at /api/v1/status, 503 before the first round', async () => {
    let latest: Report | null = null;
    const srv = await start({}, { status: () => latest });
    const before = await get(`${srv.url}/api/v1/status`);
    expect(before.status).toBe(503);
    expect(JSON.parse(before.body)).toEqual({ error: 'no round has completed yet' });
    latest = report;
    const after = await get(`${srv.url}/api/v1/status`);
    expect(after.status).toBe(200);
    expect(after.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(after.body)).toEqual(report);
  });

  it('answers 404 for unknown paths and 405 with Allow for wrong methods', async () => {
    const srv = await start();
    expect((await get(`${srv.url}/nope`)).status).toBe(404);
    const r = await get(`${srv.url}/metrics`, { method: 'POST' });
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe('GET, HEAD');
  });

  it('refuses POST /-/reload unless enabled, and reports the reload result when it is', async () => {
    const off = await start({}, { reload: async () => ({ ok: true, errors: [] }) });
    expect((await get(`${off.url}/-/reload`, { method: 'POST' })).status).toBe(403);

    let ok = true;
    let calls = 0;
    const on = await start({ enableReload: true }, {
      reload: async () => {
        calls++;
        return ok ? { ok, errors: [] } : { ok, errors: ['blockwatch.yaml: schedule.cron: not a cron expression'] };
      },
    });
    const good = await get(`${on.url}/-/reload`, { method: 'POST' });
    expect([good.status, JSON.parse(good.body)]).toEqual([200, { ok: true, errors: [] }]);
    ok = false;
    const bad = await get(`${on.url}/-/reload`, { method: 'POST' });
    expect([bad.status, JSON.parse(bad.body)]).toEqual([500, { ok: false, errors: ['blockwatch.yaml: schedule.cron: not a cron expression'] }]);
    expect(calls).toBe(2);
  });

  it('rejects a request body over 1 KiB with 413', async () => {
    const srv = await start({ enableReload: true }, { reload: async () => ({ ok: true, errors: [] }) });
    const r = await get(`${srv.url}/-/reload`, { method: 'POST', body: 'x'.repeat(4096) });
    expect(r.status).toBe(413);
  });

  it('requires the bearer token everywhere but /healthz and /readyz, and never logs it', async () => {
    const { logger, text } = captureLogs();
    const srv = await start({ auth: { type: 'bearer', token: 'tok-3141592' } }, { logger, status: () => report });
    const none = await get(`${srv.url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="blockwatch"');
    expect((await get(`${srv.url}/api/v1/status`, { headers: { authorization: 'Bearer tok-3141593' } })).status).toBe(401);
    expect((await get(`${srv.url}/api/v1/status`, { headers: { authorization: 'Basic tok-3141592' } })).status).toBe(401);
    expect((await get(`${srv.url}/api/v1/status`, { headers: { authorization: 'Bearer tok-3141592' } })).status).toBe(200);
    expect((await get(`${srv.url}/healthz`)).status).toBe(200);
    expect((await get(`${srv.url}/readyz`)).status).toBe(503);
    expect(text()).not.toContain('tok-31415');
  });

  it('requires basic auth with the right user and password', async () => {
    const srv = await start({ auth: { type: 'basic', username: 'prom', password: 'pa:ss' } });
    const none = await get(`${srv.url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Basic realm="blockwatch", charset="UTF-8"');
    expect((await get(`${srv.url}/metrics`, { headers: { authorization: basic('prom', 'wrong') } })).status).toBe(401);
    expect((await get(`${srv.url}/metrics`, { headers: { authorization: basic('other', 'pa:ss') } })).status).toBe(401);
    expect((await get(`${srv.url}/metrics`, { headers: { authorization: basic('prom', 'pa:ss') } })).status).toBe(200);
  });

  it('serves over TLS with a configured certificate, auth included', async () => {
    const ca = runCA();
    const leaf = ca.issue(['localhost'], { ips: ['127.0.0.1'] });
    const srv = await start({ tls: { cert: leaf.cert, key: leaf.key }, auth: { type: 'bearer', token: 't' } });
    expect(srv.url.startsWith('https://127.0.0.1:')).toBe(true);
    const dispatcher = new Agent({ connect: { ca: ca.cert } });
    try {
      expect((await get(`${srv.url}/healthz`, { dispatcher })).body).toBe('ok\n');
      expect((await get(`${srv.url}/metrics`, { dispatcher })).status).toBe(401);
      expect((await get(`${srv.url}/metrics`, { dispatcher, headers: { authorization: 'Bearer t' } })).status).toBe(200);
      // A client that does not trust the lab CA fails the handshake.
      await expect(get(`${srv.url}/healthz`)).rejects.toMatchObject({ code: expect.stringMatching(/CERT|SELF_SIGNED|UNABLE/) });
    } finally {
      await dispatcher.close();
    }
  });

  it('applies new auth on update without a restart', async () => {
    const srv = await start({ auth: { type: 'bearer', token: 'old' } });
    srv.update({ host: '127.0.0.1', port: 0, enableReload: false, auth: { type: 'bearer', token: 'new' } });
    expect((await get(`${srv.url}/metrics`, { headers: { authorization: 'Bearer old' } })).status).toBe(401);
    expect((await get(`${srv.url}/metrics`, { headers: { authorization: 'Bearer new' } })).status).toBe(200);
  });
});
