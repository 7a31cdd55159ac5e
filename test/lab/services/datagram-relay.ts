/**
 * A user-space UDP relay for the censor: datagrams that reach its port (the censor DNATs a
 * server's address to it) are forwarded to the real server from one upstream socket per
 * client flow, and the answers go back out of the relay's port, where conntrack's reverse
 * NAT gives them the server's address again: transparent to the client. Every client
 * datagram passes a `shouldDrop` hook first; once it says drop, the whole flow is dropped,
 * as a stateful DPI box does.
 */
import { createSocket, type Socket } from 'node:dgram';

export type ShouldDrop = (datagram: Buffer) => boolean;

export interface DatagramRelaySpec {
  /** Where the relay listens; port 0 picks a free one. */
  listen: { address: string; port: number };
  upstream: { address: string; port: number };
  shouldDrop: ShouldDrop;
  /** A flow with no datagram for this long is forgotten. */
  idleMs?: number;
  /** At most this many flows; the oldest goes first. */
  maxFlows?: number;
}

export interface RelayStats {
  flows: number;
  forwarded: number;
  returned: number;
  dropped: number;
  droppedFlows: number;
}

export interface DatagramRelay {
  readonly port: number;
  setShouldDrop(hook: ShouldDrop): void;
  stats(): RelayStats;
  close(): Promise<void>;
}

interface Flow {
  client: { address: string; port: number };
  upstream: Socket | null;
  dropped: boolean;
  idle: NodeJS.Timeout;
}

const IDLE_MS = 30_000;
const MAX_FLOWS = 1024;

export async function startDatagramRelay(spec: DatagramRelaySpec): Promise<DatagramRelay> {
  let shouldDrop = spec.shouldDrop;
  const flows = new Map<string, Flow>();
  const counts = { forwarded: 0, returned: 0, dropped: 0, droppedFlows: 0 };
  const front = createSocket('udp4');
  front.on('error', () => {}); // a send to a vanished client is not the relay's problem

  const forget = (key: string): void => {
    const f = flows.get(key);
    if (!f) return;
    flows.delete(key);
    clearTimeout(f.idle);
    if (f.upstream) {
      f.upstream.removeAllListeners('message');
      try {
        f.upstream.close();
      } catch {
        // already closed
      }
    }
  };
  const touch = (key: string, f: Flow): void => {
    clearTimeout(f.idle);
    f.idle = setTimeout(() => forget(key), spec.idleMs ?? IDLE_MS);
    f.idle.unref();
  };

  const openUpstream = (f: Flow): Socket => {
    const up = createSocket('udp4');
    up.on('error', () => {}); // a send that fails costs this datagram, nothing more
    up.on('message', (msg, rinfo) => {
      if (rinfo.address !== spec.upstream.address || rinfo.port !== spec.upstream.port) return;
      counts.returned++;
      front.send(msg, f.client.port, f.client.address);
    });
    return up;
  };

  front.on('message', (msg, rinfo) => {
    const key = `${rinfo.address}:${rinfo.port}`;
    let f = flows.get(key);
    if (!f) {
      if (flows.size >= (spec.maxFlows ?? MAX_FLOWS)) forget(flows.keys().next().value as string);
      f = { client: { address: rinfo.address, port: rinfo.port }, upstream: null, dropped: false, idle: setTimeout(() => {}, 0) };
      flows.set(key, f);
    }
    touch(key, f);
    if (!f.dropped && shouldDrop(msg)) {
      f.dropped = true;
      counts.droppedFlows++;
    }
    if (f.dropped) {
      counts.dropped++;
      return;
    }
    f.upstream ??= openUpstream(f);
    counts.forwarded++;
    f.upstream.send(msg, spec.upstream.port, spec.upstream.address);
  });

  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.bind(spec.listen.port, spec.listen.address, () => {
      front.off('error', reject);
      resolve();
    });
  });

  return {
    port: front.address().port,
    setShouldDrop(hook) {
      shouldDrop = hook;
    },
    stats: () => ({ flows: flows.size, ...counts }),
    async close() {
      for (const key of [...flows.keys()]) forget(key);
      await new Promise<void>((resolve) => front.close(() => resolve()));
    },
  };
}
