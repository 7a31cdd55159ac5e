// JA4 and JA3 of parsed ClientHellos, against FoxIO's specification and sample captures and Salesforce's JA3 examples.
import { describe, expect, it } from 'vitest';
import { ja3, ja3FromText, ja4, ja4All, parseClientHello, type ClientHello, type Extension } from '../../../src/net/tls-hello/index.js';
import { encodeClientHelloMessage, inRecords } from '../../../src/net/tls-hello/encode.js';
import { HELLO_VECTORS } from '../../support/tls-hello-vectors.js';

function parsed(bytes: Buffer): ClientHello {
  const h = parseClientHello(bytes);
  if (h instanceof Error) throw h;
  return h;
}

const fromHex = (hex: string): ClientHello => parsed(Buffer.from(hex, 'hex'));

/** The hello re-encoded with other extensions (the rest as it was). */
function withExtensions(h: ClientHello, exts: Extension[]): ClientHello {
  return parsed(inRecords(encodeClientHelloMessage({ ...h, extensions: exts }), 0x0301));
}

const alpnExt = (...names: Buffer[]): Extension => {
  const list = Buffer.concat(names.map((n) => Buffer.concat([Buffer.from([n.length]), n])));
  const data = Buffer.alloc(2 + list.length);
  data.writeUInt16BE(list.length);
  list.copy(data, 2);
  return { type: 0x0010, data };
};

describe('JA4 against the sample captures FoxIO publishes', () => {
  for (const v of HELLO_VECTORS) {
    it(`${v.source}: ${v.ja4}`, () => {
      const h = fromHex(v.hex);
      expect(h.serverName).toBe(v.serverName);
      expect(ja4(h)).toBe(v.ja4);
      expect(ja4All(h)).toEqual({ ja4: v.ja4, ja4_r: v.ja4_r, ja4_o: v.ja4_o, ja4_ro: v.ja4_ro });
    });
  }
});

describe('JA4 as JA4.md works its example', () => {
  // technical_details/JA4.md "Example" and "Raw Output": the extensions in the order the example
  // lists them, the ciphers and signature algorithms as it lists them.
  const specOrder = [0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023, 0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015];
  const base = fromHex(HELLO_VECTORS[0].hex);
  const byType = new Map(base.extensions.map((e) => [e.type, e]));
  // GREASE first and last, as Chrome sends them: JA4 must not see them.
  const grease = base.extensions.filter((e) => (e.type & 0x0f0f) === 0x0a0a);
  const h = withExtensions(base, [grease[0], ...specOrder.map((t) => byType.get(t)!), grease[1]]);

  it('gives t13d1516h2_8daaf6152771_e5627efa2ab1 and the raw forms it prints', () => {
    expect(ja4(h)).toBe('t13d1516h2_8daaf6152771_e5627efa2ab1');
    const all = ja4All(h);
    expect(all.ja4_r).toBe(
      't13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601',
    );
    expect(all.ja4_ro).toBe(
      't13d1516h2_1301,1302,1303,c02b,c02f,c02c,c030,cca9,cca8,c013,c014,009c,009d,002f,0035_001b,0000,0033,0010,4469,0017,002d,000d,0005,0023,0012,002b,ff01,000b,000a,0015_0403,0804,0401,0503,0805,0501,0806,0601',
    );
    expect(all.ja4_o).toBe('t13d1516h2_acb858a92679_18f69afefd3d');
  });

  it('stays the same when the extensions are permuted (JA3 does not)', () => {
    const shuffled = withExtensions(base, [...base.extensions].reverse());
    expect(ja4(shuffled)).toBe(ja4(h));
    expect(ja3(shuffled).md5).not.toBe(ja3(h).md5);
  });

  it('without signature algorithms hashes the extension list alone (JA4.md: 6d807ffa2a79)', () => {
    const noSigs = withExtensions(base, base.extensions.filter((e) => e.type !== 0x000d));
    // The example's list less 000d is a different list; the spec's own hash is of the list with 000d, no underscore.
    const withEmptySigs = withExtensions(base, base.extensions.map((e) => (e.type === 0x000d ? { type: 0x000d, data: Buffer.from([0, 0]) } : e)));
    expect(ja4(withEmptySigs).split('_')[2]).toBe('6d807ffa2a79');
    expect(ja4(noSigs).slice(0, 10)).toBe('t13d1515h2');
  });

  it('counts no GREASE cipher and marks a hello without SNI "i"', () => {
    const noSni = withExtensions(base, base.extensions.filter((e) => e.type !== 0x0000));
    expect(ja4(noSni).slice(0, 10)).toBe('t13i1515h2');
    expect(noSni.cipherSuites.length).toBe(16); // 15 and one GREASE
  });

  it('reads the version from supported_versions, else legacy_version', () => {
    const noVersions = withExtensions(base, base.extensions.filter((e) => e.type !== 0x002b));
    expect(ja4(noVersions).slice(0, 3)).toBe('t12');
    expect(ja4(h, 'q').slice(0, 3)).toBe('q13');
  });
});

describe('JA4 ALPN characters as JA4.md lists them', () => {
  const base = fromHex(HELLO_VECTORS[0].hex);
  const cases: Array<[string, Buffer[] | null, string]> = [
    ['h2', [Buffer.from('h2')], 'h2'],
    ['http/1.1', [Buffer.from('http/1.1'), Buffer.from('h2')], 'h1'],
    ['one character', [Buffer.from('a')], 'aa'],
    ['0xAB', [Buffer.from([0xab])], 'ab'],
    ['0x20', [Buffer.from([0x20])], '20'],
    ['0xAB 0xCD', [Buffer.from([0xab, 0xcd])], 'ad'],
    ['0x20 0x61', [Buffer.from([0x20, 0x61])], '21'],
    ['0x30 0xAB', [Buffer.from([0x30, 0xab])], '3b'],
    ['0x61 0x20', [Buffer.from([0x61, 0x20])], '60'],
    ['0x30 0x31 0xAB 0xCD', [Buffer.from([0x30, 0x31, 0xab, 0xcd])], '3d'],
    ['0x30 0xAB 0xCD 0x31', [Buffer.from([0x30, 0xab, 0xcd, 0x31])], '01'],
    ['an empty first value', [Buffer.alloc(0), Buffer.from('h2')], '00'],
    ['no value', [], '00'],
    ['no extension', null, '00'],
  ];
  for (const [what, names, want] of cases) {
    it(`${what} → ${want}`, () => {
      const exts = base.extensions.filter((e) => e.type !== 0x0010);
      const h = withExtensions(base, names === null ? exts : [...exts, alpnExt(...names)]);
      expect(ja4(h).slice(8, 10)).toBe(want);
    });
  }
});

describe('JA3', () => {
  it('hashes the strings of Salesforce\'s README to the fingerprints it gives', () => {
    expect(ja3FromText('769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0').md5).toBe('ada70206e40642a3e4461f35503241d5');
    expect(ja3FromText('769,4-5-10-9-100-98-3-6-19-18-99,,,').md5).toBe('de350869b8c85de67a350c8d186f11e6');
  });

  for (const v of HELLO_VECTORS) {
    it(`${v.source}: the string Wireshark prints`, () => {
      expect(ja3(fromHex(v.hex)).text).toBe(v.ja3);
    });
  }
});
