/**
 * AES-256-GCM for secrets at rest (SECRETS_KEY), 16-byte tags. A value is sealed for one place
 * (its context, e.g. environment, integration and parameter, as additional authenticated data):
 * copied into another place in Redis it no longer opens. `enc:v1:` values (no context) still
 * open, so data written before contexts existed survives; they are sealed again as `enc:v2:`
 * when read or written (store/environments.ts).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const V1 = 'enc:v1:';
const V2 = 'enc:v2:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretBox {
  private readonly key: Buffer;

  constructor(keyBase64: string) {
    const key = Buffer.from(keyBase64, 'base64');
    if (key.length !== 32) throw new Error('SECRETS_KEY must be 32 bytes, base64-encoded (e.g. `openssl rand -base64 32`).');
    this.key = key;
  }

  static isSealed(value: string): boolean {
    return value.startsWith(V2) || value.startsWith(V1);
  }

  /** Sealed in the old format, without a context: worth sealing again. */
  static isLegacy(value: string): boolean {
    return value.startsWith(V1);
  }

  /** `context` names the one place the value belongs to; open() must be given the same. */
  seal(plain: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(context));
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return V2 + Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64');
  }

  /** Throws when the value was not sealed with this key for this context (or was altered). */
  open(sealed: string, context: string): string {
    const v2 = sealed.startsWith(V2);
    if (!v2 && !sealed.startsWith(V1)) throw new Error('value is not sealed');
    const raw = Buffer.from(sealed.slice(V2.length), 'base64');
    // A short value would otherwise be read with a truncated tag, which GCM accepts unless told the length.
    if (raw.length < IV_BYTES + TAG_BYTES) throw new Error('sealed value is truncated');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    if (v2) decipher.setAAD(aad(context));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  }
}

function aad(context: string): Buffer {
  if (!context) throw new Error('a sealed value needs a context');
  return Buffer.from(`chatsoar-secret:${context}`, 'utf8');
}
