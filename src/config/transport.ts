/** Parses the config's transport strings: resolvers, proxies and listen addresses. */
import { isIP } from 'node:net';
import type { ProxySpec, ResolverSpec } from '../model/index.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

function hostAndPort(u: URL): { host: string; port: number | null } {
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port ? Number(u.port) : null };
}

export function parseResolver(text: string): Parsed<ResolverSpec> {
  if (text === 'system') return { ok: true, value: { type: 'system' } };
  const expected = 'expected system, udp://IP[:port], tcp://IP[:port] or https://HOST/dns-query';
  if (!URL.canParse(text)) return { ok: false, message: `"${text}" is not a resolver; ${expected}` };
  const u = new URL(text);
  if (u.protocol === 'https:') return { ok: true, value: { type: 'doh', url: text } };
  if (u.protocol === 'udp:' || u.protocol === 'tcp:') {
    const { host, port } = hostAndPort(u);
    if (!isIP(host)) return { ok: false, message: `"${text}": a ${u.protocol.slice(0, 3)} resolver needs an IP address, not a name` };
    return { ok: true, value: { type: u.protocol === 'udp:' ? 'udp' : 'tcp', host, port: port ?? 53 } };
  }
  return { ok: false, message: `"${text}" is not a resolver; ${expected}` };
}

export function parseProxy(text: string): Parsed<ProxySpec> {
  const expected = 'expected socks5://HOST:PORT or http://HOST:PORT (HTTP CONNECT)';
  if (!URL.canParse(text)) return { ok: false, message: `"${text}" is not a proxy; ${expected}` };
  const u = new URL(text);
  const type = u.protocol === 'socks5:' || u.protocol === 'socks5h:' ? 'socks5' : u.protocol === 'http:' ? 'http' : null;
  const { host, port } = hostAndPort(u);
  if (!type || !host || !port) return { ok: false, message: `"${text}" is not a proxy; ${expected}` };
  const spec: ProxySpec = { type, host, port };
  if (u.username) spec.username = decodeURIComponent(u.username);
  if (u.password) spec.password = decodeURIComponent(u.password);
  return { ok: true, value: spec };
}

export function parseListen(text: string): Parsed<{ host: string; port: number }> {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) return { ok: false, message: `"${text}" is not a listen address; expected HOST:PORT such as 0.0.0.0:9464 or [::]:9464` };
  return { ok: true, value: { host: m[1] ?? (m[2] || '0.0.0.0'), port } };
}
