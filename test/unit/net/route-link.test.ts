/**
 * Route lookups against a real kernel: two network namespaces joined by a veth pair. When the
 * peer end goes down, this end loses its carrier while Linux keeps its routes (marked
 * linkdown): the lookup must say network_unreachable, as for a route that is gone. Needs root
 * (network namespaces); skipped otherwise. Nothing is sent: a route lookup sends no packet.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { isRoot, must, nsMust, run } from '../../lab/sh.js';

const ROUTE = resolve(import.meta.dirname, '../../../dist/src/net/route.js');
const id = `bwr-${process.pid}`;
const NS = { host: `${id}-host`, peer: `${id}-peer` };
// The benchmarking range (RFC 2544) for the link and IPv6 documentation addresses (RFC 3849): nothing leaves the namespaces.
const DEST_V4 = '198.18.200.7';
const DEST_V6 = '2001:db8:ff::7';

/** routeTo(dest) as seen from inside the host namespace. */
async function routeFromHost(dest: string): Promise<string | null> {
  const script = `import(process.argv[1]).then((m) => m.routeTo(process.argv[2])).then((r) => process.stdout.write(JSON.stringify(r)))`;
  const out = await nsMust(NS.host, process.execPath, ['-e', script, ROUTE, dest], { timeoutMs: 30_000 });
  return JSON.parse(out) as string | null;
}

/** Waits until the host end's carrier reads `state` (1 or 0): the kernel follows the peer a moment later. */
async function carrier(state: '0' | '1'): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await nsMust(NS.host, 'cat', ['/sys/class/net/up0/carrier'])).trim() === state) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`up0's carrier never read ${state}`);
}

describe.skipIf(!isRoot())('a route out of an interface that lost its carrier', () => {
  beforeAll(async () => {
    for (const ns of Object.values(NS)) await must('ip', ['netns', 'add', ns]);
    await must('ip', ['link', 'add', 'up0', 'netns', NS.host, 'type', 'veth', 'peer', 'name', 'down0', 'netns', NS.peer]);
    await nsMust(NS.host, 'ip', ['addr', 'add', '198.18.200.2/24', 'dev', 'up0']);
    await nsMust(NS.host, 'ip', ['-6', 'addr', 'add', '2001:db8:ff::2/64', 'dev', 'up0', 'nodad']);
    for (const [ns, dev] of [[NS.host, 'up0'], [NS.peer, 'down0']]) await nsMust(ns, 'ip', ['link', 'set', dev, 'up']);
    await nsMust(NS.host, 'ip', ['route', 'add', 'default', 'via', '198.18.200.1']);
    await nsMust(NS.host, 'ip', ['-6', 'route', 'add', 'default', 'via', '2001:db8:ff::1']);
    await carrier('1');
  });
  afterAll(async () => {
    for (const ns of Object.values(NS)) await run('ip', ['netns', 'del', ns]);
  });

  it('is found while the link is up, IPv4 and IPv6', async () => {
    expect(await routeFromHost(DEST_V4)).toBeNull();
    expect(await routeFromHost(DEST_V6)).toBeNull();
  });

  it('reads network_unreachable once the peer is down, though the kernel still hands the route back', async () => {
    await nsMust(NS.peer, 'ip', ['link', 'set', 'down0', 'down']);
    await carrier('0');
    // The route is still there: what the lookup used to stop at.
    expect(await nsMust(NS.host, 'ip', ['route', 'get', DEST_V4])).toContain('dev up0');
    expect(await routeFromHost(DEST_V4)).toBe('network_unreachable');
    expect(await routeFromHost(DEST_V6)).toBe('network_unreachable');
  });

  it('is found again when the carrier comes back', async () => {
    await nsMust(NS.peer, 'ip', ['link', 'set', 'down0', 'up']);
    await carrier('1');
    expect(await routeFromHost(DEST_V4)).toBeNull();
  });
});
