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
}

export interface TestCA {
  dir: string;
  cert: string;
  certFile: string;
  /** Issues a leaf for the given DNS names and IP addresses (SANs). */
  issue(names: string[], opts?: { ips?: string[]; days?: number }): Leaf;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

let serial = 1;

export function makeCA(name = 'blockwatch test CA', dir = mkdtempSync(join(tmpdir(), 'bw-pki-'))): TestCA {
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key'], dir);
  openssl(
    ['req', '-x509', '-new', '-key', 'ca.key', '-sha256', '-days', '3650', '-subj', `/CN=${name}/O=blockwatch`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', 'ca.pem'],
    dir,
  );
  const certFile = join(dir, 'ca.pem');
  return {
    dir,
    cert: readFileSync(certFile, 'utf8'),
    certFile,
    issue(names, opts = {}) {
      const base = `leaf${serial++}`;
      const san = [...names.map((n) => `DNS:${n}`), ...(opts.ips ?? []).map((ip) => `IP:${ip}`)].join(',');
      writeFileSync(join(dir, `${base}.ext`), `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
      openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${base}.key`], dir);
      openssl(['req', '-new', '-key', `${base}.key`, '-subj', `/CN=${names[0] ?? opts.ips?.[0] ?? 'leaf'}`, '-out', `${base}.csr`], dir);
      openssl(
        ['x509', '-req', '-in', `${base}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', String(Date.now() * 100 + serial),
          '-days', String(opts.days ?? 365), '-sha256', '-extfile', `${base}.ext`, '-out', `${base}.pem`],
        dir,
      );
      const certFile = join(dir, `${base}.pem`);
      const keyFile = join(dir, `${base}.key`);
      return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile, keyFile };
    },
  };
}
