/** Vantages: the network paths probes leave from. */

export type ResolverSpec =
  | { type: 'system' }
  | { type: 'udp'; host: string; port: number }
  | { type: 'tcp'; host: string; port: number }
  | { type: 'doh'; url: string };

export type ProxySpec = { type: 'socks5' | 'http'; host: string; port: number; username?: string; password?: string };

export interface Vantage {
  id: string;
  resolver: ResolverSpec;
  proxy?: ProxySpec;
  localAddress?: string;
  labels: Record<string, string>;
  control: boolean;
}
