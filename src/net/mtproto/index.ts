/**
 * MTProto, as far as a censorship probe needs it: the first step of the key exchange
 * (req_pq_multi → resPQ) in an unencrypted message, over the TCP transports Telegram's
 * clients use (abridged, intermediate, padded intermediate, and obfuscated2 around them).
 *
 * Why: from 2026 Russian TSPU boxes let a TCP connection to a Telegram data centre through
 * and drop or reset it once MTProto's first bytes appear (issue 19); a bare TCP connect says
 * `reachable` there. Speaking the protocol's first exchange is the smallest honest test.
 *
 * Layers, one file each: tl (the two combinators) → message (the unencrypted envelope and
 * message ids) → transports (framing, quick ACKs, transport errors) → obfuscated2 (header and
 * AES-256-CTR keys) → answer (reading and judging what came back) → exchange (the socket).
 * Sources: core.telegram.org/mtproto/auth_key, /samples-auth_key, /description,
 * /mtproto-transports, /serialize, /TL. Nothing here imports engines or analysis, and every
 * parser is total: hostile bytes become a named reason, never an exception.
 */
export { mtprotoExchange, firstFlight, MAX_ANSWER_BYTES, DEFAULT_DC, DEFAULT_OBFUSCATED_FRAMING, type MtprotoExchangeOptions } from './exchange.js';
export { AnswerReader, HEAD_BYTES, type Answer, type Malformed, type OtherReason } from './answer.js';
export { obfuscated2Client, headerKeys, encodeDcId, isGoodStart, ctr, RESERVED_FIRST_INTS, OBFUSCATED2_HEADER_BYTES, type Obfuscated2Client, type Obfuscated2Options, type DirectionKeys } from './obfuscated2.js';
export { frame, framingTag, obfuscatedTag, readPacket, FRAMINGS, type Framing, type Packet, type PacketRead, type FrameMalformed } from './transports.js';
export { messageId, plainMessage, readPlainMessage, PLAIN_HEADER_BYTES, type PlainMessage, type PlainMalformed } from './message.js';
export { reqPqMulti, resPq, parseResPq, tlString, REQ_PQ_MULTI, RES_PQ, VECTOR, NONCE_BYTES, MAX_FINGERPRINTS, type ResPq, type ResPqResult, type TlMalformed } from './tl.js';
