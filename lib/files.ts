/** The files root (DECISIONS 6, 32) and signed, expiring download links (GET /files/:id). */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdir, realpath, writeFile } from 'node:fs/promises';
import { existsSync, realpathSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { FileStore } from '../handlers/kit/context';
import { UserError } from '../handlers/kit/errors';

/** A file name from mail or users that cannot leave its folder or hide its extension. */
export function safeFileName(name: string, maxLength = 100): string {
  const cleaned = basename(name.replace(/\\/g, '/'))
    .replace(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g, '')
    .replace(/[<>:"/\\|?*]/g, '_')
    .replace(/^\.+/, '')
    .trim();
  const base = cleaned || 'file';
  if (base.length <= maxLength) return base;
  const dot = base.lastIndexOf('.');
  const ext = dot > 0 && base.length - dot <= 10 ? base.slice(dot) : '';
  return base.slice(0, maxLength - ext.length) + ext;
}

function inside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

export class FilesRoot {
  readonly root: string;

  constructor(root: string, private readonly signingKey: Buffer, private readonly publicUrl: string) {
    this.root = resolve(root);
  }

  /** Resolves a user-given path inside the root, following symlinks; refuses any escape. */
  resolveUserPath(userPath: string): string {
    const target = isAbsolute(userPath) ? resolve(userPath) : resolve(this.root, userPath);
    const refuse = () => new UserError(`Path ${userPath} is outside the files root.`);
    if (!inside(this.root, target)) throw refuse();
    if (existsSync(target)) {
      const real = realpathSync(target);
      const realRoot = existsSync(this.root) ? realpathSync(this.root) : this.root;
      if (!inside(realRoot, real)) throw refuse();
    }
    return target;
  }

  forJob(jobId: string): FileStore {
    const folder = join(this.root, 'jobs', safeFileName(jobId));
    return {
      root: this.root,
      resolve: (p) => this.resolveUserPath(p),
      write: async (name, data) => {
        await mkdir(folder, { recursive: true });
        const file = join(folder, safeFileName(name));
        const real = await realpath(folder);
        if (!inside(this.root, real)) throw new UserError(`Path ${name} is outside the files root.`);
        await writeFile(file, data);
        return relative(this.root, file).split(sep).join('/');
      },
    };
  }

  private sign(path: string, exp: number): string {
    return createHmac('sha256', this.signingKey).update(`${path}\n${exp}`).digest('base64url');
  }

  /** A link that works for `ttlMs` (default 7 days). The id is the path, base64url. */
  signedUrl(path: string, ttlMs = 7 * 86400_000): string {
    const exp = Date.now() + ttlMs;
    const id = Buffer.from(path).toString('base64url');
    return `${this.publicUrl.replace(/\/$/, '')}/files/${id}?exp=${exp}&sig=${this.sign(path, exp)}`;
  }

  /** Checks a download link; returns the absolute path or null. */
  verify(id: string, exp: string, sig: string): string | null {
    const path = Buffer.from(id, 'base64url').toString('utf8');
    const expiry = Number(exp);
    if (!Number.isFinite(expiry) || expiry < Date.now()) return null;
    const expected = Buffer.from(this.sign(path, expiry));
    const given = Buffer.from(String(sig));
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    try {
      return this.resolveUserPath(path);
    } catch {
      return null;
    }
  }
}
