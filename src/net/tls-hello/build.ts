/**
 * Writing a profile's ClientHello for one connection: GREASE values, keys, randoms and ECH
 * drawn fresh as the client draws them, the target's name and ALPN filled in, the extensions
 * permuted when the client permutes them, padding by the client's rule, then TLS records.
 */
import { isIP } from 'node:net';
import { randomBytes, randomInt } from 'node:crypto';
import { u16, u8, vec16, vec8 } from '../quic/wire.js';
import type { EchMode } from '../../model/index.js';
import { EXT, GREASE_PSK_MODES } from './codepoints.js';
import { BORINGSSL_PAYLOAD_LENGTHS, greaseEchData, HPKE_AEAD_AES_128_GCM, HPKE_KDF_HKDF_SHA256 } from './ech-grease.js';
import { encodeClientHelloMessage, extensionsSize, inRecords } from './encode.js';
import { ja3, ja4, type Ja3 } from './fingerprint.js';
import { keyShareFor } from './key-shares.js';
import { parseClientHello, type Extension } from './parse.js';
import { profileHasEch, type ExtensionSpec, type HelloProfile, type Value16 } from './profile.js';

export interface BuildOptions {
  /** The server name; null (or an address) sends no server_name extension, as browsers do. */
  sni: string | null;
  /** ALPN protocols; default the profile's own. An empty list sends no ALPN extension. */
  alpn?: string[];
  /** `grease` adds a GREASE ECH extension, `none` removes it; absent: as the profile has it. */
  ech?: EchMode;
  /** Keep the order the profile lists, even for a client that permutes (for its listed JA3). */
  listedOrder?: boolean;
}

/** The ECH extension `ech: grease` adds to a profile without one: what Chromium sends (BoringSSL's choices). */
const DEFAULT_ECH: ExtensionSpec = {
  type: 'encrypted_client_hello',
  kdf: HPKE_KDF_HKDF_SHA256,
  aead: HPKE_AEAD_AES_128_GCM,
  payloadLengths: [...BORINGSSL_PAYLOAD_LENGTHS],
};

/**
 * GREASE values for one connection (RFC 8701), one per slot as BoringSSL keeps them
 * (ssl/handshake.cc ssl_get_grease_value): the group slot serves supported_groups and key_share
 * alike; the second GREASE extension differs from the first.
 */
class GreaseDraw {
  private readonly values = new Map<string, number>();

  value(slot: string): number {
    let v = this.values.get(slot);
    if (v === undefined) {
      const b = (randomBytes(1)[0] & 0xf0) | 0x0a;
      v = (b << 8) | b;
      if (slot === 'extension:1' && v === this.values.get('extension:0')) v ^= 0x1010;
      this.values.set(slot, v);
    }
    return v;
  }
}

function values16(vs: readonly Value16[], slot: string, g: GreaseDraw): number[] {
  let n = 0;
  return vs.map((v) => (v === 'grease' ? g.value(n++ === 0 ? slot : `${slot}:${n}`) : v));
}

const list16 = (vs: readonly number[]): Buffer => vec16(...vs.map(u16));
const protocolList = (ps: readonly string[]): Buffer => vec16(...ps.map((p) => vec8(Buffer.from(p, 'utf8'))));

/** The extensions of this connection, in the order they go out (before padding). */
function extensionOrder(p: HelloProfile, o: BuildOptions): ExtensionSpec[] {
  let exts = p.extensions.filter((e) => !(o.ech === 'none' && e.type === 'encrypted_client_hello'));
  if (o.ech === 'grease' && !exts.some((e) => e.type === 'encrypted_client_hello')) {
    // Before the extensions a client keeps last (GREASE, padding, pre_shared_key).
    let at = exts.length;
    while (at > 0 && stays(exts[at - 1])) at--;
    exts = [...exts.slice(0, at), DEFAULT_ECH, ...exts.slice(at)];
  }
  if (p.shuffle && !o.listedOrder) exts = permute(exts);
  return exts;
}

/** Extensions a permuting client keeps in place: GREASE first and last, padding, pre_shared_key (BoringSSL ssl_add_clienthello_tlsext). */
function stays(e: ExtensionSpec): boolean {
  return e.type === 'grease' || e.type === 'padding' || (e.type === 'raw' && e.code === EXT.pre_shared_key);
}

/** Fisher–Yates over the extensions that move; the others keep their positions. */
function permute(exts: ExtensionSpec[]): ExtensionSpec[] {
  const slots = exts.map((e, i) => (stays(e) ? -1 : i)).filter((i) => i >= 0);
  const moving = slots.map((i) => exts[i]);
  for (let i = moving.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [moving[i], moving[j]] = [moving[j], moving[i]];
  }
  const out = [...exts];
  slots.forEach((at, k) => (out[at] = moving[k]));
  return out;
}

/** One extension's wire form for this connection; null when it is left out (no name, no ALPN). */
function encodeSpec(e: ExtensionSpec, o: BuildOptions, g: GreaseDraw, greaseExt: { n: number }): Extension | null {
  switch (e.type) {
    case 'grease':
      return { type: g.value(`extension:${greaseExt.n++}`), data: e.data };
    case 'server_name': {
      if (o.sni === null || o.sni === '' || isIP(o.sni)) return null;
      // RFC 6066 §3: a ServerNameList of one host_name (type 0).
      return { type: EXT.server_name, data: vec16(u8(0), vec16(Buffer.from(o.sni, 'ascii'))) };
    }
    case 'alpn': {
      const ps = o.alpn ?? e.protocols;
      return ps.length === 0 ? null : { type: EXT.alpn, data: protocolList(ps) };
    }
    case 'application_settings':
    case 'application_settings_old':
      return { type: EXT[e.type], data: protocolList(e.protocols) };
    case 'supported_groups':
      return { type: EXT.supported_groups, data: list16(values16(e.groups, 'group', g)) };
    case 'key_share': {
      const groups = values16(e.groups, 'group', g);
      // A GREASE share carries one zero byte (BoringSSL ssl/extensions.cc, Telegram Desktop's template).
      const shares = groups.map((grp, i) => Buffer.concat([u16(grp), vec16(e.groups[i] === 'grease' ? Buffer.alloc(1) : keyShareFor(grp))]));
      return { type: EXT.key_share, data: vec16(...shares) };
    }
    case 'signature_algorithms':
    case 'delegated_credentials':
      return { type: EXT[e.type], data: list16(values16(e.schemes, 'sigalg', g)) };
    case 'supported_versions':
      return { type: EXT.supported_versions, data: vec8(...values16(e.versions, 'version', g).map(u16)) };
    case 'psk_key_exchange_modes':
      return { type: EXT.psk_key_exchange_modes, data: vec8(Buffer.from(e.modes.map((m) => (m === 'grease' ? GREASE_PSK_MODES[randomInt(GREASE_PSK_MODES.length)] : m)))) };
    case 'ec_point_formats':
      return { type: EXT.ec_point_formats, data: vec8(Buffer.from(e.formats)) };
    case 'compress_certificate':
      return { type: EXT.compress_certificate, data: vec8(...e.algorithms.map(u16)) };
    case 'record_size_limit':
      return { type: EXT.record_size_limit, data: u16(e.limit) };
    case 'encrypted_client_hello':
      return { type: EXT.encrypted_client_hello, data: greaseEchData(e.kdf, e.aead, e.payloadLengths) };
    case 'padding':
      return { type: EXT.padding, data: Buffer.alloc(e.length) };
    case 'raw':
      return { type: e.code, data: e.data };
  }
}

/** The padding extension's data length the client's rule asks for, or null for none (RFC 7685). */
function paddingLength(rule: HelloProfile['padding'], messageLength: number, lastEmpty: boolean): number | null {
  switch (rule) {
    case 'none':
      return null;
    case 'nonempty-last':
      return lastEmpty ? 1 : null;
    case 'to-512':
      return Math.max(0, 512 - messageLength - 4);
    case 'f5': {
      let len = messageLength;
      let pad: number | null = lastEmpty ? 1 : null;
      if (pad !== null) len += 4 + pad;
      if (len > 0xff && len < 0x200) {
        if (pad !== null) len -= 4 + pad;
        const want = 0x200 - len;
        pad = want >= 5 ? want - 4 : 1;
      }
      return pad;
    }
  }
}

/** The ClientHello this connection sends: one TLS record, or several when it is over 2^14 bytes. */
export function buildClientHello(profile: HelloProfile, opts: BuildOptions): Buffer {
  const g = new GreaseDraw();
  const greaseExt = { n: 0 };
  const exts = extensionOrder(profile, opts)
    .map((e) => encodeSpec(e, opts, g, greaseExt))
    .filter((e): e is Extension => e !== null);
  const fields = {
    legacyVersion: profile.legacyVersion,
    random: randomBytes(32),
    sessionId: randomBytes(profile.sessionIdLength),
    cipherSuites: values16(profile.cipherSuites, 'cipher', g),
    compressionMethods: profile.compressionMethods,
  };
  const psk = exts.findIndex((e) => e.type === EXT.pre_shared_key);
  const beforePsk = psk < 0 ? exts : exts.slice(0, psk);
  const messageLength = 4 + 2 + 32 + 1 + fields.sessionId.length + 2 + 2 * fields.cipherSuites.length + 1 + fields.compressionMethods.length + 2 + extensionsSize(exts);
  const last = beforePsk[beforePsk.length - 1];
  const pad = psk >= 0 ? null : paddingLength(profile.padding, messageLength, last !== undefined && last.data.length === 0);
  if (pad !== null) beforePsk.push({ type: EXT.padding, data: Buffer.alloc(pad) });
  const extensions = psk < 0 ? beforePsk : [...beforePsk, ...exts.slice(psk)];
  return inRecords(encodeClientHelloMessage({ ...fields, extensions }), profile.recordVersion);
}

/** Whether this connection's hello carries ECH. */
export function sendsEch(profile: HelloProfile, ech: EchMode | undefined): boolean {
  return ech === 'grease' || (ech !== 'none' && profileHasEch(profile));
}

/** A name for fingerprinting a profile: any domain gives the same JA3 and JA4. */
const FINGERPRINT_SNI = 'example.com';

export interface ProfileFingerprint {
  ja3: Ja3;
  ja4: string;
  /** The extension order changes per connection: JA3 changes with it (JA4 sorts, so it stays). */
  ja3Varies: boolean;
}

/** JA3 (of the listed order) and JA4 of what the profile sends to a named server, ECH as the profile has it. */
export function profileFingerprint(profile: HelloProfile): ProfileFingerprint {
  const h = parseClientHello(buildClientHello(profile, { sni: FINGERPRINT_SNI, listedOrder: true }));
  if (h instanceof Error) throw new Error(`profile ${profile.name} builds a hello that does not parse: ${h.message}`);
  return { ja3: ja3(h), ja4: ja4(h), ja3Varies: profile.shuffle };
}
