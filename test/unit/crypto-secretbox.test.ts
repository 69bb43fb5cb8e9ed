/** SecretBox formats: `enc:v2:` bound to a context, 16-byte tags only, `enc:v1:` values still open. */
import { createCipheriv, randomBytes } from 'node:crypto';
import { SecretBox } from '../../store/crypto';

const keyBase64 = randomBytes(32).toString('base64');
const box = new SecretBox(keyBase64);

/** What the previous SecretBox wrote: `enc:v1:` + base64(iv | tag | data), no associated data. */
function sealV1(plain: string, tagBytes = 16): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(keyBase64, 'base64'), iv);
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return `enc:v1:${Buffer.concat([iv, cipher.getAuthTag().subarray(0, tagBytes), data]).toString('base64')}`;
}

describe('SecretBox', () => {
  it('seals new values as enc:v2:, which open only in the context they were sealed for', () => {
    const sealed = box.seal('"s3cr3t"', '["instance","prod","azure-api","client-secret"]');
    expect(sealed).toMatch(/^enc:v2:/);
    expect(SecretBox.isSealed(sealed)).toBe(true);
    expect(SecretBox.isLegacy(sealed)).toBe(false);
    expect(box.open(sealed, '["instance","prod","azure-api","client-secret"]')).toBe('"s3cr3t"');
    expect(() => box.open(sealed, '["instance","staging","azure-api","client-secret"]')).toThrow();
    expect(() => box.open(sealed, '["instance","prod","azure-api","refresh-token"]')).toThrow();
  });

  it('needs a context to seal or open', () => {
    expect(() => box.seal('x', '')).toThrow(/context/);
    expect(() => box.open(box.seal('x', 'a'), '')).toThrow(/context/);
  });

  it('still opens enc:v1: values (written before contexts), in any context', () => {
    const old = sealV1('"legacy"');
    expect(SecretBox.isSealed(old)).toBe(true);
    expect(SecretBox.isLegacy(old)).toBe(true);
    expect(box.open(old, 'anything')).toBe('"legacy"');
  });

  it('refuses a tag shorter than 16 bytes, in either format', () => {
    // An empty plain text leaves only iv | tag: a 4-byte tag is what a forger would have to guess.
    const shortV1 = sealV1('', 4);
    expect(() => box.open(shortV1, 'x')).toThrow(/truncated/);
    const full = Buffer.from(box.seal('', 'x').slice('enc:v2:'.length), 'base64');
    expect(() => box.open(`enc:v2:${full.subarray(0, 12 + 8).toString('base64')}`, 'x')).toThrow(/truncated/);
  });

  it('refuses a value that is not sealed', () => {
    expect(() => box.open('plain', 'x')).toThrow(/not sealed/);
  });
});
