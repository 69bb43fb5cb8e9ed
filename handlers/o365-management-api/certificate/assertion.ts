/**
 * Certificate authentication (behaviour.md 20): the PFX at Certificate Path (inside the files
 * root) opened with Certificate Password, and a client assertion JWT signed with its key
 * (RS256, `x5t` = the certificate's SHA-1 thumbprint), as the Microsoft identity platform asks.
 */
import { createHash, randomUUID, sign } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { UserError } from '../../kit/errors';
import { CertificateError, openPfx, type OpenedCertificate } from './pkcs12';

/** A PFX holds a key and a few certificates: a few kilobytes. */
const MAX_PFX_BYTES = 1024 * 1024;

const cache = new Map<string, { mtimeMs: number; opened: OpenedCertificate }>();

/** Opens (and caches, until the file changes) the certificate at an absolute path. */
export async function loadCertificate(absolutePath: string, password: string | undefined): Promise<OpenedCertificate> {
  let info;
  try {
    info = await stat(absolutePath);
  } catch {
    throw new UserError('The file at Certificate Path was not found in the files root.');
  }
  if (info.size > MAX_PFX_BYTES) throw new UserError('Certificate Path: the file is larger than 1 MB, which no PKCS#12 (PFX) certificate is.');
  const key = `${absolutePath}\n${createHash('sha256')
    .update(password ?? '')
    .digest('hex')}`;
  const hit = cache.get(key);
  if (hit && hit.mtimeMs === info.mtimeMs) return hit.opened;
  try {
    const opened = openPfx(await readFile(absolutePath), password);
    cache.set(key, { mtimeMs: info.mtimeMs, opened });
    return opened;
  } catch (err) {
    if (err instanceof CertificateError) throw new UserError(`Certificate Path: ${err.message}.`);
    throw err;
  }
}

/** A signed client assertion for `tokenUrl` (its audience), valid for 10 minutes. */
export function clientAssertion(cert: OpenedCertificate, clientId: string, tokenUrl: string): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: 'RS256', typ: 'JWT', x5t: createHash('sha1').update(cert.der).digest('base64url') };
  const claims = { aud: tokenUrl, iss: clientId, sub: clientId, jti: randomUUID(), nbf: now - 60, iat: now, exp: now + 600 };
  const encode = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const body = `${encode(header)}.${encode(claims)}`;
  return `${body}.${sign('sha256', Buffer.from(body), cert.privateKey).toString('base64url')}`;
}
