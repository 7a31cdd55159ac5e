/** A throwaway PKI for tests and the lab: a CA and leaf certificates made with openssl. */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Leaf {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
  /** The leaf followed by the intermediates up to (not including) the root: what a server sends. */
  chain: string;
}

export interface IssueOptions {
  ips?: string[];
  days?: number;
  /** Fixed validity instead of `days` from now, as openssl ca's -startdate/-enddate (YYYYMMDDHHMMSSZ): an expired certificate. */
  validity?: { from: string; to: string };
  /** The subject, as openssl req -subj takes it (default /CN= the first name or address). */
  subject?: string;
  /** subjectAltName as openssl's extension syntax, instead of one built from names and ips; null for none. */
  rawSan?: string | null;
}

export interface TestCA {
  dir: string;
  cert: string;
  certFile: string;
  /** Intermediates from this CA up to (not including) the root, nearest first; empty for a root. */
  chain: string;
  /** Issues a leaf for the given DNS names and IP addresses (SANs). */
  issue(names: string[], opts?: IssueOptions): Leaf;
  /** A CA certified by this one (an intermediate), issuing in its own right. */
  intermediate(name: string): TestCA;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

let serial = 1;

const CA_EXT = ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign'];
const leafExt = (san: string | null): string[] => [...(san === null ? [] : [`subjectAltName=${san}`]), 'basicConstraints=CA:FALSE', 'extendedKeyUsage=serverAuth'];

/**
 * A P-256 key and a certificate for it in one openssl run (OpenSSL 3's req -x509 -CA), with
 * a random serial: self-signed without `issuer`, else signed by it. One process per certificate
 * keeps a deep chain cheap on a busy machine.
 */
function newCert(dir: string, o: { subject: string; key: string; cert: string; days: number; ext: string[]; issuer?: { cert: string; key: string }; rdn?: string[] }): void {
  openssl(
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', o.key, '-out', o.cert, '-subj', o.subject, ...(o.rdn ?? []),
      '-days', String(o.days), '-sha256', ...(o.issuer ? ['-CA', o.issuer.cert, '-CAkey', o.issuer.key] : []), ...o.ext.flatMap((e) => ['-addext', e])],
    dir,
  );
}

/** A leaf with fixed (past) dates: openssl ca, with a throwaway database, signs a request. */
function issueDated(caDir: string, dir: string, base: string, subject: string, ext: string[], validity: { from: string; to: string }, rdn: string[] = []): void {
  openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${base}.key`, '-subj', subject, ...rdn, '-out', `${base}.csr`], dir);
  writeFileSync(join(dir, `${base}.ext`), `${ext.join('\n')}\n`);
  writeFileSync(join(dir, `${base}.index`), '');
  writeFileSync(join(dir, `${base}.serial`), `${randomBytes(8).toString('hex').replace(/^[89a-f]/, '1')}\n`);
  writeFileSync(
    join(dir, `${base}.cnf`),
    `[ca]\ndefault_ca=d\n[d]\ndatabase=${base}.index\nserial=${base}.serial\nnew_certs_dir=.\ndefault_md=sha256\npolicy=p\nunique_subject=no\n[p]\ncommonName=supplied\n`,
  );
  openssl(
    ['ca', '-batch', '-notext', '-config', `${base}.cnf`, '-cert', join(caDir, 'ca.pem'), '-keyfile', join(caDir, 'ca.key'), '-in', `${base}.csr`,
      '-out', `${base}.pem`, '-startdate', validity.from, '-enddate', validity.to, '-extfile', `${base}.ext`],
    dir,
  );
}

/** A CA in `dir` (a root, or an intermediate of `parent`); its leaves go to `dir` too. */
export function makeCA(name = 'blockwatch test CA', dir = mkdtempSync(join(tmpdir(), 'bw-pki-')), parent?: { dir: string; chain: string }): TestCA {
  const issuer = parent && { cert: join(parent.dir, 'ca.pem'), key: join(parent.dir, 'ca.key') };
  newCert(dir, { subject: `/CN=${name}/O=blockwatch`, key: 'ca.key', cert: 'ca.pem', days: 3650, ext: CA_EXT, issuer });
  writeFileSync(join(dir, 'chain.pem'), parent ? readFileSync(join(dir, 'ca.pem'), 'utf8') + parent.chain : '');
  return loadCA(dir);
}

/** A CA made before (by makeCA) in `dir`; the leaves it issues go to `leafDir`. */
export function loadCA(dir: string, leafDir = dir): TestCA {
  const certFile = join(dir, 'ca.pem');
  const cert = readFileSync(certFile, 'utf8');
  const chain = readFileSync(join(dir, 'chain.pem'), 'utf8');
  return {
    dir,
    cert,
    certFile,
    chain,
    issue(names, opts = {}) {
      const base = `leaf${serial++}`;
      const san = opts.rawSan !== undefined ? opts.rawSan : [...names.map((n) => `DNS:${n}`), ...(opts.ips ?? []).map((ip) => `IP:${ip}`)].join(',');
      const subject = opts.subject ?? `/CN=${names[0] ?? opts.ips?.[0] ?? 'leaf'}`;
      // A subject given whole may hold several attributes in one RDN (a+b), as real certificates do.
      const rdn = opts.subject ? ['-multivalue-rdn'] : [];
      if (opts.validity) issueDated(dir, leafDir, base, subject, leafExt(san), opts.validity, rdn);
      else newCert(leafDir, { subject, key: `${base}.key`, cert: `${base}.pem`, days: opts.days ?? 365, ext: leafExt(san), issuer: { cert: certFile, key: join(dir, 'ca.key') }, rdn });
      const leafCertFile = join(leafDir, `${base}.pem`);
      const keyFile = join(leafDir, `${base}.key`);
      const leafCert = readFileSync(leafCertFile, 'utf8');
      return { cert: leafCert, key: readFileSync(keyFile, 'utf8'), certFile: leafCertFile, keyFile, chain: leafCert + chain };
    },
    intermediate(childName) {
      return makeCA(childName, mkdtempSync(join(leafDir, 'ca-')), { dir, chain });
    },
  };
}
