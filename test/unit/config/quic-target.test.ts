// Catalogue targets of kind quic: defaults, and what the schema refuses.
import { describe, expect, it } from 'vitest';
import type { ConfigIssue } from '../../../src/config/issues.js';
import { parseTarget } from '../../../src/config/targets.js';
import { targetInput } from '../../../src/model/index.js';

function parse(raw: unknown): { target: ReturnType<typeof parseTarget>; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const target = parseTarget(raw, 'chat.yaml', 'targets[0]', '/tmp', issues);
  return { target, issues };
}

describe('quic targets', () => {
  it('defaults the port to 443 and leaves sni and alpn to the engine', () => {
    expect(parse({ id: 'h3', kind: 'quic', host: 'web.chat.test' })).toEqual({
      target: { id: 'h3', kind: 'quic', host: 'web.chat.test', port: 443 },
      issues: [],
    });
  });

  it('takes an sni, an alpn list and a group', () => {
    const { target } = parse({ id: 'h3', kind: 'quic', host: '192.0.2.7', port: 8443, sni: 'web.chat.test', alpn: ['h3'], group: 'web' });
    expect(target).toEqual({ id: 'h3', kind: 'quic', host: '192.0.2.7', port: 8443, sni: 'web.chat.test', alpn: ['h3'], group: 'web' });
    expect(targetInput(target!)).toBe('192.0.2.7:8443 sni=web.chat.test');
  });

  it('names an empty alpn list, an empty or overlong protocol id, an unknown key and a bad port', () => {
    const paths = (raw: object) => parse({ id: 'h3', kind: 'quic', host: 'a.test', ...raw }).issues.map((i) => i.path);
    expect(paths({ alpn: [] })).toEqual(['targets[0].alpn']);
    expect(paths({ alpn: [''] })).toEqual(['targets[0].alpn[0]']);
    expect(paths({ alpn: ['x'.repeat(256)] })).toEqual(['targets[0].alpn[0]']);
    // 128 characters, 256 bytes.
    expect(paths({ alpn: ['é'.repeat(128)] })).toEqual(['targets[0].alpn[0]']);
    expect(paths({ url: 'https://a.test/' })).toEqual(['targets[0].url']);
    expect(paths({ port: 0 })).toEqual(['targets[0].port']);
  });
});
