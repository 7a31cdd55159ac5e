/** Hand-written ClientHellos: parse them, fingerprint them (JA3, JA4). */
export { parseClientHello, ClientHelloError, MAX_HELLO, type ClientHello, type ClientHelloErrorCode, type EchExtension, type Extension } from './parse.js';
export { ja3, ja3FromText, ja4, ja4All, type Ja3, type Ja4Parts, type Ja4Transport } from './fingerprint.js';
export { EXT, GROUP, isGrease, GREASE_VALUES, extensionName, groupName, cipherName, versionName, alertName } from './codepoints.js';
