/** STUN (RFC 8489) for the udp probe: the message codec and the Binding transaction runner. */
export { formatAddress, readAddress, type TransportAddress } from './address.js';
export {
  ATTR,
  BINDING_ERROR,
  BINDING_REQUEST,
  BINDING_SUCCESS,
  bindingRequest,
  FINGERPRINT_XOR,
  fingerprintOf,
  HEADER_BYTES,
  MAGIC_COOKIE,
  newTransactionId,
  readResponse,
  TRANSACTION_ID_BYTES,
  type NotOurs,
  type RequestOptions,
  type StunReading,
} from './message.js';
export { blankExchange, MAX_RECORDED_REPLIES, sendOffsetMs, STUN_RC, STUN_RM, STUN_RTO_MS, stunBinding, type BindingOptions } from './binding.js';
