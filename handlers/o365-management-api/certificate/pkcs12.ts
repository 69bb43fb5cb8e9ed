/**
 * Opens a PKCS#12 (.pfx / .p12) file with node:crypto (RFC 7292): checks its MAC with the
 * password, decrypts its bags (PBES2 with PBKDF2 and AES or 3DES, as OpenSSL 3 and Windows
 * write them, or the older PKCS#12 PBE with 3DES) and returns the private key and the
 * certificate that belongs to it.
 */
import { createDecipheriv, createHash, createHmac, createPrivateKey, pbkdf2Sync, timingSafeEqual, X509Certificate, type KeyObject } from 'node:crypto';
import { children, DerError, explicit, expect, integer, octets, oid, parse, type Node } from './der';

const OID = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  pbeSha1TripleDes: '1.2.840.113549.1.12.1.3',
  pbeSha1TwoKeyDes: '1.2.840.113549.1.12.1.4',
  pbeSha1Rc2_128: '1.2.840.113549.1.12.1.5',
  pbeSha1Rc2_40: '1.2.840.113549.1.12.1.6',
} as const;

const DIGESTS: Record<string, { name: string; size: number; block: number }> = {
  '1.3.14.3.2.26': { name: 'sha1', size: 20, block: 64 },
  '2.16.840.1.101.3.4.2.1': { name: 'sha256', size: 32, block: 64 },
  '2.16.840.1.101.3.4.2.2': { name: 'sha384', size: 48, block: 128 },
  '2.16.840.1.101.3.4.2.3': { name: 'sha512', size: 64, block: 128 },
};

const HMACS: Record<string, string> = {
  '1.2.840.113549.2.7': 'sha1',
  '1.2.840.113549.2.8': 'sha224',
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
};

const CIPHERS: Record<string, { name: string; key: number }> = {
  '2.16.840.1.101.3.4.1.2': { name: 'aes-128-cbc', key: 16 },
  '2.16.840.1.101.3.4.1.22': { name: 'aes-192-cbc', key: 24 },
  '2.16.840.1.101.3.4.1.42': { name: 'aes-256-cbc', key: 32 },
  '1.2.840.113549.3.7': { name: 'des-ede3-cbc', key: 24 },
};

export class CertificateError extends Error {}

/**
 * Key-derivation iterations one count may ask for, and all counts of a file together: far above
 * what OpenSSL (2048) or Windows (2000) write, low enough that a file asking for millions is
 * refused at once instead of holding a worker for minutes.
 */
export const MAX_ITERATIONS = 1_000_000;
export const MAX_FILE_ITERATIONS = 3_000_000;

/** Counts the iterations a file makes us run; refuses a count (or a total) over the caps before the work. */
class IterationBudget {
  private spent = 0;

  spend(iterations: number, times = 1): number {
    if (!Number.isSafeInteger(iterations) || iterations < 1) throw new CertificateError('the certificate file has an invalid iteration count');
    if (iterations > MAX_ITERATIONS) {
      throw new CertificateError(
        `the certificate file asks for ${iterations} key-derivation iterations, more than the ${MAX_ITERATIONS} accepted; export it again with the default count`,
      );
    }
    this.spent += iterations * times;
    if (this.spent > MAX_FILE_ITERATIONS) {
      throw new CertificateError(
        `the certificate file asks for more than ${MAX_FILE_ITERATIONS} key-derivation iterations in all; export it again with the default count`,
      );
    }
    return iterations;
  }
}

/** RFC 7292 B.1: the password as a BMPString with its two-byte terminator (empty: nothing). */
function bmpPassword(password: string | null): Buffer {
  if (password === null) return Buffer.alloc(0);
  const out = Buffer.alloc(password.length * 2 + 2);
  for (let i = 0; i < password.length; i++) out.writeUInt16BE(password.charCodeAt(i), i * 2);
  return out;
}

/** RFC 7292 B.2: the PKCS#12 key derivation (id 1: key, 2: IV, 3: MAC key). */
function pkcs12Kdf(
  digest: { name: string; size: number; block: number },
  password: Buffer,
  salt: Buffer,
  id: number,
  iterations: number,
  length: number,
): Buffer {
  const v = digest.block;
  const fill = (src: Buffer): Buffer => {
    if (!src.length) return Buffer.alloc(0);
    const out = Buffer.alloc(v * Math.ceil(src.length / v));
    for (let i = 0; i < out.length; i++) out[i] = src[i % src.length]!;
    return out;
  };
  const D = Buffer.alloc(v, id);
  const I = Buffer.concat([fill(salt), fill(password)]);
  const out: Buffer[] = [];
  let produced = 0;
  while (produced < length) {
    let A = createHash(digest.name).update(D).update(I).digest();
    for (let r = 1; r < iterations; r++) A = createHash(digest.name).update(A).digest();
    out.push(A);
    produced += A.length;
    if (produced >= length) break;
    const B = Buffer.alloc(v);
    for (let i = 0; i < v; i++) B[i] = A[i % A.length]!;
    for (let j = 0; j < I.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = I[j + k]! + B[k]! + carry;
        I[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(out).subarray(0, length);
}

/** Decrypts `data` with the algorithm an AlgorithmIdentifier names. */
function decrypt(algorithm: Node, data: Buffer, password: string | null, budget: IterationBudget): Buffer {
  const [algOid, params] = children(algorithm);
  const alg = oid(algOid);
  try {
    if (alg === OID.pbes2) {
      const [kdf, scheme] = children(expect(params, 0x30, 'PBES2 parameters'));
      if (oid(children(kdf!)[0]) !== OID.pbkdf2) throw new CertificateError('unsupported key derivation in the certificate file');
      const kdfParams = children(children(kdf!)[1]!);
      const salt = octets(kdfParams[0]);
      const iterations = budget.spend(integer(kdfParams[1]));
      const prfNode = kdfParams.find((n) => n.tag === 0x30);
      const prf = prfNode ? HMACS[oid(children(prfNode)[0])] : 'sha1';
      const [cipherOid, iv] = children(scheme!);
      const cipher = CIPHERS[oid(cipherOid)];
      if (!cipher || !prf) throw new CertificateError('unsupported cipher in the certificate file');
      const key = pbkdf2Sync(Buffer.from(password ?? '', 'utf8'), salt, iterations, cipher.key, prf);
      const d = createDecipheriv(cipher.name, key, octets(iv));
      return Buffer.concat([d.update(data), d.final()]);
    }
    if (alg === OID.pbeSha1TripleDes || alg === OID.pbeSha1TwoKeyDes) {
      const [saltNode, iterNode] = children(expect(params, 0x30, 'PBE parameters'));
      const salt = octets(saltNode);
      // Two derivations (key, then IV).
      const iterations = budget.spend(integer(iterNode), 2);
      const sha1 = DIGESTS['1.3.14.3.2.26']!;
      const pass = bmpPassword(password);
      let key = pkcs12Kdf(sha1, pass, salt, 1, iterations, 24);
      if (alg === OID.pbeSha1TwoKeyDes) key = Buffer.concat([key.subarray(0, 16), key.subarray(0, 8)]);
      const iv = pkcs12Kdf(sha1, pass, salt, 2, iterations, 8);
      const d = createDecipheriv('des-ede3-cbc', key, iv);
      return Buffer.concat([d.update(data), d.final()]);
    }
  } catch (err) {
    if (err instanceof CertificateError) throw err;
    throw new CertificateError('the Certificate Password does not open the certificate file');
  }
  if (alg === OID.pbeSha1Rc2_40 || alg === OID.pbeSha1Rc2_128) {
    throw new CertificateError(
      'the certificate file uses RC2 encryption, which this platform no longer supports; export it again with AES (e.g. openssl pkcs12 -export without -legacy)',
    );
  }
  throw new CertificateError(`unsupported encryption ${alg} in the certificate file`);
}

function checkMac(pfx: Node[], authSafe: Buffer, password: string | null, budget: IterationBudget): boolean {
  const macData = pfx[2];
  if (!macData) return true;
  const [digestInfo, saltNode, iterNode] = children(macData);
  const [algId, expected] = children(digestInfo!);
  const digest = DIGESTS[oid(children(algId!)[0])];
  if (!digest) throw new CertificateError('unsupported MAC algorithm in the certificate file');
  const iterations = budget.spend(iterNode ? integer(iterNode) : 1);
  const key = pkcs12Kdf(digest, bmpPassword(password), octets(saltNode), 3, iterations, digest.size);
  const mac = createHmac(digest.name, key).update(authSafe).digest();
  const want = octets(expected);
  return mac.length === want.length && timingSafeEqual(mac, want);
}

interface Bags {
  keys: KeyObject[];
  certs: Buffer[];
}

function readSafeContents(der: Buffer, password: string | null, bags: Bags, budget: IterationBudget): void {
  for (const bag of children(parse(der))) {
    const [idNode, valueNode] = children(bag);
    const id = oid(idNode);
    const value = explicit(valueNode, 0);
    if (id === OID.keyBag) bags.keys.push(createPrivateKey({ key: Buffer.from(readWhole(value)), format: 'der', type: 'pkcs8' }));
    else if (id === OID.shroudedKeyBag) {
      const [alg, enc] = children(value);
      bags.keys.push(createPrivateKey({ key: decrypt(alg!, octets(enc), password, budget), format: 'der', type: 'pkcs8' }));
    } else if (id === OID.certBag) {
      const [certType, certValue] = children(value);
      if (oid(certType) === OID.x509Certificate) bags.certs.push(octets(explicit(certValue, 0)));
    }
  }
}

/** The full DER encoding of a node (header + value), re-read from its value's position. */
function readWhole(node: Node): Buffer {
  const len = node.value.length;
  const header =
    len < 0x80
      ? Buffer.from([node.tag, len])
      : (() => {
          const bytes: number[] = [];
          for (let n = len; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
          return Buffer.from([node.tag, 0x80 | bytes.length, ...bytes]);
        })();
  return Buffer.concat([header, node.value]);
}

export interface OpenedCertificate {
  privateKey: KeyObject;
  certificate: X509Certificate;
  /** DER of the certificate (its SHA-1 is the `x5t` thumbprint). */
  der: Buffer;
}

export function openPfx(file: Buffer, password: string | undefined): OpenedCertificate {
  let pfx: Node[];
  let authSafe: Buffer;
  try {
    pfx = children(expect(parse(file), 0x30, 'PFX'));
    if (integer(pfx[0]) !== 3) throw new CertificateError('not a PKCS#12 version 3 file');
    const content = children(expect(pfx[1], 0x30, 'ContentInfo'));
    if (oid(content[0]) !== OID.data) throw new CertificateError('public-key integrity mode is not supported; use a password-protected PFX');
    authSafe = octets(explicit(content[1], 0));
  } catch (err) {
    if (err instanceof CertificateError) throw err;
    throw new CertificateError('the file at Certificate Path is not a PKCS#12 (PFX) certificate');
  }
  // An empty password is written either as an empty BMPString or as none at all.
  const candidates: Array<string | null> = password ? [password] : ['', null];
  const budget = new IterationBudget();
  const pass = candidates.find((p) => checkMac(pfx, authSafe, p, budget));
  if (pass === undefined) throw new CertificateError('the Certificate Password does not open the certificate file');
  const bags: Bags = { keys: [], certs: [] };
  try {
    for (const info of children(parse(authSafe))) {
      const [typeNode, contentNode] = children(info);
      const type = oid(typeNode);
      if (type === OID.data) readSafeContents(octets(explicit(contentNode, 0)), pass, bags, budget);
      else if (type === OID.encryptedData) {
        const encryptedData = children(explicit(contentNode, 0));
        const [, alg, enc] = children(encryptedData[1]!);
        readSafeContents(decrypt(alg!, octets(enc), pass, budget), pass, bags, budget);
      }
    }
  } catch (err) {
    if (err instanceof CertificateError) throw err;
    if (err instanceof DerError) throw new CertificateError('the certificate file is damaged');
    throw new CertificateError(`the certificate file cannot be read: ${(err as Error).message.split('\n')[0]}`);
  }
  const privateKey = bags.keys[0];
  if (!privateKey) throw new CertificateError('the certificate file holds no private key');
  for (const der of bags.certs) {
    const certificate = new X509Certificate(der);
    if (certificate.checkPrivateKey(privateKey)) return { privateKey, certificate, der };
  }
  throw new CertificateError('the certificate file holds no certificate for its private key');
}
