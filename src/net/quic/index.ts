/**
 * QUIC v1 from node:crypto, as far as a censorship probe needs it: the client's
 * Initial with a real TLS 1.3 ClientHello, and a reading of what comes back.
 *
 * Why: censors drop QUIC wholesale (UDP 443) or by the SNI they decrypt from the
 * client's Initial, which anyone can do because the Initial keys derive from the
 * Destination Connection ID in the clear (RFC 9001 §5.2). So the probe must send
 * what a browser sends, name the host in it, and tell whether a valid long-header
 * answer returns. Node 20 has no QUIC stack; this is the smallest honest one.
 *
 * Layers, one file each: wire (bounds-checked reads, varints) → keys (HKDF,
 * Initial secrets) → protection (AEAD, header protection, Retry tag) →
 * client-hello + transport-params → initial-packet (the client's datagram) →
 * frames + crypto-stream + server-packets (reading answers) → exchange (send,
 * retransmit on the PTO, decide). Nothing here imports engines or analysis.
 *
 * What it does not do: it never completes a handshake. Handshake packets need
 * keys from the TLS key exchange, so they are recognised and counted, not read;
 * nothing is acknowledged; a Retry or Version Negotiation ends the exchange
 * rather than restarting it. Every parser is total: malformed or hostile input
 * becomes an `other` packet with a reason, and every length is bounds-checked.
 */
export { quicInitialExchange, ptoSchedule, INITIAL_PTO_MS, K_INITIAL_RTT_MS, RESERVED_VERSION, type QuicExchangeOptions } from './exchange.js';
export { buildClientHello, freshX25519PublicKey, EXT, HANDSHAKE_CLIENT_HELLO, HANDSHAKE_SERVER_HELLO, type ClientHelloOptions } from './client-hello.js';
export { buildClientInitial, cryptoFrame, MIN_INITIAL_DATAGRAM, MAX_CID_LENGTH, type ClientInitial } from './initial-packet.js';
export { initialSecrets, packetKeys, hkdfExtract, hkdfExpandLabel, QUIC_V1, INITIAL_SALT_V1, type PacketKeys, type InitialSecrets } from './keys.js';
export { protectLong, unprotectLong, decodePacketNumber, headerMask, retryIntegrityTag, retryTagValid, type Unprotected } from './protection.js';
export { parseDatagram, type ConnectionView, type ServerPacket } from './server-packets.js';
export { parseInitialFrames, type InitialFrames, type ConnectionClose } from './frames.js';
export { CryptoStream } from './crypto-stream.js';
export { clientTransportParameters, parseTransportParameters, TP } from './transport-params.js';
