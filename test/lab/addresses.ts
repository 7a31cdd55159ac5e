/**
 * The lab's address plan. Every address is in the benchmarking range 198.18.0.0/15
 * (RFC 2544/RFC 5735), so nothing here is a bogon to the analysis and nothing routes
 * off this machine; the client namespace has no default route.
 */

/** client ⇄ censor link: the vantage's censored path. */
export const CLIENT_ISP = '198.18.0.2';
export const CENSOR_CLIENT_SIDE = '198.18.0.1';
/** censor ⇄ servers link. */
export const CENSOR_SERVER_SIDE = '198.18.255.1';
export const SERVERS_CENSOR_SIDE = '198.18.255.2';
/** Addresses the servers namespace answers on (any address in it is local there). */
export const SERVERS_PREFIX = '198.18.1.0/24';
/** Addresses owned by the censor itself: blockpage server, MITM box, forged DNS answers. */
export const CENSOR_PREFIX = '198.18.9.0/24';

/** client ⇄ abroad link: the uncensored path of the control vantage. */
export const CLIENT_ABROAD = '198.19.0.2';
export const ABROAD_CLIENT_SIDE = '198.19.0.1';
/** abroad ⇄ servers link. */
export const ABROAD_SERVER_SIDE = '198.19.255.1';
export const SERVERS_ABROAD_SIDE = '198.19.255.2';
/** Addresses the abroad namespace answers on. */
export const ABROAD_PREFIX = '198.19.1.0/24';

// Services.
export const ISP_RESOLVER = '198.18.1.53';
export const CANARY = '198.18.1.2';
/** A canary domestic to the client's network (behind the censor, as the foreign one): it stays reachable under an allowlist. */
export const DOMESTIC_CANARY = '198.18.1.3';
export const BLOCKPAGE = '198.18.9.9';
export const FORGED = '198.18.9.10';
export const MITM = '198.18.9.20';
export const EOF_BOX = '198.18.9.30';
/** The censor's QUIC relay: UDP/443 of an SNI-filtered address is DNAT-ed to it (services/quic-sni-box.ts). */
export const QUIC_SNI_BOX = '198.18.9.40';
/** The censor's TLS box: TCP 443 of an address it inspects is DNAT-ed to it (services/tls-box.ts). */
export const TLS_BOX = '198.18.9.50';
export const TRUTHFUL_RESOLVER = '198.19.1.53';
export const PROXY = '198.19.1.10';
export const SOCKS_PORT = 1080;
export const CONNECT_PORT = 3128;
export const WEBHOOK_SINK = '198.19.1.99';
export const WEBHOOK_PORT = 9000;
/** STUN's registered default port (RFC 8489, IANA "stun" 3478/udp): the call relay (coturn) listens on it. */
export const STUN_PORT = 3478;
/**
 * The QUIC peer (caddy) listens here, TCP and UDP, on each of its addresses: UDP/443 and
 * TCP/443 of those addresses are DNAT-ed to it in the servers namespace, because the app
 * hosts already hold TCP 443 on every address there.
 */
export const QUIC_PEER_PORT = 8443;
/** The MTProto peer listens here on each of its addresses; their TCP/443 is DNAT-ed to it, as for the QUIC peer. */
export const MTPROTO_PEER_PORT = 8444;

/** A bogon that censors answer with (loopback, as some Russian ISPs do); the client routes it nowhere. */
export const BOGON = '127.0.0.1';

/** Names a probe may send as an innocuous SNI when it swaps the name; the app servers' certificate covers them. */
export const INNOCUOUS_NAMES = ['example.com', 'www.example.com', 'example.org', 'example.net'];
