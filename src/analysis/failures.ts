/** Groups of OONI failure strings that analysis reads alike. */
import type { FailureString } from '../model/index.js';

/** A certificate came back and did not validate for the name: the handshake itself completed. */
export const CERT_FAILURES: ReadonlySet<FailureString> = new Set(['ssl_invalid_hostname', 'ssl_unknown_authority', 'ssl_invalid_certificate']);
