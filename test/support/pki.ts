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

/** A serial no other certificate of the CA has: leaves of one CA are issued by several processes at once. */
const randomSerial = (): string => `0x${randomBytes(8).toString('hex').replace(/^[89a-f]/, '1')}`;

/**
 * Signs `csr` with the CA in `caDir` (ca.pem, ca.key), working in `dir`: x509 -req for a
 * validity from now, openssl ca for fixed (past) dates.
 */
function sign(caDir: string, dir: string, csr: string, ext: string, out: string, opts: IssueOptions): void {
  const caCert = join(caDir, 'ca.pem');
  const caKey = join(caDir, 'ca.key');
  if (!opts.validity) {
    openssl(
      ['x509', '-req', '-in', csr, '-CA', caCert, '-CAkey', caKey, '-set_serial', randomSerial(),
        '-days', String(opts.days ?? 365), '-sha256', '-extfile', ext, '-out', out],
      dir,
    );
    return;
  }
  // openssl ca wants a database; a throwaway one per signature.
  const db = `${out}.db`;
  writeFileSync(join(dir, `${db}.index`), '');
  writeFileSync(join(dir, `${db}.serial`), `${randomSerial().slice(2)}\n`);
  writeFileSync(
    join(dir, `${db}.cnf`),
    `[ca]\ndefault_ca=d\n[d]\ndatabase=${db}.index\nserial=${db}.serial\nnew_certs_dir=.\ndefault_md=sha256\npolicy=p\nunique_subject=no\n[p]\ncommonName=supplied\n`,
  );
  openssl(
    ['ca', '-batch', '-notext', '-config', `${db}.cnf`, '-cert', caCert, '-keyfile', caKey, '-in', csr, '-out', out,
      '-startdate', opts.validity.from, '-enddate', opts.validity.to, '-extfile', ext],
    dir,
  );
}

/** A CA in `dir` (a root, or an intermediate of `parent`); its leaves go to `dir` too. */
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
    sign(parent.dir, parent.dir, join(dir, 'ca.csr'), join(dir, 'ca.ext'), join(dir, 'ca.pem'), { days: 3650 });
  }
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
      const san = [...names.map((n) => `DNS:${n}`), ...(opts.ips ?? []).map((ip) => `IP:${ip}`)].join(',');
      writeFileSync(join(leafDir, `${base}.ext`), `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
      openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${base}.key`], leafDir);
      openssl(['req', '-new', '-key', `${base}.key`, '-subj', `/CN=${names[0] ?? opts.ips?.[0] ?? 'leaf'}`, '-out', `${base}.csr`], leafDir);
      sign(dir, leafDir, `${base}.csr`, `${base}.ext`, `${base}.pem`, opts);
      const certFile = join(leafDir, `${base}.pem`);
      const keyFile = join(leafDir, `${base}.key`);
      const leafCert = readFileSync(certFile, 'utf8');
      return { cert: leafCert, key: readFileSync(keyFile, 'utf8'), certFile, keyFile, chain: leafCert + chain };
    },
    intermediate(childName) {
      return makeCA(childName, mkdtempSync(join(leafDir, 'ca-')), { dir, chain });
    },
  };
}
