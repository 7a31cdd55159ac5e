/**
 * A profile from a captured ClientHello (scripts/capture-hellos.ts): per-connection values
 * (GREASE, keys, randoms, the name) become placeholders, everything else is kept as sent; and
 * the profile's YAML text, laid out for reading (hex code points, one extension a line).
 */
import { EXT, GREASE_PSK_MODES, GROUP, isGrease } from './codepoints.js';
import type { ClientHello } from './parse.js';
import type { HelloEngine, PaddingRule } from './profile.js';

export interface CaptureMeta {
  name: string;
  description: string;
  sources: string[];
  engine: HelloEngine;
  shuffle: boolean;
  /** The client's padding rule; a captured padding extension is then left to the rule. */
  padding: PaddingRule;
  /** The ECH payload lengths the client draws from; default the one captured. */
  echPayloadLengths?: number[];
}

/** The profile as the YAML file holds it (profile.ts validateProfile reads it back). */
export type ProfileDocument = Record<string, unknown> & { extensions: Array<Record<string, unknown>> };

const GROUP_BY_CODE = new Map<number, string>(Object.entries(GROUP).map(([k, v]) => [v, k]));
const EXT_BY_CODE = new Map<number, string>(Object.entries(EXT).map(([k, v]) => [v, k]));

const g16 = (v: number): number | 'grease' => (isGrease(v) ? 'grease' : v);
const groupName = (v: number): string | number => (isGrease(v) ? 'grease' : (GROUP_BY_CODE.get(v) ?? v));

function u16List(b: Buffer, from: number): number[] {
  const out: number[] = [];
  for (let i = from; i + 1 < b.length; i += 2) out.push(b.readUInt16BE(i));
  return out;
}

function protocolList(b: Buffer): string[] {
  const out: string[] = [];
  for (let i = 2; i < b.length; ) {
    const n = b[i];
    out.push(b.subarray(i + 1, i + 1 + n).toString('utf8'));
    i += 1 + n;
  }
  return out;
}

/** The profile document of a parsed ClientHello; ja3/ja4 are left for the caller to compute from it. */
export function profileDocument(h: ClientHello, meta: CaptureMeta): ProfileDocument {
  const extensions: Array<Record<string, unknown>> = [];
  for (const e of h.extensions) {
    if (isGrease(e.type)) {
      extensions.push({ type: 'grease', data: e.data.toString('hex') });
      continue;
    }
    switch (e.type) {
      case EXT.server_name:
        extensions.push({ type: 'server_name' });
        break;
      case EXT.alpn:
        extensions.push({ type: 'alpn', protocols: h.alpn ?? [] });
        break;
      case EXT.application_settings:
      case EXT.application_settings_old:
        extensions.push({ type: EXT_BY_CODE.get(e.type), protocols: protocolList(e.data) });
        break;
      case EXT.supported_groups:
        extensions.push({ type: 'supported_groups', groups: (h.supportedGroups ?? []).map(groupName) });
        break;
      case EXT.key_share:
        extensions.push({ type: 'key_share', groups: (h.keyShareGroups ?? []).map(groupName) });
        break;
      case EXT.signature_algorithms:
        extensions.push({ type: 'signature_algorithms', schemes: (h.signatureAlgorithms ?? []).map(g16) });
        break;
      case EXT.delegated_credentials:
        extensions.push({ type: 'delegated_credentials', schemes: u16List(e.data, 2).map(g16) });
        break;
      case EXT.supported_versions:
        extensions.push({ type: 'supported_versions', versions: (h.supportedVersions ?? []).map(g16) });
        break;
      case EXT.psk_key_exchange_modes:
        extensions.push({ type: 'psk_key_exchange_modes', modes: (h.pskModes ?? []).map((m) => (GREASE_PSK_MODES.includes(m) ? 'grease' : m)) });
        break;
      case EXT.ec_point_formats:
        extensions.push({ type: 'ec_point_formats', formats: h.ecPointFormats ?? [] });
        break;
      case EXT.compress_certificate:
        extensions.push({ type: 'compress_certificate', algorithms: u16List(e.data, 1) });
        break;
      case EXT.record_size_limit:
        extensions.push({ type: 'record_size_limit', limit: e.data.readUInt16BE(0) });
        break;
      case EXT.encrypted_client_hello:
        if (h.ech?.type === 'outer') {
          extensions.push({ type: 'encrypted_client_hello', kdf: h.ech.kdf, aead: h.ech.aead, payloadLengths: meta.echPayloadLengths ?? [h.ech.payload.length] });
        } else {
          extensions.push({ type: 'encrypted_client_hello', data: e.data.toString('hex') });
        }
        break;
      case EXT.padding:
        // The client's rule writes it again for each connection.
        if (meta.padding === 'none') extensions.push({ type: 'padding', length: e.data.length });
        break;
      default:
        extensions.push({ type: EXT_BY_CODE.get(e.type) ?? e.type, data: e.data.toString('hex') });
    }
  }
  return {
    name: meta.name,
    description: meta.description,
    engine: meta.engine,
    sources: meta.sources,
    shuffle: meta.shuffle,
    padding: meta.padding,
    recordVersion: h.recordVersion ?? 0x0301,
    legacyVersion: h.legacyVersion,
    sessionId: h.sessionId.length,
    cipherSuites: h.cipherSuites.map(g16),
    compressionMethods: h.compressionMethods,
    extensions,
  };
}

/** Keys written as hex code points. */
const HEX_KEYS = new Set(['recordVersion', 'legacyVersion', 'cipherSuites', 'schemes', 'versions', 'algorithms', 'kdf', 'aead', 'type', 'groups']);

function scalar(v: unknown, hex: boolean): string {
  if (typeof v === 'number') return hex ? `0x${v.toString(16).padStart(4, '0')}` : String(v);
  if (typeof v === 'string') return /^[A-Za-z][A-Za-z0-9_-]*$/.test(v) && !['true', 'false', 'null', 'yes', 'no', 'on', 'off'].includes(v) ? v : JSON.stringify(v);
  return JSON.stringify(v);
}

function flow(v: unknown, hex: boolean): string {
  if (Array.isArray(v)) return `[${v.map((x) => scalar(x, hex)).join(', ')}]`;
  return scalar(v, hex);
}

/** Hex data always in quotes: unquoted, 00 would read back as a number. */
const field = (k: string, v: unknown): string => (k === 'data' ? JSON.stringify(v) : flow(v, HEX_KEYS.has(k)));

/** The YAML text of a profile document, under a comment saying how it was made. */
export function profileYaml(doc: ProfileDocument, header: string[]): string {
  const lines = header.map((l) => `# ${l}`.trimEnd());
  for (const [k, v] of Object.entries(doc)) {
    if (k === 'extensions') {
      lines.push('extensions:');
      for (const e of doc.extensions) {
        const fields = Object.entries(e).map(([fk, fv]) => `${fk}: ${field(fk, fv)}`);
        lines.push(`  - { ${fields.join(', ')} }`);
      }
    } else if (k === 'sources' && Array.isArray(v)) {
      lines.push('sources:', ...v.map((s) => `  - ${JSON.stringify(s)}`));
    } else {
      lines.push(`${k}: ${flow(v, HEX_KEYS.has(k))}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
