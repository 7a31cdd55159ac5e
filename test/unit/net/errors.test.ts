// toFailure: each OONI failure string from the error that real sockets, resolvers and TLS produce.
import { Resolver as CaresResolver } from 'node:dns/promises';
import { Socket, connect } from 'node:net';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { checkServerIdentity, connect as tlsConnect, createServer as createTlsServer, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { Client } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetError, toFailure } from '../../../src/net/errors.js';
import { decodeReply } from '../../../src/net/resolvers/wire.js';
import { openTcp } from '../../../src/net/connectors/direct.js';
import { startDnsServer, type DnsServer } from '../../support/dns-server.js';
import { closeOnData, closedPort, listen, neverAccepting, resetOnAccept } from '../../support/tcp-servers.js';
import { startTlsServer, testPki, type Running } from '../../support/tls-servers.js';

function caught<T>(p: Promise<T>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a failure');
    },
    (err: unknown) => err,
  );
}

function tlsError(opts: ConnectionOptions): Promise<unknown> {
  return new Promise((resolve) => {
    const s = tlsConnect(opts);
    s.once('secureConnect', () => resolve(new Error('handshake unexpectedly completed')));
    s.once('error', resolve);
  });
}

let dns: DnsServer;
let pki: ReturnType<typeof testPki>;
let tlsServer: Running;

beforeAll(async () => {
  dns = await startDnsServer((name) => {
    if (name === 'nx.test') return { kind: 'rcode', rcode: 'NXDOMAIN' };
    if (name === 'servfail.test') return { kind: 'rcode', rcode: 'SERVFAIL' };
    if (name === 'refused.test') return { kind: 'rcode', rcode: 'REFUSED' };
    if (name === 'empty.test') return { kind: 'answer' };
    return { kind: 'silent' };
  });
  pki = testPki(['app.test']);
  tlsServer = await startTlsServer(pki.leaf);
});
afterAll(async () => {
  await dns.close();
  await tlsServer.close();
});

function cares(): CaresResolver {
  const r = new CaresResolver({ timeout: 200, tries: 1 });
  r.setServers([`127.0.0.1:${dns.port}`]);
  return r;
}

describe('toFailure on socket errors', () => {
  it('maps a refused connection to connection_refused', async () => {
    const port = await closedPort();
    const err = await caught(openTcp('127.0.0.1', port, AbortSignal.timeout(2000)));
    expect(toFailure(err, 'connect')).toEqual({ failure: 'connection_refused', operation: 'connect' });
  });

  it('maps a reset connection to connection_reset', async () => {
    const l = await resetOnAccept();
    const err = await new Promise((resolve) => {
      const s = connect(l.port, '127.0.0.1');
      s.on('connect', () => s.write('hello'));
      s.on('error', resolve);
    });
    await l.close();
    expect(toFailure(err, 'read').failure).toBe('connection_reset');
  });

  it('maps EPIPE to connection_reset', () => {
    const err = Object.assign(new Error('write EPIPE'), { code: 'EPIPE', errno: -32, syscall: 'write' });
    expect(toFailure(err, 'write').failure).toBe('connection_reset');
  });

  it('maps ECONNABORTED to connection_aborted', () => {
    const err = Object.assign(new Error('read ECONNABORTED'), { code: 'ECONNABORTED', errno: -103, syscall: 'read' });
    expect(toFailure(err, 'read').failure).toBe('connection_aborted');
  });

  it('maps EHOSTUNREACH to host_unreachable and ENETUNREACH to network_unreachable', () => {
    const host = Object.assign(new Error('connect EHOSTUNREACH'), { code: 'EHOSTUNREACH', errno: -113, syscall: 'connect' });
    const net = Object.assign(new Error('connect ENETUNREACH'), { code: 'ENETUNREACH', errno: -101, syscall: 'connect' });
    expect(toFailure(host, 'connect').failure).toBe('host_unreachable');
    expect(toFailure(net, 'connect').failure).toBe('network_unreachable');
  });

  it('maps a deadline abort during connect to generic_timeout_error', async () => {
    const l = await neverAccepting();
    await l.fill();
    const err = await caught(openTcp('127.0.0.1', l.port, AbortSignal.timeout(150)));
    await l.close();
    expect(toFailure(err, 'connect').failure).toBe('generic_timeout_error');
  });

  it('maps a deadline abort seen by net.Socket (AbortError with a TimeoutError cause) to generic_timeout_error', async () => {
    const l = await neverAccepting();
    await l.fill();
    const err = await new Promise((resolve) => {
      const s = new Socket({ signal: AbortSignal.timeout(100) } as never);
      s.on('error', resolve);
      s.connect(l.port, '127.0.0.1');
    });
    await l.close();
    expect(toFailure(err, 'connect').failure).toBe('generic_timeout_error');
  });

  it('maps a shutdown abort to interrupted', async () => {
    const l = await neverAccepting();
    await l.fill();
    const ac = new AbortController();
    const p = caught(openTcp('127.0.0.1', l.port, ac.signal));
    ac.abort();
    const err = await p;
    await l.close();
    expect(toFailure(err, 'connect')).toEqual({ failure: 'interrupted', operation: 'connect' });
  });
});

describe('toFailure on TLS errors', () => {
  it('maps a close during the handshake to eof_error', async () => {
    const l = await closeOnData();
    const err = await tlsError({ host: '127.0.0.1', port: l.port, servername: 'app.test' });
    await l.close();
    expect(toFailure(err, 'tls_handshake').failure).toBe('eof_error');
  });

  it('maps a reset during the handshake to connection_reset', async () => {
    const l = await listen((s) => s.once('data', () => s.resetAndDestroy()));
    const err = await tlsError({ host: '127.0.0.1', port: l.port, servername: 'app.test' });
    await l.close();
    expect(toFailure(err, 'tls_handshake').failure).toBe('connection_reset');
  });

  it('maps an untrusted chain to ssl_unknown_authority', async () => {
    const err = await tlsError({ host: '127.0.0.1', port: tlsServer.port, servername: 'app.test' });
    expect(toFailure(err, 'tls_handshake').failure).toBe('ssl_unknown_authority');
  });

  it('maps a self-signed certificate to ssl_unknown_authority', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-self-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'k.pem', '-out', 'c.pem',
      '-days', '30', '-subj', '/CN=self-signed.test', '-addext', 'subjectAltName=DNS:self-signed.test'], { cwd: dir, stdio: 'ignore' });
    const server = await startTlsServer({ cert: readFileSync(join(dir, 'c.pem'), 'utf8'), key: readFileSync(join(dir, 'k.pem'), 'utf8'), certFile: '', keyFile: '' });
    const err = await tlsError({ host: '127.0.0.1', port: server.port, servername: 'self-signed.test' });
    await server.close();
    expect(toFailure(err, 'tls_handshake').failure).toBe('ssl_unknown_authority');
  });

  it('maps a name mismatch to ssl_invalid_hostname', async () => {
    const err = await tlsError({ host: '127.0.0.1', port: tlsServer.port, servername: 'other.test', ca: [pki.ca.cert] });
    expect(toFailure(err, 'tls_handshake').failure).toBe('ssl_invalid_hostname');
  });

  it('maps a checkServerIdentity error to ssl_invalid_hostname', async () => {
    const cert = await new Promise<ReturnType<TLSSocket['getPeerCertificate']>>((resolve) => {
      const s = tlsConnect({ host: '127.0.0.1', port: tlsServer.port, servername: 'app.test', ca: [pki.ca.cert] }, () => {
        resolve(s.getPeerCertificate());
        s.destroy();
      });
    });
    expect(toFailure(checkServerIdentity('wrong.test', cert), 'tls_handshake').failure).toBe('ssl_invalid_hostname');
  });

  it('maps an expired certificate verify code to ssl_invalid_certificate', () => {
    expect(toFailure('CERT_HAS_EXPIRED', 'tls_handshake').failure).toBe('ssl_invalid_certificate');
  });

  it('maps a TLS alert to ssl_failed_handshake', async () => {
    const server = createTlsServer({ cert: pki.leaf.cert, key: pki.leaf.key, minVersion: 'TLSv1.3' });
    server.on('tlsClientError', () => {});
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    const err = await tlsError({ host: '127.0.0.1', port, servername: 'app.test', maxVersion: 'TLSv1.2' });
    await new Promise<void>((r) => server.close(() => r()));
    expect(toFailure(err, 'tls_handshake').failure).toBe('ssl_failed_handshake');
  });

  it('maps a peer that speaks no TLS to ssl_failed_handshake', async () => {
    const l = await listen((s) => s.once('data', () => s.write('HTTP/1.1 400 Bad Request\r\n\r\n')));
    const err = await tlsError({ host: '127.0.0.1', port: l.port, servername: 'app.test' });
    await l.close();
    expect(toFailure(err, 'tls_handshake').failure).toBe('ssl_failed_handshake');
  });
});

describe('toFailure on DNS errors', () => {
  it('maps NXDOMAIN to dns_nxdomain_error', async () => {
    expect(toFailure(await caught(cares().resolve4('nx.test')), 'resolve').failure).toBe('dns_nxdomain_error');
  });
  it('maps SERVFAIL to dns_servfail_error', async () => {
    expect(toFailure(await caught(cares().resolve4('servfail.test')), 'resolve').failure).toBe('dns_servfail_error');
  });
  it('maps REFUSED to dns_refused_error', async () => {
    expect(toFailure(await caught(cares().resolve4('refused.test')), 'resolve').failure).toBe('dns_refused_error');
  });
  it('maps an empty NOERROR to dns_no_answer', async () => {
    expect(toFailure(await caught(cares().resolve4('empty.test')), 'resolve').failure).toBe('dns_no_answer');
  });
  it('maps a resolver that never answers to generic_timeout_error', async () => {
    expect(toFailure(await caught(cares().resolve4('silent.test')), 'resolve').failure).toBe('generic_timeout_error');
  });
  it('maps a malformed reply to dns_server_misbehaving', () => {
    let err: unknown;
    try {
      decodeReply(Buffer.from([0, 1, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 3]));
    } catch (e) {
      err = e;
    }
    expect(toFailure(err, 'resolve').failure).toBe('dns_server_misbehaving');
  });
  it('passes through failures blockwatch already named (wrong query id, bogon)', () => {
    expect(toFailure(new NetError('dns_reply_with_wrong_query_id', 'x'), 'resolve').failure).toBe('dns_reply_with_wrong_query_id');
    expect(toFailure(new NetError('dns_bogon_error', 'x'), 'resolve').failure).toBe('dns_bogon_error');
  });
});

describe('toFailure on undici errors', () => {
  async function undiciError(onConn: Parameters<typeof listen>[0]): Promise<unknown> {
    const l = await listen(onConn);
    const client = new Client(`http://127.0.0.1:${l.port}`);
    const err = await caught(client.request({ path: '/', method: 'GET' }).then((r) => r.body.text()));
    await client.destroy();
    await l.close();
    return err;
  }

  it('maps a server closing before the response to eof_error', async () => {
    const err = await undiciError((s) => s.once('data', () => s.end()));
    expect(toFailure(err, 'http_round_trip').failure).toBe('eof_error');
  });

  it('maps a server resetting after the request to connection_reset', async () => {
    const err = await undiciError((s) => s.once('data', () => s.resetAndDestroy()));
    expect(toFailure(err, 'http_round_trip').failure).toBe('connection_reset');
  });

  it('maps an unparseable response to http_request_failed', async () => {
    const err = await undiciError((s) => s.once('data', () => s.end('SSH-2.0-nope\r\n\r\n')));
    expect(toFailure(err, 'http_round_trip').failure).toBe('http_request_failed');
  });

  it('maps a headers timeout to generic_timeout_error', async () => {
    const l = await listen(() => {});
    const client = new Client(`http://127.0.0.1:${l.port}`, { headersTimeout: 100 });
    const err = await caught(client.request({ path: '/', method: 'GET' }));
    await client.destroy();
    await l.close();
    expect(toFailure(err, 'http_round_trip').failure).toBe('generic_timeout_error');
  });
});

describe('toFailure on anything else', () => {
  it('maps an unknown error to unknown_failure with its message', () => {
    expect(toFailure(new Error('something odd'), 'read')).toEqual({ failure: 'unknown_failure: something odd', operation: 'read' });
  });
});
