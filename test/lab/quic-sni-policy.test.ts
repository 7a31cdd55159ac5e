// The lab's QUIC SNI filter policy: it decrypts a client Initial as any on-path box can, and drops only the filtered names.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildClientHello, buildClientInitial, clientTransportParameters, cryptoFrame, initialSecrets, QUIC_V1 } from '../../src/net/quic/index.js';
import { sniFilter } from './services/quic-sni-policy.js';

function initialNaming(sni: string | null): Buffer {
  const dcid = randomBytes(8);
  const scid = randomBytes(8);
  const hello = buildClientHello({ sni, alpn: ['h3'], transportParameters: clientTransportParameters(scid) });
  return buildClientInitial({ version: QUIC_V1, dcid, scid, pn: 0, pnLength: 2, frames: cryptoFrame(0, hello) }, initialSecrets(dcid).client);
}

describe('the lab QUIC SNI filter', () => {
  const drop = sniFilter(['h3sni.lab']);

  it('drops an Initial whose ClientHello names a filtered host, whatever the case', () => {
    expect(drop(initialNaming('h3sni.lab'))).toBe(true);
    expect(drop(initialNaming('H3SNI.lab'))).toBe(true);
  });

  it('passes an Initial naming another host, one with no SNI, and anything that is not a decryptable Initial', () => {
    expect(drop(initialNaming('example.com'))).toBe(false);
    expect(drop(initialNaming(null))).toBe(false);
    expect(drop(randomBytes(1200))).toBe(false);
    const tampered = initialNaming('h3sni.lab');
    tampered[tampered.length - 30] ^= 0xff;
    expect(drop(tampered)).toBe(false);
  });
});
