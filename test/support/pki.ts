/** A throwaway PKI for tests and the lab: a CA and leaf certificates made with openssl. */
import { execFileSync } from 'node:child_process';
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

/** Signs `csr` with the CA's key: x509 -req for a validity from now, openssl ca for fixed (past) dates. */
function sign(dir: string, csr: string, ext: string, out: string, opts: IssueOptions): void {
  if (!opts.validity) {
    openssl(
      ['x509', '-req', '-in', csr, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', String(Date.now() * 100 + serial),
        '-days', String(opts.days ?? 365), '-sha256', '-extfile', ext, '-out', out],
      dir,
    );
    return;
  }
  // openssl ca wants a database; a throwaway one per signature.
  const db = `${out}.db`;
  writeFileSync(join(dir, `${db}.index`), '');
  const hex = (Date.now() * 100 + serial).toString(16);
  writeFileSync(join(dir, `${db}.serial`), `${hex.length % 2 ? `0${hex}` : hex}\n`);
  writeFileSync(
    join(dir, `${db}.cnf`),
    `[ca]\ndefault_ca=d\n[d]\ndatabase=${db}.index\nserial=${db}.serial\nnew_certs_dir=.\ndefault_md=sha256\npolicy=p\nunique_subject=no\n[p]\ncommonName=supplied\n`,
  );
  openssl(
    ['ca', '-batch', '-notext', '-config', `${db}.cnf`, '-cert', 'ca.pem', '-keyfile', 'ca.key', '-in', csr, '-out', out,
      '-startdate', opts.validity.from, '-enddate', opts.validity.to, '-extfile', ext],
    dir,
  );
}

export function makeCA(name = 'blockwatch test CA', dir = mkdtempSync(join(tmpdir(), 'bw-pki-')), parent?: { dir: string; chain: string }): TestCA {
  const caExt = 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n';
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key'], dir);
  if (!parent) {
    openssl(
      ['req', '-x509', '-new', '-key', 'ca.key', '-sha256', '-days', '3650', '-subj', `/CN=${name}/O=blockwatch`,
        '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', 'ca.pem'],
      dir,
    );
  } else {
    openssl(['req', '-new', '-key', join(dir, 'ca.key'), '-subj', `/CN=${name}/O=blockwatch`, '-out', join(dir, 'ca.csr')], parent.dir);
    writeFileSync(join(dir, 'ca.ext'), caExt);
    sign(parent.dir, join(dir, 'ca.csr'), join(dir, 'ca.ext'), join(dir, 'ca.pem'), { days: 3650 });
  }
  const certFile = join(dir, 'ca.pem');
  const cert = readFileSync(certFile, 'utf8');
  const chain = parent ? cert + parent.chain : '';
  return {
    dir,
    cert,
    certFile,
    chain,
    issue(names, opts = {}) {
      const base = `leaf${serial++}`;
      const san = opts.rawSan !== undefined ? opts.rawSan : [...names.map((n) => `DNS:${n}`), ...(opts.ips ?? []).map((ip) => `IP:${ip}`)].join(',');
      writeFileSync(join(dir, `${base}.ext`), `${san === null ? '' : `subjectAltName=${san}\n`}basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
      openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${base}.key`], dir);
      openssl(['req', '-new', '-key', `${base}.key`, '-subj', opts.subject ?? `/CN=${names[0] ?? opts.ips?.[0] ?? 'leaf'}`, ...(opts.subject ? ['-multivalue-rdn'] : []), '-out', `${base}.csr`], dir);
      sign(dir, `${base}.csr`, `${base}.ext`, `${base}.pem`, opts);
      const certFile = join(dir, `${base}.pem`);
      const keyFile = join(dir, `${base}.key`);
      const leafCert = readFileSync(certFile, 'utf8');
      return { cert: leafCert, key: readFileSync(keyFile, 'utf8'), certFile, keyFile, chain: leafCert + chain };
    },
    intermediate(childName) {
      return makeCA(childName, mkdtempSync(join(tmpdir(), 'bw-pki-')), { dir, chain });
    },
  };
}
