/** Transports of a vantage: how it resolves names and opens connections. */
import type { Socket } from 'node:net';
import type { DnsQuery, QueryType } from '../model/index.js';

export interface QueryOptions {
  signal: AbortSignal;
  /** Time origin of the measurement (performance.now() ms), for t0/t. */
  origin: number;
}

/** Resolves one name for one query type. Never throws for a network failure: the query carries it. */
export interface Resolver {
  /** `system`, `udp://ip:port`, `tcp://ip:port` or the DoH URL. */
  readonly address: string;
  query(hostname: string, type: QueryType, opts: QueryOptions): Promise<DnsQuery>;
  /** Releases pooled connections (DoH); optional. */
  close?(): Promise<void>;
}

export interface ConnectOptions {
  signal: AbortSignal;
}

/** Opens a TCP connection to ip:port, directly, from a bound address, or through a proxy. Throws on failure (map with toFailure). */
export interface Connector {
  readonly describe: string;
  connect(ip: string, port: number, opts: ConnectOptions): Promise<Socket>;
}

/**
 * A UDP path to one peer, opened by a vantage's DatagramConnector. Only the
 * peer's datagrams arrive (a connected socket, or a proxy's relay for that
 * destination); an ICMP port unreachable arrives as an error (ECONNREFUSED).
 */
export interface DatagramChannel {
  /** ip:port of the peer. */
  readonly remote: string;
  /** Sends one datagram; a failure to send arrives through onError. */
  send(payload: Buffer): void;
  onMessage(listener: (msg: Buffer, from: string) => void): void;
  /** Map with toFailure; ICMP port unreachable maps to connection_refused. */
  onError(listener: (err: Error) => void): void;
  close(): void;
}

/** Opens UDP paths directly, from a bound address, or through a SOCKS5 UDP ASSOCIATE. Throws when the vantage cannot carry UDP. */
export interface DatagramConnector {
  readonly describe: string;
  open(ip: string, port: number, opts: ConnectOptions): Promise<DatagramChannel>;
}
