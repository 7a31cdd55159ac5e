/**
 * Builds and removes the lab's network namespaces: client (the vantage), censor (a router
 * on the client's path), servers, and abroad (the control path that bypasses the censor).
 */
import * as A from './addresses.js';
import { must, nsMust, run } from './sh.js';

export const NS_PREFIX = 'bwl-';
export const ROLES = ['client', 'censor', 'servers', 'abroad'] as const;
export type Role = (typeof ROLES)[number];
export type Namespaces = Record<Role, string>;

let seq = 0;

/** Names carry the owner's pid, so a later run can tell a crashed run's leftovers from a live lab. */
export function namespaceNames(): Namespaces {
  const id = `${NS_PREFIX}${process.pid}-${(seq++).toString(36)}`;
  return { client: `${id}-cli`, censor: `${id}-cen`, servers: `${id}-srv`, abroad: `${id}-abr` };
}

export async function listLabNamespaces(): Promise<string[]> {
  const out = await must('ip', ['netns', 'list']);
  return out.split('\n').map((l) => l.split(' ')[0]).filter((n) => n.startsWith(NS_PREFIX));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Ends every process inside a namespace, then deletes it. */
export async function deleteNamespace(ns: string): Promise<void> {
  const pids = await run('ip', ['netns', 'pids', ns]);
  for (const pid of pids.stdout.split('\n').map(Number).filter((p) => p > 0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await run('ip', ['netns', 'del', ns]);
}

/** Removes namespaces left by lab runs whose process no longer exists. */
export async function removeStale(): Promise<string[]> {
  const stale = (await listLabNamespaces()).filter((ns) => {
    const pid = Number(ns.slice(NS_PREFIX.length).split('-')[0]);
    return !(pid > 0 && alive(pid));
  });
  for (const ns of stale) await deleteNamespace(ns);
  return stale;
}

async function veth(nsA: string, ifA: string, nsB: string, ifB: string): Promise<void> {
  await must('ip', ['link', 'add', ifA, 'netns', nsA, 'type', 'veth', 'peer', 'name', ifB, 'netns', nsB]);
}

async function addr(ns: string, dev: string, cidr: string): Promise<void> {
  await nsMust(ns, 'ip', ['addr', 'add', cidr, 'dev', dev]);
  await nsMust(ns, 'ip', ['link', 'set', dev, 'up']);
}

async function route(ns: string, args: string[]): Promise<void> {
  await nsMust(ns, 'ip', ['route', 'add', ...args]);
}

/** Creates the four namespaces and their links. Nothing has a default route. */
export async function buildTopology(ns: Namespaces): Promise<void> {
  for (const role of ROLES) {
    await must('ip', ['netns', 'add', ns[role]]);
    await nsMust(ns[role], 'ip', ['link', 'set', 'lo', 'up']);
    // IPv4 only: no link-local IPv6 path exists for anything to wander off on.
    await nsMust(ns[role], 'sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
    await nsMust(ns[role], 'sysctl', ['-qw', 'net.ipv6.conf.default.disable_ipv6=1']);
  }
  await veth(ns.client, 'cen0', ns.censor, 'cli0');
  await veth(ns.censor, 'srv0', ns.servers, 'cen0');
  await veth(ns.client, 'abr0', ns.abroad, 'cli0');
  await veth(ns.abroad, 'srv0', ns.servers, 'abr0');

  await addr(ns.client, 'cen0', `${A.CLIENT_ISP}/24`);
  await addr(ns.censor, 'cli0', `${A.CENSOR_CLIENT_SIDE}/24`);
  await addr(ns.censor, 'srv0', `${A.CENSOR_SERVER_SIDE}/24`);
  await addr(ns.servers, 'cen0', `${A.SERVERS_CENSOR_SIDE}/24`);
  await addr(ns.client, 'abr0', `${A.CLIENT_ABROAD}/24`);
  await addr(ns.abroad, 'cli0', `${A.ABROAD_CLIENT_SIDE}/24`);
  await addr(ns.abroad, 'srv0', `${A.ABROAD_SERVER_SIDE}/24`);
  await addr(ns.servers, 'abr0', `${A.SERVERS_ABROAD_SIDE}/24`);

  // Whole prefixes are local to the namespace that serves them, so each lab host gets
  // its own address without one `ip addr` per host; service addresses are added too so
  // that UDP sockets can bind them.
  await route(ns.servers, ['local', A.SERVERS_PREFIX, 'dev', 'lo']);
  await route(ns.censor, ['local', A.CENSOR_PREFIX, 'dev', 'lo']);
  await route(ns.abroad, ['local', A.ABROAD_PREFIX, 'dev', 'lo']);
  await nsMust(ns.servers, 'ip', ['addr', 'add', `${A.ISP_RESOLVER}/32`, 'dev', 'lo']);
  for (const ip of [A.BLOCKPAGE, A.MITM, A.EOF_BOX, A.QUIC_SNI_BOX, A.TLS_BOX]) await nsMust(ns.censor, 'ip', ['addr', 'add', `${ip}/32`, 'dev', 'lo']);
  for (const ip of [A.TRUTHFUL_RESOLVER, A.PROXY, A.WEBHOOK_SINK]) await nsMust(ns.abroad, 'ip', ['addr', 'add', `${ip}/32`, 'dev', 'lo']);

  // The client reaches the servers only through the censor, and the abroad services directly.
  await routeClientViaCensor(ns);
  await route(ns.client, [A.ABROAD_PREFIX, 'via', A.ABROAD_CLIENT_SIDE]);
  await route(ns.censor, [A.SERVERS_PREFIX, 'via', A.SERVERS_CENSOR_SIDE]);
  await nsMust(ns.censor, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
  await route(ns.abroad, [A.SERVERS_PREFIX, 'via', A.SERVERS_ABROAD_SIDE]);
  await route(ns.servers, ['198.18.0.0/24', 'via', A.CENSOR_SERVER_SIDE]);
  await route(ns.servers, ['198.19.0.0/16', 'via', A.ABROAD_SERVER_SIDE]);
}

/** The client's routes across the censor; the kernel drops them when cen0 goes down, so they are put back when it comes up. */
export async function routeClientViaCensor(ns: Namespaces): Promise<void> {
  for (const prefix of [A.SERVERS_PREFIX, A.CENSOR_PREFIX]) await nsMust(ns.client, 'ip', ['route', 'replace', prefix, 'via', A.CENSOR_CLIENT_SIDE]);
}

export async function destroyTopology(ns: Namespaces): Promise<void> {
  for (const role of ROLES) await deleteNamespace(ns[role]);
}
