/**
 * Client fingerprints of a parsed ClientHello: JA4 as FoxIO specifies it
 * (github.com/FoxIO-LLC/ja4, technical_details/JA4.md) and JA3 as Salesforce did
 * (github.com/salesforce/ja3, README.md). GREASE values (RFC 8701) are left out of both.
 */
import { createHash } from 'node:crypto';
import { EXT, isGrease } from './codepoints.js';
import type { ClientHello } from './parse.js';

/** JA4's "a" part opens with where the hello travelled: TLS over TCP, QUIC or DTLS. */
export type Ja4Transport = 't' | 'q' | 'd';

export interface Ja4Parts {
  /** The fingerprint: a_b_c, ciphers and extensions sorted. */
  ja4: string;
  /** JA4_r: the same with the lists in clear instead of hashed. */
  ja4_r: string;
  /** JA4_o: ciphers and extensions in the order sent, SNI and ALPN kept. */
  ja4_o: string;
  /** JA4_ro: JA4_o's lists in clear. */
  ja4_ro: string;
}

const JA4_VERSIONS: Record<number, string> = {
  0x0304: '13',
  0x0303: '12',
  0x0302: '11',
  0x0301: '10',
  0x0300: 's3',
  0x0002: 's2',
  0xfeff: 'd1',
  0xfefd: 'd2',
  0xfefc: 'd3',
};

const EMPTY_HASH = '000000000000';

const hex4 = (v: number): string => v.toString(16).padStart(4, '0');
const sha12 = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 12);
const two = (n: number): string => String(Math.min(n, 99)).padStart(2, '0');
const noGrease = (vs: readonly number[]): number[] => vs.filter((v) => !isGrease(v));

/** The highest supported_versions entry when the extension is there, else legacy_version. */
function ja4Version(h: ClientHello): string {
  if (h.supportedVersions !== null) {
    const vs = noGrease(h.supportedVersions);
    return vs.length ? (JA4_VERSIONS[Math.max(...vs)] ?? '00') : '00';
  }
  return JA4_VERSIONS[h.legacyVersion] ?? '00';
}

function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** First and last character of the first ALPN value; its hex's first and last when either byte is not alphanumeric. */
function ja4Alpn(h: ClientHello): string {
  const first = h.alpn?.[0];
  if (!first) return '00';
  const a = first.charCodeAt(0);
  const z = first.charCodeAt(first.length - 1);
  if (isAlnum(a) && isAlnum(z)) return first[0] + first[first.length - 1];
  const hex = Buffer.from(first, 'latin1').toString('hex');
  return hex[0] + hex[hex.length - 1];
}

function hashOr(list: string): string {
  return list === '' ? EMPTY_HASH : sha12(list);
}

/** All four JA4 forms of a hello. */
export function ja4All(h: ClientHello, transport: Ja4Transport = 't'): Ja4Parts {
  const ciphers = noGrease(h.cipherSuites);
  const exts = noGrease(h.extensions.map((e) => e.type));
  const sni = exts.includes(EXT.server_name) ? 'd' : 'i';
  const a = `${transport}${ja4Version(h)}${sni}${two(ciphers.length)}${two(exts.length)}${ja4Alpn(h)}`;
  const sigs = noGrease(h.signatureAlgorithms ?? []).map(hex4).join(',');
  const withSigs = (list: string): string => (list === '' || sigs === '' ? list : `${list}_${sigs}`);

  const sortedCiphers = ciphers.map(hex4).sort().join(',');
  const sortedExts = exts
    .filter((e) => e !== EXT.server_name && e !== EXT.alpn)
    .map(hex4)
    .sort()
    .join(',');
  const origCiphers = ciphers.map(hex4).join(',');
  const origExts = exts.map(hex4).join(',');

  return {
    ja4: `${a}_${hashOr(sortedCiphers)}_${sortedExts === '' ? EMPTY_HASH : sha12(withSigs(sortedExts))}`,
    ja4_r: `${a}_${sortedCiphers}_${withSigs(sortedExts)}`,
    // The spec is silent on JA4_o when only SNI and ALPN are there; FoxIO's Python prints zeros
    // (python/ja4.py), as for JA4: so here.
    ja4_o: `${a}_${hashOr(origCiphers)}_${sortedExts === '' ? EMPTY_HASH : sha12(withSigs(origExts))}`,
    ja4_ro: `${a}_${origCiphers}_${withSigs(origExts)}`,
  };
}

/** The JA4 fingerprint, e.g. t13d1516h2_8daaf6152771_e5627efa2ab1. */
export function ja4(h: ClientHello, transport: Ja4Transport = 't'): string {
  return ja4All(h, transport).ja4;
}

export interface Ja3 {
  /** SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats in decimal, values joined by "-". */
  text: string;
  /** MD5 of text, lower-case hex: the JA3 fingerprint. */
  md5: string;
}

/** JA3 from the string; exported so the hash can be checked against the published examples. */
export function ja3FromText(text: string): Ja3 {
  return { text, md5: createHash('md5').update(text).digest('hex') };
}

/** JA3 of a hello: extensions in the order sent, so a client that permutes them has many. */
export function ja3(h: ClientHello): Ja3 {
  const dash = (vs: readonly number[]): string => vs.join('-');
  return ja3FromText(
    [
      String(h.legacyVersion),
      dash(noGrease(h.cipherSuites)),
      dash(noGrease(h.extensions.map((e) => e.type))),
      dash(noGrease(h.supportedGroups ?? [])),
      dash(h.ecPointFormats ?? []),
    ].join(','),
  );
}
