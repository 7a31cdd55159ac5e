// The hello writer: every shipped profile round-trips through the parser; GREASE, shuffling, padding, key shares and GREASE ECH are drawn per connection as the clients draw them.
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { createPublicKey, diffieHellman, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadHelloProfiles } from '../../../src/config/hellos.js';
import {
  BORINGSSL_PAYLOAD_LENGTHS,
  buildClientHello,
  isGrease,
  ja3,
  ja4,
  mlkem768EncapsulationKey,
  parseClientHello,
  profileDocument,
  validateProfile,
  type ClientHello,
  type ExtensionSpec,
  type HelloProfile,
} from '../../../src/net/tls-hello/index.js';
import { SHIPPED_HELLOS } from '../../../src/package-root.js';

const shipped = loadHelloProfiles(SHIPPED_HELLOS).profiles;
const profile = (name: string): HelloProfile => shipped.get(name)!;

function hello(p: HelloProfile, o: Parameters<typeof buildClientHello>[1] = { sni: 'app.test' }): ClientHello {
  const h = parseClientHello(buildClientHello(p, o));
  if (h instanceof Error) throw h;
  return h;
}

const extData = (h: ClientHello, type: number): Buffer => h.extensions.find((e) => e.type === type)!.data;
const types = (h: ClientHello): number[] => h.extensions.map((e) => e.type);
const greaseTo = (vs: number[]): Array<number | 'grease'> => vs.map((v) => (isGrease(v) ? 'grease' : v));

/** KeyShareEntry list of a key_share extension (RFC 8446 §4.2.8). */
function shares(h: ClientHello): Array<{ group: number; key: Buffer }> {
  const d = extData(h, 0x0033);
  const out: Array<{ group: number; key: Buffer }> = [];
  for (let i = 2; i < d.length; ) {
    const len = d.readUInt16BE(i + 2);
    out.push({ group: d.readUInt16BE(i), key: d.subarray(i + 4, i + 4 + len) });
    i += 4 + len;
  }
  return out;
}

/** A small profile to exercise padding: its size is set by one raw extension of `filler` bytes. */
function small(filler: number, padding: HelloProfile['padding'], last: ExtensionSpec = { type: 'raw', code: 0xfe00, data: Buffer.alloc(filler) }): HelloProfile {
  return {
    ...profile('firefox'),
    name: 'small',
    padding,
    shuffle: false,
    cipherSuites: [0x1301],
    extensions: [
      { type: 'server_name' },
      { type: 'supported_versions', versions: [0x0304] },
      { type: 'supported_groups', groups: [0x001d] },
      { type: 'key_share', groups: [0x001d] },
      { type: 'signature_algorithms', schemes: [0x0403] },
      last,
    ],
  };
}

/** The ClientHello message's length (the record's payload when it is one record). */
const messageLength = (b: Buffer): number => b.readUInt16BE(3);

describe('every shipped profile round-trips', () => {
  for (const p of shipped.values()) {
    it(`${p.name}: build → parse gives the profile's fields, and the profile again`, () => {
      const h = hello(p, { sni: 'app.test', listedOrder: true });
      expect(h.recordVersion).toBe(p.recordVersion);
      expect(h.legacyVersion).toBe(p.legacyVersion);
      expect(h.sessionId.length).toBe(p.sessionIdLength);
      expect(greaseTo(h.cipherSuites)).toEqual(p.cipherSuites);
      expect(h.compressionMethods).toEqual(p.compressionMethods);
      expect(h.serverName).toBe('app.test');
      const ech = p.extensions.find((e) => e.type === 'encrypted_client_hello');
      const doc = profileDocument(h, { name: p.name, description: p.description, sources: p.sources, engine: p.engine, shuffle: p.shuffle, padding: p.padding, echPayloadLengths: ech?.type === 'encrypted_client_hello' ? ech.payloadLengths : undefined });
      const again = validateProfile({ ...doc, ja3: p.ja3, ja4: p.ja4 }, []);
      expect(again).toEqual({ ...p, file: '' });
    });
  }
});

describe('GREASE (RFC 8701), drawn per connection', () => {
  it('gives fresh values per connection, one per slot, the two GREASE extensions distinct', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 24; i++) {
      const h = hello(profile('chromium'));
      const cipher = h.cipherSuites[0];
      expect(isGrease(cipher)).toBe(true);
      seen.add(cipher);
      const groupGrease = h.supportedGroups!.find(isGrease);
      expect(h.keyShareGroups!.find(isGrease)).toBe(groupGrease);
      expect(shares(h).find((s) => isGrease(s.group))!.key).toEqual(Buffer.from([0]));
      const exts = h.extensions.filter((e) => isGrease(e.type));
      expect(exts).toHaveLength(2);
      expect(exts[0].type).not.toBe(exts[1].type);
      expect(exts[0].data.length).toBe(0);
      expect(exts[1].data).toEqual(Buffer.from([0]));
      expect(isGrease(h.supportedVersions![0])).toBe(true);
      expect(isGrease(h.signatureAlgorithms![0])).toBe(true);
    }
    expect(seen.size).toBeGreaterThan(1);
  });
});

describe('extension order', () => {
  it('chromium permutes its extensions per connection, GREASE first and last in place; JA4 holds, JA3 does not', () => {
    const orders = new Set<string>();
    const ja4s = new Set<string>();
    const ja3s = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const h = hello(profile('chromium'));
      orders.add(types(h).filter((t) => !isGrease(t)).join(','));
      ja4s.add(ja4(h));
      ja3s.add(ja3(h).md5);
      expect(isGrease(h.extensions[0].type)).toBe(true);
      expect(isGrease(h.extensions[h.extensions.length - 1].type)).toBe(true);
    }
    expect(orders.size).toBeGreaterThan(1);
    expect([...ja4s]).toEqual([profile('chromium').ja4]);
    expect(ja3s.size).toBeGreaterThan(1);
  });

  it('firefox keeps the order it lists, so its JA3 is the profile\'s on every connection', () => {
    const listed = types(hello(profile('firefox'), { sni: 'app.test', listedOrder: true }));
    expect(listed).toHaveLength(profile('firefox').extensions.length);
    for (let i = 0; i < 5; i++) {
      const h = hello(profile('firefox'));
      expect(types(h)).toEqual(listed);
      expect(ja3(h).md5).toBe(profile('firefox').ja3);
    }
  });
});

describe('Telegram Desktop\'s template, byte for byte where it is fixed', () => {
  // tdesktop 929032d5, Telegram/SourceFiles/mtproto/details/mtproto_tls_socket.cpp PrepareClientHelloRules.
  const fixed: Record<number, string> = {
    0x0005: '0100000000',
    0x000b: '0100',
    0x000d: '001004030804040105030805050108060601',
    0x0010: '000c02683208687474702f312e31',
    0x0012: '',
    0x0017: '',
    0x001b: '020002',
    0x0023: '',
    0x002d: '0101',
    0x4469: '0003026832',
    0xff01: '00',
  };
  it('is 517 bytes on the wire with the template\'s headers, and its fixed extensions hold the template\'s bytes', () => {
    for (const sni of ['example.com', 'a-rather-longer-name.telegram-proxy.example']) {
      const bytes = buildClientHello(profile('telegram-desktop'), { sni });
      expect(bytes.length).toBe(517);
      expect(bytes.subarray(0, 11).toString('hex')).toBe('16030102000100' + '01fc0303');
      const h = parseClientHello(bytes) as ClientHello;
      // Extensions length: 517 less everything before it (the template's literal 0x0193).
      expect(bytes.readUInt16BE(5 + 4 + 2 + 32 + 1 + 32 + 2 + 32 + 2)).toBe(0x0193);
      for (const [type, hex] of Object.entries(fixed)) expect(extData(h, Number(type)).toString('hex')).toBe(hex);
      const g = h.supportedGroups!.find(isGrease)!.toString(16).padStart(4, '0');
      expect(extData(h, 0x000a).toString('hex')).toBe(`0008${g}001d00170018`);
      expect(extData(h, 0x0033).subarray(0, 11).toString('hex')).toBe(`0029${g}000100001d0020`);
      expect(isGrease(h.supportedVersions![0])).toBe(true);
      expect(extData(h, 0x002b).length).toBe(7);
      expect(isGrease(h.extensions[0].type)).toBe(true);
      const last = h.extensions[h.extensions.length - 1];
      expect(last.type).toBe(0x0015);
      expect(last.data.equals(Buffer.alloc(last.data.length))).toBe(true);
      expect(isGrease(h.extensions[h.extensions.length - 2].type)).toBe(true);
    }
  });
});

describe('padding (RFC 7685)', () => {
  it('f5 pads a message of 256–511 bytes to 512, with at least one byte of data, and leaves others alone', () => {
    const base = messageLength(buildClientHello(small(0, 'none'), { sni: 'app.test' }));
    for (const target of [300, 400, 507]) {
      const b = buildClientHello(small(target - base, 'f5'), { sni: 'app.test' });
      expect(messageLength(b)).toBe(512);
      expect((parseClientHello(b) as ClientHello).extensions.at(-1)!.type).toBe(0x0015);
    }
    // 508–511: the padding extension is 4 bytes of header and at least 1 of data (BoringSSL's rule).
    expect(messageLength(buildClientHello(small(509 - base, 'f5'), { sni: 'app.test' }))).toBe(509 + 5);
    for (const target of [200, 512, 700]) expect(messageLength(buildClientHello(small(target - base, 'f5'), { sni: 'app.test' }))).toBe(target);
  });

  it('nonempty-last adds one byte of padding only after an empty last extension', () => {
    const empty = parseClientHello(buildClientHello(small(0, 'nonempty-last', { type: 'raw', code: 0x0017, data: Buffer.alloc(0) }), { sni: 'app.test' })) as ClientHello;
    expect(empty.extensions.at(-1)).toEqual({ type: 0x0015, data: Buffer.from([0]) });
    const full = parseClientHello(buildClientHello(small(3, 'nonempty-last'), { sni: 'app.test' })) as ClientHello;
    expect(full.extensions.at(-1)!.type).toBe(0xfe00);
  });

  it('puts nothing after a pre_shared_key, which stays last (RFC 8446 §4.2.11)', () => {
    const psk = parseClientHello(buildClientHello(small(0, 'f5', { type: 'raw', code: 0x0029, data: Buffer.alloc(40, 1) }), { sni: 'app.test' })) as ClientHello;
    expect(psk.extensions.at(-1)!.type).toBe(0x0029);
  });
});

describe('key shares a server can use', () => {
  it('X25519MLKEM768 is an ML-KEM-768 encapsulation key that passes FIPS 203\'s check, then an X25519 key (1216 bytes)', () => {
    const pq = shares(hello(profile('chromium'))).find((s) => s.group === 0x11ec)!;
    expect(pq.key.length).toBe(1184 + 32);
    const ek = pq.key.subarray(0, 1184);
    // An independent implementation (noble) encapsulates to it; it throws on a key that fails the modulus check.
    const { cipherText } = ml_kem768.encapsulate(new Uint8Array(ek));
    expect(cipherText.length).toBe(1088);
    const bad = Buffer.from(ek);
    bad[0] = 0xff;
    bad[1] |= 0x0f; // first coefficient 0xfff ≥ q
    expect(() => ml_kem768.encapsulate(new Uint8Array(bad))).toThrow(/modulus/);
    const x = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: pq.key.subarray(1184).toString('base64url') }, format: 'jwk' });
    expect(diffieHellman({ privateKey: generateKeyPairSync('x25519').privateKey, publicKey: x }).length).toBe(32);
  });

  it('every encapsulation key drawn passes the check', () => {
    for (let i = 0; i < 20; i++) expect(() => ml_kem768.encapsulate(new Uint8Array(mlkem768EncapsulationKey()))).not.toThrow();
  });

  it('P-256 is an uncompressed point on the curve (firefox sends one)', () => {
    const p256 = shares(hello(profile('firefox'))).find((s) => s.group === 0x0017)!;
    expect(p256.key.length).toBe(65);
    expect(p256.key[0]).toBe(4);
    const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: p256.key.subarray(1, 33).toString('base64url'), y: p256.key.subarray(33).toString('base64url') }, format: 'jwk' });
    expect(diffieHellman({ privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, publicKey: key }).length).toBe(32);
  });
});

describe('GREASE ECH (RFC 9849 §6.2)', () => {
  it('chromium sends an outer ECHClientHello: HKDF-SHA256 and AES-128-GCM, a random config_id, a real X25519 enc, a payload of BoringSSL\'s lengths', () => {
    const lengths = new Set<number>();
    const ids = new Set<number>();
    for (let i = 0; i < 24; i++) {
      const h = hello(profile('chromium'));
      const ech = h.ech!;
      expect(ech.type).toBe('outer');
      if (ech.type !== 'outer') return;
      expect({ kdf: ech.kdf, aead: ech.aead }).toEqual({ kdf: 1, aead: 1 });
      expect(ech.enc.length).toBe(32);
      const enc = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: ech.enc.toString('base64url') }, format: 'jwk' });
      expect(diffieHellman({ privateKey: generateKeyPairSync('x25519').privateKey, publicKey: enc }).length).toBe(32);
      expect(BORINGSSL_PAYLOAD_LENGTHS).toContain(ech.payload.length);
      lengths.add(ech.payload.length);
      ids.add(ech.configId);
      // The outer SNI is the target's name (the public name, e.g. cloudflare-ech.com).
      expect(h.serverName).toBe('app.test');
    }
    expect(lengths.size).toBeGreaterThan(1);
    expect(ids.size).toBeGreaterThan(1);
  });

  it('ech: none removes it, ech: grease adds it to a hello without one, before the last GREASE extension and the padding', () => {
    expect(hello(profile('chromium'), { sni: 'app.test', ech: 'none' }).ech).toBeNull();
    expect(hello(profile('firefox'), { sni: 'app.test', ech: 'none' }).ech).toBeNull();
    for (let i = 0; i < 6; i++) {
      const h = hello(profile('telegram-desktop'), { sni: 'cloudflare-ech.com', ech: 'grease' });
      expect(h.ech).toMatchObject({ type: 'outer', kdf: 1, aead: 1 });
      const at = types(h).indexOf(0xfe0d);
      expect(at).toBeGreaterThan(0);
      expect(at).toBeLessThan(h.extensions.length - 2);
      expect(h.serverName).toBe('cloudflare-ech.com');
    }
    // A profile that has ECH keeps its own suite under ech: grease.
    expect(hello(profile('firefox'), { sni: 'app.test', ech: 'grease' }).ech).toMatchObject({ type: 'outer', kdf: 1, aead: 1 });
  });
});

describe('what the target fills in', () => {
  it('no server_name for no name or an address (JA4 "i"), the target\'s ALPN or none', () => {
    for (const sni of [null, '127.0.0.1', '::1']) {
      const h = hello(profile('chromium'), { sni });
      expect(h.serverName).toBeNull();
      expect(types(h)).not.toContain(0);
      expect(ja4(h)[3]).toBe('i');
    }
    expect(hello(profile('firefox'), { sni: 'app.test', alpn: ['http/1.1'] }).alpn).toEqual(['http/1.1']);
    expect(types(hello(profile('firefox'), { sni: 'app.test', alpn: [] }))).not.toContain(0x0010);
  });

  it('a hello over 2^14 bytes goes in two records, as a real client splits it', () => {
    const big = small(20_000, 'none');
    const bytes = buildClientHello(big, { sni: 'app.test' });
    expect(bytes.readUInt16BE(3)).toBe(1 << 14);
    const h = parseClientHello(bytes) as ClientHello;
    expect(h.records).toBe(2);
    expect(h.length).toBe(bytes.length);
    expect(extData(h, 0xfe00).length).toBe(20_000);
  });
});
