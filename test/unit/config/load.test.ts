import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConfig, loadConfig } from '../../../src/config/load.js';
import { ConfigError, formatIssue } from '../../../src/config/issues.js';
import { reloadRefusals } from '../../../src/config/reload.js';
import { runCA } from '../../support/run-pki.js';

const APP = `id: chat
name: Chat
sources: ["test"]
targets:
  - { id: web, kind: https, url: "https://web.chat.test/" }
  - { id: dns, kind: dns, host: chat.test }
`;

/** Said at the end of a config that names neither vantages nor canaries: every config must say what it watches from. */
const NO_CANARIES = 'canaries: []\ncanariesReason: "a unit test: nothing is probed"\n';

/** A folder with a config file and a probes/ folder holding the given catalogues. */
function fixture(config: string, catalogues: Record<string, string> = { chat: APP }): string {
  const dir = mkdtempSync(join(tmpdir(), 'bw-config-'));
  mkdirSync(join(dir, 'probes'));
  for (const [name, text] of Object.entries(catalogues)) writeFileSync(join(dir, 'probes', `${name}.yaml`), text);
  writeFileSync(join(dir, 'blockwatch.yaml'), config.startsWith('probes:') && !/^(vantages|canaries):/m.test(config) ? config + NO_CANARIES : config);
  return join(dir, 'blockwatch.yaml');
}

function issuesOf(config: string, catalogues?: Record<string, string>, env: NodeJS.ProcessEnv = {}) {
  const { issues } = readConfig(fixture(config, catalogues), env);
  return issues.map((i) => ({ ...i, file: i.file.split('/').pop() }));
}

describe('config loading', () => {
  it('accepts a minimal config and fills the defaults', () => {
    const config = loadConfig(fixture('probes: ./probes\n'), {});
    expect(config.apps.map((a) => a.id)).toEqual(['chat']);
    expect(config.vantages).toEqual([{ id: 'direct', resolver: { type: 'system' }, labels: {}, control: false }]);
    expect(config.schedule).toEqual({ cron: '* * * * *', jitterMs: 10_000, concurrency: 64, timeoutMs: 10_000, trials: 1, trialSpacingMs: 2000, blockedRatioWindowMs: 900_000 });
    expect(config.alerts.confirm).toEqual({ attempts: 2, spacingMs: 3000 });
    expect(config.server).toMatchObject({ host: '127.0.0.1', port: 9464, enableReload: false });
    expect(config.limits).toEqual({ bodyBytes: 64_000, dnsReplyWindowMs: 300, stallMs: 5_000, residualWaitMs: 0 });
  });

  it('parses resolvers, proxies, durations and sizes', () => {
    const config = loadConfig(
      fixture(`probes: ./probes
schedule: { cron: "*/30 * * * * *", jitter: 1.5s, timeout: 500ms }
vantages:
  - { id: isp, resolver: "udp://192.0.2.53", labels: { country: RU, asn: 12389 } }
  - { id: abroad, resolver: "tcp://[2001:db8::53]:5353", proxy: "socks5://user:p%40ss@192.0.2.1:1080", control: true }
  - { id: office, resolver: "https://dns.example/dns-query", proxy: "http://192.0.2.2:3128", localAddress: 192.0.2.10 }
evidence: { dir: ./ev, maxBytes: 64MiB }
`),
      {},
    );
    expect(config.schedule).toMatchObject({ cron: '*/30 * * * * *', jitterMs: 1500, timeoutMs: 500 });
    expect(config.vantages[0]).toEqual({ id: 'isp', resolver: { type: 'udp', host: '192.0.2.53', port: 53 }, labels: { country: 'RU', asn: '12389' }, control: false });
    expect(config.vantages[1].resolver).toEqual({ type: 'tcp', host: '2001:db8::53', port: 5353 });
    expect(config.vantages[1].proxy).toEqual({ type: 'socks5', host: '192.0.2.1', port: 1080, username: 'user', password: 'p@ss' });
    expect(config.vantages[2]).toMatchObject({ resolver: { type: 'doh', url: 'https://dns.example/dns-query' }, proxy: { type: 'http', host: '192.0.2.2', port: 3128 }, localAddress: '192.0.2.10' });
    expect(config.evidence?.maxBytes).toBe(64 * 1024 * 1024);
    expect(config.evidence?.dir).toMatch(/\/ev$/);
  });

  it('reads the status page settings, with defaults of 30 rounds and a 1-minute refresh, and rejects a history of 0', () => {
    expect(loadConfig(fixture('probes: ./probes\n'), {}).server.page).toEqual({ history: 30, refreshMs: 60_000 });
    expect(loadConfig(fixture('probes: ./probes\nserver: { page: { history: 96, refresh: 0s } }\n'), {}).server.page).toEqual({ history: 96, refreshMs: 0 });
    const [i] = issuesOf('probes: ./probes\nserver: { page: { history: 0 } }\n');
    expect(i.path).toBe('server.page.history');
  });

  it('names an unknown key and its path', () => {
    expect(issuesOf('probes: ./probes\nschedule: { cronn: "* * * * *" }\n')).toEqual([
      { file: 'blockwatch.yaml', line: 2, path: 'schedule.cronn', message: 'unknown key "cronn": remove it or check its spelling' },
    ]);
  });

  it('names a malformed duration', () => {
    const [i] = issuesOf('probes: ./probes\nschedule: { timeout: 10 seconds }\n');
    expect(i.path).toBe('schedule.timeout');
    expect(i.message).toContain('write it like 500ms, 10s');
  });

  it('names a bad cron expression', () => {
    const [i] = issuesOf('probes: ./probes\nschedule: { cron: "every minute" }\n');
    expect(i.path).toBe('schedule.cron');
    expect(i.message).toContain('not a cron expression');
  });

  it('names a bad resolver, proxy and local address of the right vantage', () => {
    const issues = issuesOf(`probes: ./probes
vantages:
  - { id: a }
  - { id: b, resolver: "udp://resolver.example", proxy: "ftp://x:1", localAddress: here }
`);
    expect(issues.map((i) => i.path)).toEqual(['vantages[1].resolver', 'vantages[1].proxy', 'vantages[1].localAddress']);
    expect(issues[0].message).toContain('needs an IP address');
    expect(issues[1].message).toContain('socks5://HOST:PORT');
  });

  it('names a duplicate vantage id', () => {
    const issues = issuesOf('probes: ./probes\nvantages: [ { id: a }, { id: a } ]\n');
    expect(issues).toEqual([{ file: 'blockwatch.yaml', line: 2, path: 'vantages[1].id', message: 'found "a" again, expected a unique id: rename one' }]);
  });

  it('names an app that has no catalogue, listing the known ones', () => {
    const [i] = issuesOf('probes: ./probes\napps: [chat, telegam]\n');
    expect(i).toEqual({ file: 'blockwatch.yaml', line: 2, path: 'apps[1]', message: 'found "telegam", expected an app of the probes folder: chat' });
  });

  it('names a missing probes folder', () => {
    const [i] = issuesOf('probes: ./nowhere\n');
    expect(i.path).toBe('probes');
    expect(i.message).toMatch(/^found no folder .*nowhere: write the path/);
  });

  it('reports YAML syntax errors on the line of the mistake', () => {
    const [i] = issuesOf('probes: ./probes\nschedule: { cron: "* * * * *"\nvantages: [ { id: a } ]\n');
    expect(i).toMatchObject({ line: 2, path: '' });
    expect(i.message).toMatch(/^not valid YAML: the "\{" opened on this line is never closed/);
  });

  it('names a missing secret environment variable without revealing anything', () => {
    const [i] = issuesOf('probes: ./probes\nserver: { auth: { bearerToken: { env: BW_TOKEN } } }\n');
    expect(i).toEqual({
      file: 'blockwatch.yaml',
      line: 2,
      path: 'server.auth.bearerToken',
      message: 'found no environment variable BW_TOKEN: set it, or read the secret from a file with { file: PATH }',
    });
  });

  it('reads a bearer token from the environment', () => {
    const config = loadConfig(fixture('probes: ./probes\nserver: { listen: "127.0.0.1:0", auth: { bearerToken: { env: BW_TOKEN } } }\n'), { BW_TOKEN: 's3cret' });
    expect(config.server.auth).toEqual({ type: 'bearer', token: 's3cret' });
    expect(config.server.port).toBe(0);
  });

  it('listens on loopback unless the config or $BLOCKWATCH_LISTEN says otherwise; the config wins', () => {
    const listen = (yaml: string, env: NodeJS.ProcessEnv) => {
      const { host, port } = loadConfig(fixture(`probes: ./probes\n${yaml}`), env).server;
      return `${host}:${port}`;
    };
    expect(listen('', {})).toBe('127.0.0.1:9464');
    expect(listen('', { BLOCKWATCH_LISTEN: '0.0.0.0:9464' })).toBe('0.0.0.0:9464');
    expect(listen('server: { listen: "192.0.2.7:9100" }\n', { BLOCKWATCH_LISTEN: '0.0.0.0:9464' })).toBe('192.0.2.7:9100');
    const [i] = issuesOf('probes: ./probes\n', undefined, { BLOCKWATCH_LISTEN: 'everywhere' });
    expect(i).toMatchObject({ path: 'server.listen', message: expect.stringMatching(/^found BLOCKWATCH_LISTEN="everywhere" in the environment/) });
  });

  it('names a bad listen address and a bad receiver URL', () => {
    const issues = issuesOf('probes: ./probes\nserver: { listen: "9464" }\nalerts: { receivers: [ { name: ops, type: webhook, url: "hooks" } ] }\n');
    expect(issues.map((i) => i.path).sort()).toEqual(['alerts.receivers[0].url', 'server.listen']);
  });

  it('reads extra trust anchors and rejects a file that is no certificate', () => {
    const ca = runCA();
    const ok = loadConfig(fixture(`probes: ./probes\ntls: { extraCA: ${ca.certFile} }\n`), {});
    expect(ok.tls.extraCA).toEqual([ca.cert]);
    const [i] = issuesOf(`probes: ./probes\ntls: { extraCA: [ ${ca.certFile}, ./blockwatch.yaml ] }\n`);
    expect(i.path).toBe('tls.extraCA[1]');
    expect(i.message).toContain('no PEM certificate');
  });

  it('throws a ConfigError carrying every issue, each formatted with file and field', () => {
    const file = fixture('probes: ./probes\nvantages: [ { id: "Bad Id", resolver: "dns://x" } ]\nschedule: { concurrency: 0 }\n');
    let caught: unknown;
    try {
      loadConfig(file, {});
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const lines = (caught as ConfigError).issues.map(formatIssue);
    expect(lines).toContain(`${file}:2: vantages[0].id: found the text "Bad Id", expected an id of lower-case letters, digits, "-" and "_"`);
    expect(lines).toContain(`${file}:3: schedule.concurrency: found the number 0, expected at least 1`);
  });
});

describe('catalogue loading', () => {
  const config = 'probes: ./probes\n';

  it('loads targets of every kind with their defaults', () => {
    const loaded = loadConfig(
      fixture(config, {
        chat: `id: chat
name: Chat
sources: ["test"]
targets:
  - { id: dc1, kind: tcp, host: 192.0.2.1, port: 443, group: dcs }
  - { id: dc2, kind: tcp, host: 192.0.2.2, port: 443, group: dcs }
  - { id: api, kind: tls, host: api.chat.test }
  - { id: media, kind: https, url: "https://media.chat.test/x", transfer: { bytes: 512KB, floor: 1Mbit/s } }
groups: { dcs: { essential: false } }
`,
      }),
      {},
    );
    const app = loaded.apps[0];
    expect(app.targets[2]).toEqual({ id: 'api', kind: 'tls', host: 'api.chat.test', port: 443 });
    expect(app.targets[3]).toMatchObject({ transfer: { bytes: 512_000, floor: 1_000_000 } });
    expect(app.groups).toEqual({ dcs: { essential: false } });
  });

  it('names the catalogue file and the target field for a bad target', () => {
    const issues = issuesOf(config, {
      chat: `id: chat
name: Chat
sources: ["test"]
targets:
  - { id: web, kind: https, url: "http://web.chat.test/" }
  - { id: dc, kind: tcp, host: 192.0.2.1 }
  - { id: x, kind: ftp, host: a }
  - { id: m, kind: https, url: "https://m.chat.test/", transfer: { bytes: 20KB } }
`,
    });
    expect(issues.map((i) => [i.file, i.path])).toEqual([
      ['chat.yaml', 'targets[0].url'],
      ['chat.yaml', 'targets[1].port'],
      ['chat.yaml', 'targets[2].kind'],
      ['chat.yaml', 'targets[3].transfer.bytes'],
    ]);
    expect(issues[0].message).toBe('found the text "http://web.chat.test/", expected an https:// URL');
    expect(issues[2].message).toBe('found the text "ftp", expected one of dns, tcp, tls, https, udp, quic, mtproto');
    expect(issues[3].message).toContain('at least 100KB');
  });

  it('rejects duplicate target ids, an id unlike the file name, and a group no target is in', () => {
    const issues = issuesOf(config, {
      chat: `id: chatty
name: Chat
sources: ["test"]
targets:
  - { id: web, kind: dns, host: a.test }
  - { id: web, kind: dns, host: b.test }
groups: { dcs: { essential: false } }
`,
    });
    expect(issues.map((i) => i.path)).toEqual(['id', 'targets[1].id', 'groups.dcs']);
  });

  it('reports problems in several catalogues at once', () => {
    const issues = issuesOf(config, { a: 'id: a\nname: A\nsources: []\ntargets: []\n', b: 'id: b\nname: B\n' });
    expect(issues.map((i) => `${i.file} ${i.path}`)).toEqual(['a.yaml sources', 'b.yaml sources']);
  });

  it('skips closed services unless asked for, and refuses to probe them', () => {
    const closed = 'id: bbm\nname: BBM\nsources: ["test"]\nclosed: { since: "2019-05-31", note: "shut down" }\n';
    expect(loadConfig(fixture(config, { chat: APP, bbm: closed }), {}).apps.map((a) => a.id)).toEqual(['chat']);
    const [i] = issuesOf('probes: ./probes\napps: [bbm]\n', { bbm: closed });
    expect(i.message).toContain('closed service');
  });
});

describe('validate reports everything at once', () => {
  it('reports config-file and catalogue problems together', () => {
    const issues = issuesOf('probes: ./probes\nschedule: { timeout: soon }\n', { chat: 'id: chat\nname: Chat\nsources: ["t"]\ntargets: [ { id: a, kind: dns } ]\n' });
    expect(issues.map((i) => `${i.file} ${i.path}`)).toEqual(['blockwatch.yaml schedule.timeout', 'chat.yaml targets[0].host']);
  });
});

describe('the fingerprint database', () => {
  const MINE_DNS = '- { name: xx.isp.blockpage, pattern: 192.0.2.99, countries: [XX], source: "own notes" }\n';
  const OWN_ROSTELECOM = '- { name: ru.rostelecom.blockpage, pattern: 192.0.2.50, countries: [RU], source: "own notes" }\n';
  const withOwn = (config: string, files: Record<string, string>): string => {
    const file = fixture(config);
    const dir = join(file, '..', 'mine');
    mkdirSync(dir);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return file;
  };
  const names = (c: { fingerprints: { dns: { name: string }[] } }) => c.fingerprints.dns.map((f) => f.name);

  it('applies the shipped database to a config whose probes folder has no fingerprints', () => {
    const config = loadConfig(fixture('probes: ./probes\n'), {});
    expect(names(config)).toContain('ru.rostelecom.blockpage');
    expect(config.fingerprints.http.length).toBeGreaterThan(10);
    expect(config.fingerprintSources.map((s) => [s.file.split('/').slice(-3).join('/'), s.shipped])).toEqual([
      ['probes/fingerprints/dns.yaml', true],
      ['probes/fingerprints/http.yaml', true],
    ]);
  });

  it('adds your own fingerprint folder to the shipped database', () => {
    const config = loadConfig(withOwn('probes: ./probes\nfingerprints: ./mine\n', { 'dns.yaml': MINE_DNS }), {});
    expect(names(config)).toEqual(expect.arrayContaining(['ru.rostelecom.blockpage', 'xx.isp.blockpage']));
    expect(config.fingerprintSources.at(-1)).toMatchObject({ shipped: false, count: 1, replaced: [] });
  });

  it('lets your own entry replace a shipped one of the same name, and says so', () => {
    const config = loadConfig(withOwn('probes: ./probes\nfingerprints: ./mine\n', { 'dns.yaml': OWN_ROSTELECOM }), {});
    expect(config.fingerprints.dns.filter((f) => f.name === 'ru.rostelecom.blockpage').map((f) => f.pattern)).toEqual(['192.0.2.50']);
    expect(config.fingerprintSources.at(-1)?.replaced).toEqual(['ru.rostelecom.blockpage']);
  });

  it('loads only your own files when the shipped database is switched off', () => {
    const config = loadConfig(withOwn('probes: ./probes\nfingerprints: { shipped: false, dirs: [./mine] }\n', { 'dns.yaml': MINE_DNS }), {});
    expect(names(config)).toEqual(['xx.isp.blockpage']);
    expect(config.fingerprints.http).toEqual([]);
    expect(config.fingerprintSources.every((s) => !s.shipped)).toBe(true);
  });

  it('reads the shipped files once when the config points at the shipped catalogues', () => {
    const config = loadConfig(join(import.meta.dirname, '../../../config/blockwatch.yaml'), {});
    expect(config.fingerprintSources.map((s) => s.shipped)).toEqual([true, true]);
    expect(new Set(names(config)).size).toBe(config.fingerprints.dns.length);
  });

  it('names a configured folder that does not exist', () => {
    expect(issuesOf('probes: ./probes\nfingerprints: { dirs: [./nowhere] }\n')).toEqual([
      { file: 'blockwatch.yaml', line: 2, path: 'fingerprints.dirs[0]', message: expect.stringMatching(/^found no folder .*nowhere: write the path/) },
    ]);
  });
});

describe('a config says what it watches from', () => {
  const WANTS = /expected a config that says what it watches from: vantages: .* and canaries: .*, or canaries: \[\] with canariesReason: "why none"/;

  it('is an error when the file is empty, only comments, or only ---, naming the file and what it must say', () => {
    for (const text of ['', '# cut here\n# nothing else\n', '---\n', '---\n...\n']) {
      const issues = issuesOf(text);
      expect(issues).toHaveLength(1);
      expect(issues[0]).toMatchObject({ file: 'blockwatch.yaml', path: '' });
      expect(issues[0].message).toMatch(/^found nothing \(an empty file, only comments, or ---\), /);
      expect(issues[0].message).toMatch(WANTS);
    }
  });

  it('is an error when the file names neither vantages nor canaries (a file cut short after probes: or schedule:)', () => {
    const file = fixture('vantages: [ { id: a } ]\n');
    writeFileSync(file, 'probes: ./probes\nschedule: { cron: "* * * * *" }\n');
    const { config, issues } = readConfig(file, {});
    expect(config).toBeNull();
    expect(issues).toHaveLength(1);
    expect(issues[0].message).toMatch(/^found neither vantages: nor canaries:, /);
    expect(issues[0].message).toMatch(WANTS);
  });

  it('takes canaries: [] only with a reason, and a reason only without canaries', () => {
    expect(issuesOf('probes: ./probes\nvantages: [ { id: a } ]\ncanaries: []\n')).toEqual([
      {
        file: 'blockwatch.yaml',
        line: 3,
        path: 'canaries',
        message: 'found an empty list, expected canaries, or canariesReason: "why none" beside it: without canaries an offline vantage reads as every app down',
      },
    ]);
    const config = loadConfig(fixture('probes: ./probes\nvantages: [ { id: a } ]\ncanaries: []\ncanariesReason: "the lab has no uplink to check"\n'), {});
    expect([config.canaries, config.canariesReason]).toEqual([[], 'the lab has no uplink to check']);
    expect(issuesOf('probes: ./probes\ncanaries: [ { id: c, kind: tls, host: c.example } ]\ncanariesReason: "none"\n').map((i) => `${i.line} ${i.path}: ${i.message}`)).toEqual([
      '3 canariesReason: found a reason for having no canaries beside 1: remove canariesReason',
    ]);
    expect(issuesOf('probes: ./probes\nvantages: [ { id: a } ]\ncanaries: []\ncanariesReason: "  "\n').map((i) => i.path)).toEqual(['canariesReason']);
  });

  it('is an error when it leaves nothing to probe', () => {
    expect(issuesOf('probes: ./probes\nvantages: [ { id: a } ]\napps: []\n').map((i) => `${i.path}: ${i.message}`)).toEqual([
      'apps: found an empty list, expected at least one app id: leave apps out to probe every catalogue',
    ]);
    const [i] = issuesOf('probes: ./probes\nvantages: [ { id: a } ]\n', {});
    expect(i).toMatchObject({ path: 'probes', message: expect.stringMatching(/^found no catalogue to probe in \S+\/probes, expected probes\/<id>\.yaml files/) });
  });
});

describe('durations and sizes that cannot work', () => {
  const problem = (yaml: string) => issuesOf(`probes: ./probes\nvantages: [ { id: a } ]\n${yaml}`).map((i) => `${i.path}: ${i.message}`);

  it('rejects a probe timeout of 0s, a negative one and one too short for a handshake, with the fix', () => {
    expect(problem('schedule: { timeout: 0s }\n')).toEqual([
      'schedule.timeout: found "0s", expected at least 100ms: a probe needs time to resolve, connect and finish a handshake; less fails every probe and reads as an offline vantage (default 10s)',
    ]);
    expect(problem('schedule: { timeout: -5s }\n')).toEqual(['schedule.timeout: found "-5s", expected a positive duration: write it like 500ms, 10s, 5m or 4h']);
    expect(problem('schedule: { timeout: 20ms }\n')).toHaveLength(1);
    expect(loadConfig(fixture('probes: ./probes\nvantages: [ { id: a } ]\nschedule: { timeout: 100ms }\n'), {}).schedule.timeoutMs).toBe(100);
  });

  it('rejects a stall, receiver timeout, repeat, resend and page refresh too short to work; 0s still turns the refresh off', () => {
    expect(
      problem(
        'limits: { stall: 10ms }\nalerts: { repeat: 0s, resend: 200ms, receivers: [ { name: a, type: webhook, url: "http://127.0.0.1:1/", timeout: 0s } ] }\nserver: { page: { refresh: 500ms } }\n',
      ).map((l) => l.split(':')[0]),
    ).toEqual(['server.page.refresh', 'alerts.repeat', 'alerts.resend', 'alerts.receivers[0].timeout', 'limits.stall']);
    expect(loadConfig(fixture('probes: ./probes\nvantages: [ { id: a } ]\nserver: { page: { refresh: 0s } }\n'), {}).server.page?.refreshMs).toBe(0);
  });

  it('rejects an evidence cap and a body cap too small to use', () => {
    expect(problem('evidence: { dir: ./ev, maxBytes: 100KB }\nlimits: { bodyBytes: 10 }\n')).toEqual([
      'evidence.maxBytes: found "100KB", expected at least 1MB: the evidence log keeps eight files of maxBytes/8; less than 1MB rotates on almost every line (default 256MB)',
      'limits.bodyBytes: found "10", expected at least 1KB: blockpages are told from the first bytes of a body (default 64KB)',
    ]);
  });
});

describe('what a reload may not do', () => {
  const withCanary = 'probes: ./probes\nvantages: [ { id: a } ]\ncanaries: [ { id: c, kind: tls, host: c.example } ]\n';

  it('drop every canary, unless the new config says canaries: [] with a reason', () => {
    const running = loadConfig(fixture(withCanary), {});
    const without = loadConfig(fixture('probes: ./probes\nvantages: [ { id: a } ]\n'), {});
    expect(reloadRefusals(running, without)).toEqual([
      `${without.file}: the new configuration drops every canary (the running one has 1): without canaries an offline vantage reads as every app down; ` +
        'put the canaries back, or write canaries: [] with canariesReason: "why" to run without them',
    ]);
    const said = loadConfig(fixture('probes: ./probes\nvantages: [ { id: a } ]\ncanaries: []\ncanariesReason: "moving the host"\n'), {});
    expect(reloadRefusals(running, said)).toEqual([]);
    expect(reloadRefusals(without, running)).toEqual([]);
  });
});
