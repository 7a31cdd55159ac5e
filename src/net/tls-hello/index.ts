/**
 * Hand-written ClientHellos: a client's hello as data (profile.ts), written byte for byte per
 * connection (build.ts), sent and judged at the ServerHello (exchange.ts); and the reading side,
 * a ClientHello parser with JA3 and JA4, for captures and censor boxes alike.
 *
 * Layers, one file each: codepoints → parse + encode → fingerprint → key-shares + ech-grease →
 * profile → build → server-answer → exchange; from-hello turns a capture into a profile.
 * Nothing here imports engines, config or analysis.
 */
export { parseClientHello, ClientHelloError, MAX_HELLO, type ClientHello, type ClientHelloErrorCode, type EchExtension, type Extension } from './parse.js';
export { ja3, ja3FromText, ja4, ja4All, type Ja3, type Ja4Parts, type Ja4Transport } from './fingerprint.js';
export { EXT, GROUP, isGrease, GREASE_VALUES, extensionName, groupName, cipherName, versionName, alertName } from './codepoints.js';
export { encodeClientHelloMessage, inRecords, type HelloFields } from './encode.js';
export { validateProfile, profileHasEch, PADDING_RULES, HELLO_ENGINES, type HelloProfile, type ExtensionSpec, type ProfileIssue, type PaddingRule, type HelloEngine, type Value16 } from './profile.js';
export { buildClientHello, sendsEch, profileFingerprint, type BuildOptions, type ProfileFingerprint } from './build.js';
export { keyShareFor, mlkem768EncapsulationKey, MLKEM768_EK_BYTES } from './key-shares.js';
export { greaseEchData, BORINGSSL_PAYLOAD_LENGTHS } from './ech-grease.js';
export { readServerAnswer, HRR_RANDOM, type ServerAnswer } from './server-answer.js';
export { helloExchange, MAX_ANSWER_BYTES, type HelloExchangeOptions } from './exchange.js';
export { profileDocument, profileYaml, type CaptureMeta, type ProfileDocument } from './from-hello.js';
