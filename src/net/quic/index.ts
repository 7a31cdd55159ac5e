/** QUIC v1 from node:crypto, as far as a censorship probe needs it: the client Initial, what comes back, and the exchange. */
export { quicInitialExchange, ptoSchedule, INITIAL_PTO_MS, K_INITIAL_RTT_MS, RESERVED_VERSION, type QuicExchangeOptions } from './exchange.js';
export { buildClientHello, freshX25519PublicKey, EXT, HANDSHAKE_CLIENT_HELLO, HANDSHAKE_SERVER_HELLO, type ClientHelloOptions } from './client-hello.js';
export { buildClientInitial, cryptoFrame, MIN_INITIAL_DATAGRAM, MAX_CID_LENGTH, type ClientInitial } from './initial-packet.js';
export { initialSecrets, packetKeys, hkdfExtract, hkdfExpandLabel, QUIC_V1, INITIAL_SALT_V1, type PacketKeys, type InitialSecrets } from './keys.js';
export { protectLong, unprotectLong, decodePacketNumber, headerMask, retryIntegrityTag, retryTagValid, type Unprotected } from './protection.js';
export { parseDatagram, type ConnectionView, type ServerPacket } from './server-packets.js';
export { parseInitialFrames, type InitialFrames, type ConnectionClose } from './frames.js';
export { CryptoStream } from './crypto-stream.js';
export { clientTransportParameters, parseTransportParameters, TP } from './transport-params.js';
