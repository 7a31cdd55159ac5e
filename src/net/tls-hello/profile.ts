/**
 * A hello profile: everything needed to write one client's ClientHello byte for byte, as data
 * (probes/hellos/<name>.yaml). This file is the model and its validation from parsed YAML;
 * values drawn per connection (GREASE, keys, randoms) are named here and drawn by build.ts.
 */
import { EXT, extensionName, GROUP, isGrease, type ExtensionName } from './codepoints.js';

/** A 16-bit code point, or a GREASE value drawn per connection (RFC 8701). */
export type Value16 = number | 'grease';

/**
 * How the client pads its hello with the padding extension (RFC 7685), always placed last:
 * - `none`: never;
 * - `nonempty-last`: one byte when the last extension would be empty (BoringSSL since 2026-08,
 *   ssl/extensions.cc: WebSphere 7 rejects an empty last extension);
 * - `f5`: a message of 256–511 bytes is padded to 512 (the F5 workaround: NSS
 *   ssl_CalculatePaddingExtLen, BoringSSL before commit eae46df1e), at least one byte of data,
 *   and one byte when the last extension would be empty;
 * - `to-512`: the message is always padded to 512 bytes (Telegram Desktop's template).
 */
export const PADDING_RULES = ['none', 'nonempty-last', 'f5', 'to-512'] as const;
export type PaddingRule = (typeof PADDING_RULES)[number];

/** Who writes the hello: this module, or node:tls (the `node` profile: Node's own full handshake). */
export const HELLO_ENGINES = ['hand', 'node:tls'] as const;
export type HelloEngine = (typeof HELLO_ENGINES)[number];

export type ExtensionSpec =
  /** An extension whose type is a GREASE value drawn per connection; its data as given. */
  | { type: 'grease'; data: Buffer }
  /** The target's server name; left out when there is none (an address). */
  | { type: 'server_name' }
  /** The target's ALPN list, or `protocols` when the target sets none. */
  | { type: 'alpn'; protocols: string[] }
  | { type: 'application_settings' | 'application_settings_old'; protocols: string[] }
  | { type: 'supported_groups'; groups: Value16[] }
  /** One share per group, a fresh public key each (key-shares.ts); a GREASE share is one zero byte. */
  | { type: 'key_share'; groups: Value16[] }
  | { type: 'signature_algorithms' | 'delegated_credentials'; schemes: Value16[] }
  | { type: 'supported_versions'; versions: Value16[] }
  /** One-byte modes; `grease` draws from RFC 8701's one-byte values. */
  | { type: 'psk_key_exchange_modes'; modes: Array<number | 'grease'> }
  | { type: 'ec_point_formats'; formats: number[] }
  | { type: 'compress_certificate'; algorithms: number[] }
  | { type: 'record_size_limit'; limit: number }
  /** GREASE ECH (RFC 9849 §6.2): HPKE suite, a random config_id, a fresh X25519 enc, random payload of one of these lengths. */
  | { type: 'encrypted_client_hello'; kdf: number; aead: number; payloadLengths: number[] }
  /** A padding extension of a fixed length (zeros). */
  | { type: 'padding'; length: number }
  /** Any other extension, its data as given (status_request, renegotiation_info, an unassigned code point…). */
  | { type: 'raw'; code: number; data: Buffer };

export interface HelloProfile {
  name: string;
  /** The file it came from; empty for one built in code. */
  file: string;
  description: string;
  sources: string[];
  engine: HelloEngine;
  /** The client permutes its extensions per connection (Chromium since 110): all but GREASE and padding move. */
  shuffle: boolean;
  padding: PaddingRule;
  recordVersion: number;
  legacyVersion: number;
  /** Random bytes of legacy_session_id (32 for the middlebox compatibility mode, RFC 8446 §D.4). */
  sessionIdLength: number;
  cipherSuites: Value16[];
  compressionMethods: number[];
  extensions: ExtensionSpec[];
  /** As the file states them ('' when absent); config/hellos.ts checks them against what the profile sends. */
  ja3: string;
  ja4: string;
}

/** A problem with a profile: the field path and what to write instead. */
export interface ProfileIssue {
  path: string;
  message: string;
}

const GROUP_NAMES = Object.keys(GROUP) as Array<keyof typeof GROUP>;
const TOP_KEYS = ['name', 'description', 'sources', 'engine', 'shuffle', 'padding', 'recordVersion', 'legacyVersion', 'sessionId', 'cipherSuites', 'compressionMethods', 'extensions', 'ja3', 'ja4'];

/** The fields each structured extension takes; every other type takes `data`. */
const FIELDS: Partial<Record<ExtensionName | 'grease', string[]>> = {
  grease: ['data'],
  server_name: [],
  alpn: ['protocols'],
  application_settings: ['protocols'],
  application_settings_old: ['protocols'],
  supported_groups: ['groups'],
  key_share: ['groups'],
  signature_algorithms: ['schemes'],
  delegated_credentials: ['schemes'],
  supported_versions: ['versions'],
  psk_key_exchange_modes: ['modes'],
  ec_point_formats: ['formats'],
  compress_certificate: ['algorithms'],
  record_size_limit: ['limit'],
  encrypted_client_hello: ['kdf', 'aead', 'payloadLengths'],
  padding: ['length'],
};

/** Groups a key share can be made for (key-shares.ts). */
export const SHAREABLE_GROUPS = new Set<number>([GROUP.x25519, GROUP.x448, GROUP.secp256r1, GROUP.secp384r1, GROUP.secp521r1, GROUP.X25519MLKEM768]);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads the raw YAML of one profile; the profile, or null with the issues pushed. */
export function validateProfile(raw: unknown, issues: ProfileIssue[]): HelloProfile | null {
  const before = issues.length;
  const issue = (path: string, message: string): void => void issues.push({ path, message });
  if (!isRecord(raw)) {
    issue('', 'expected a mapping with name, sources, cipherSuites, extensions, ja3, ja4, …');
    return null;
  }
  for (const k of Object.keys(raw)) if (!TOP_KEYS.includes(k)) issue(k, `unknown key "${k}": expected one of ${TOP_KEYS.join(', ')}`);

  const str = (k: string, required = true): string => {
    const v = raw[k];
    if (typeof v === 'string' && v.trim() !== '') return v;
    if (v !== undefined || required) issue(k, 'expected a non-empty string');
    return '';
  };
  const name = str('name');
  const description = str('description', false);
  // Checked against what the profile sends by the loader, which says what to write when absent.
  const ja3 = str('ja3', false);
  const ja4 = str('ja4', false);
  if (ja3 && !/^[0-9a-f]{32}$/.test(ja3)) issue('ja3', `"${ja3}" is not a JA3 fingerprint: expected 32 lower-case hex digits (its MD5)`);

  const sources = raw.sources;
  if (!Array.isArray(sources) || sources.length === 0 || !sources.every((s) => typeof s === 'string' && s.trim() !== '')) {
    issue('sources', 'list where this hello comes from (a capture, a source file with its commit)');
  }

  const oneOf = <T extends string>(k: string, allowed: readonly T[], dflt: T): T => {
    const v = raw[k];
    if (v === undefined) return dflt;
    if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
    issue(k, `${JSON.stringify(v)} is not allowed: expected one of ${allowed.join(', ')}`);
    return dflt;
  };
  const engine = oneOf('engine', HELLO_ENGINES, 'hand');
  const padding = oneOf('padding', PADDING_RULES, 'none');
  const shuffle = raw.shuffle === undefined ? false : raw.shuffle;
  if (typeof shuffle !== 'boolean') issue('shuffle', 'expected true (the client permutes its extensions per connection) or false');

  const recordVersion = uint(raw.recordVersion, 'recordVersion', 0xffff, issue, 0x0301);
  const legacyVersion = uint(raw.legacyVersion, 'legacyVersion', 0xffff, issue, 0x0303);
  const sessionIdLength = uint(raw.sessionId, 'sessionId', 32, issue, 32);
  const cipherSuites = values16(raw.cipherSuites, 'cipherSuites', issue, true, 'a cipher suite such as 0x1301');
  const compressionMethods = list(raw.compressionMethods ?? [0], 'compressionMethods', issue, (v, p) => uint(v, p, 0xff, issue));
  if (compressionMethods.length === 0) issue('compressionMethods', 'list at least one method: [0] (null)');

  const extensions: ExtensionSpec[] = [];
  if (!Array.isArray(raw.extensions)) issue('extensions', 'expected the list of extensions in the order sent, e.g. - { type: server_name }');
  else raw.extensions.forEach((e, i) => {
    const spec = extension(e, `extensions[${i}]`, issue);
    if (spec) extensions.push(spec);
  });
  // Across entries only once each entry reads well: a misspelt group is one problem, not two.
  if (issues.length === before) checkExtensions(extensions, padding, issue);

  if (issues.length > before) return null;
  return {
    name,
    file: '',
    description,
    sources: sources as string[],
    engine,
    shuffle: shuffle as boolean,
    padding,
    recordVersion,
    legacyVersion,
    sessionIdLength,
    cipherSuites,
    compressionMethods,
    extensions,
    ja3,
    ja4,
  };
}

type Issue = (path: string, message: string) => void;

function uint(v: unknown, path: string, max: number, issue: Issue, dflt?: number): number {
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max) return v;
  issue(path, `${JSON.stringify(v)} is not a number from 0 to ${max} (write hex as 0x0303)`);
  return 0;
}

function list<T>(v: unknown, path: string, issue: Issue, item: (v: unknown, path: string) => T): T[] {
  if (!Array.isArray(v)) {
    issue(path, 'expected a list, e.g. [0x1301, 0x1302]');
    return [];
  }
  return v.map((x, i) => item(x, `${path}[${i}]`));
}

function values16(v: unknown, path: string, issue: Issue, nonEmpty: boolean, example: string): Value16[] {
  const out = list(v, path, issue, (x, p): Value16 => {
    if (x === 'grease') return 'grease';
    if (typeof x === 'number' && isGrease(x)) {
      issue(p, `${hex(x)} is a GREASE value: write grease, so a fresh one is drawn per connection`);
      return 'grease';
    }
    return uint(x, p, 0xffff, issue);
  });
  if (nonEmpty && Array.isArray(v) && out.length === 0) issue(path, `list at least one value, e.g. ${example}`);
  return out;
}

function groups(v: unknown, path: string, issue: Issue): Value16[] {
  return list(v, path, issue, (x, p): Value16 => {
    if (x === 'grease') return 'grease';
    if (typeof x === 'string') {
      const g = GROUP[x as keyof typeof GROUP];
      if (g !== undefined) return g;
      issue(p, `"${x}" is not a group: expected one of ${GROUP_NAMES.join(', ')}, grease, or a number such as 0x001d`);
      return 0;
    }
    if (typeof x === 'number' && isGrease(x)) {
      issue(p, `${hex(x)} is a GREASE value: write grease, so a fresh one is drawn per connection`);
      return 'grease';
    }
    return uint(x, p, 0xffff, issue);
  });
}

function hexData(v: unknown, path: string, issue: Issue): Buffer {
  if (v === undefined || v === null) return Buffer.alloc(0);
  if (typeof v === 'string' && /^([0-9a-fA-F]{2})*$/.test(v)) return Buffer.from(v, 'hex');
  issue(path, `expected the extension's bytes as a hex string, e.g. '0100000000' ('' for none)`);
  return Buffer.alloc(0);
}

function protocols(v: unknown, path: string, issue: Issue): string[] {
  return list(v, path, issue, (x, p) => {
    if (typeof x === 'string' && Buffer.byteLength(x) >= 1 && Buffer.byteLength(x) <= 255) return x;
    issue(p, 'expected a protocol id of 1 to 255 bytes, e.g. h2');
    return '';
  });
}

const hex = (v: number): string => `0x${v.toString(16).padStart(4, '0')}`;

/** The type of an extension entry: a name of codepoints.ts EXT, grease, or a number. */
function extensionType(t: unknown, path: string, issue: Issue): ExtensionName | 'grease' | number | null {
  if (t === 'grease') return 'grease';
  if (typeof t === 'string' && t in EXT) return t as ExtensionName;
  if (typeof t === 'number' && Number.isInteger(t) && t >= 0 && t <= 0xffff) {
    if (isGrease(t)) {
      issue(`${path}.type`, `${hex(t)} is a GREASE value: write type: grease, so a fresh one is drawn per connection`);
      return null;
    }
    const named = Object.entries(EXT).find(([, v]) => v === t);
    // A named type is written by name, so its structured fields apply.
    if (named) return named[0] as ExtensionName;
    return t;
  }
  issue(`${path}.type`, `${JSON.stringify(t)} is not an extension type: expected grease, one of ${Object.keys(EXT).join(', ')}, or a number such as 0xca34`);
  return null;
}

function extension(e: unknown, path: string, issue: Issue): ExtensionSpec | null {
  if (!isRecord(e)) {
    issue(path, 'expected a mapping such as { type: server_name } or { type: 0xca34, data: 0102 }');
    return null;
  }
  const type = extensionType(e.type, path, issue);
  if (type === null) return null;
  const allowed = typeof type === 'number' ? ['data'] : (FIELDS[type] ?? ['data']);
  for (const k of Object.keys(e)) {
    if (k !== 'type' && !allowed.includes(k)) issue(`${path}.${k}`, `unknown key "${k}" for ${typeof type === 'number' ? hex(type) : type}: expected ${allowed.length ? allowed.join(', ') : 'no other key'}`);
  }
  const at = (k: string): string => `${path}.${k}`;
  switch (type) {
    case 'grease':
      return { type, data: hexData(e.data, at('data'), issue) };
    case 'server_name':
      return { type };
    case 'alpn':
    case 'application_settings':
    case 'application_settings_old':
      return { type, protocols: protocols(e.protocols ?? [], at('protocols'), issue) };
    case 'supported_groups':
    case 'key_share':
      return { type, groups: groups(e.groups, at('groups'), issue) };
    case 'signature_algorithms':
    case 'delegated_credentials':
      return { type, schemes: values16(e.schemes, at('schemes'), issue, true, 'a signature scheme such as 0x0403') };
    case 'supported_versions':
      return { type, versions: values16(e.versions, at('versions'), issue, true, '0x0304') };
    case 'psk_key_exchange_modes':
      return { type, modes: list(e.modes, at('modes'), issue, (x, p) => (x === 'grease' ? 'grease' : uint(x, p, 0xff, issue))) };
    case 'ec_point_formats':
      return { type, formats: list(e.formats, at('formats'), issue, (x, p) => uint(x, p, 0xff, issue)) };
    case 'compress_certificate':
      return { type, algorithms: list(e.algorithms, at('algorithms'), issue, (x, p) => uint(x, p, 0xffff, issue)) };
    case 'record_size_limit':
      return { type, limit: uint(e.limit, at('limit'), 0xffff, issue) };
    case 'encrypted_client_hello': {
      const payloadLengths = list(e.payloadLengths, at('payloadLengths'), issue, (x, p) => {
        const n = uint(x, p, 0xffff, issue);
        if (n === 0) issue(p, 'a payload is at least 1 byte (RFC 9849 §5)');
        return n;
      });
      if (Array.isArray(e.payloadLengths) && payloadLengths.length === 0) issue(at('payloadLengths'), 'list the payload lengths the client draws from, e.g. [144, 176, 208, 240]');
      return { type, kdf: uint(e.kdf, at('kdf'), 0xffff, issue), aead: uint(e.aead, at('aead'), 0xffff, issue), payloadLengths };
    }
    case 'padding':
      return { type, length: uint(e.length, at('length'), 0xffff, issue) };
    default:
      return { type: 'raw', code: typeof type === 'number' ? type : EXT[type], data: hexData(e.data, at('data'), issue) };
  }
}

/** What no single entry shows: duplicates, key shares without their group, padding twice. */
function checkExtensions(exts: ExtensionSpec[], padding: PaddingRule, issue: Issue): void {
  const seen = new Map<string, number>();
  exts.forEach((e, i) => {
    if (e.type === 'grease') return;
    const key = e.type === 'raw' ? extensionName(e.code) : e.type;
    const first = seen.get(key);
    // RFC 8446 §4.2: no extension type twice.
    if (first !== undefined) issue(`extensions[${i}]`, `${key} again (also extensions[${first}]): a ClientHello carries each extension once`);
    else seen.set(key, i);
  });
  const groups = exts.find((e) => e.type === 'supported_groups');
  exts.forEach((e, i) => {
    if (e.type !== 'key_share') return;
    e.groups.forEach((g, j) => {
      if (g === 'grease') return;
      if (!SHAREABLE_GROUPS.has(g)) issue(`extensions[${i}].groups[${j}]`, `no key share can be made for group ${hex(g)}: offer it in supported_groups only, or use one of x25519, secp256r1, secp384r1, secp521r1, x448, X25519MLKEM768`);
      // RFC 8446 §4.2.8: each share is for a group offered in supported_groups.
      if (!groups || groups.type !== 'supported_groups' || !groups.groups.includes(g)) issue(`extensions[${i}].groups[${j}]`, `group ${hex(g)} has a key share but is not in supported_groups: add it there (RFC 8446 §4.2.8)`);
    });
  });
  if (padding !== 'none' && exts.some((e) => e.type === 'padding')) issue('padding', `a padding rule (${padding}) and a padding extension of fixed length: keep one (padding: none, or remove the extension)`);
  if (exts.filter((e) => e.type === 'grease').length > 2) issue('extensions', 'more than two GREASE extensions: clients send one empty and one non-empty (RFC 8701), write at most two');
}

/** Whether the profile's own hello carries the ECH extension. */
export function profileHasEch(p: HelloProfile): boolean {
  return p.extensions.some((e) => e.type === 'encrypted_client_hello');
}
