/**
 * ZIP archives for files saved to a thread. A password ZIP uses ZipCrypto ("zip 2.0"): the only
 * encryption that both `unzip -P` and `7z x -p` open (AES ZIPs open in 7z only).
 */
import { configure, Uint8ArrayReader, Uint8ArrayWriter, ZipWriter } from '@zip.js/zip.js';

/** The customary password of archives holding suspicious files (seed: Password Protect Zip). */
export const MALWARE_ZIP_PASSWORD = 'infected';

// Workers would be spawned per archive in Node; compression of one response body does not need them.
configure({ useWebWorkers: false });

export interface ZipEntry {
  name: string;
  data: Buffer;
}

/** Builds a ZIP of the entries, encrypted with ZipCrypto when a password is given. */
export async function zipFiles(entries: ZipEntry[], opts: { password?: string } = {}): Promise<Buffer> {
  const writer = new ZipWriter(new Uint8ArrayWriter(), opts.password ? { password: opts.password, zipCrypto: true } : {});
  for (const entry of entries) await writer.add(entry.name, new Uint8ArrayReader(new Uint8Array(entry.data)));
  return Buffer.from(await writer.close());
}
