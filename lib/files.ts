/**
 * The files root (behaviour.md 6, 32), one folder of it per environment, and signed, expiring
 * download links (GET /files/:id).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { constants, existsSync, lstatSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { FileStore } from '../handlers/kit/context';
import { UserError } from '../handlers/kit/errors';

/** The longest file or folder name Linux file systems take (NAME_MAX, in bytes). */
const NAME_MAX_BYTES = 255;
/** A saved name stays this short, leaving room for a ` (12)` that makes it unique. */
const SAFE_NAME_MAX_BYTES = 240;
/** Well below PATH_MAX (4096), the root's own path included. */
const PATH_MAX_BYTES = 3072;
/** Symlinks followed by hand (dangling ones) before giving up, as the kernel's ELOOP limit. */
const MAX_LINK_HOPS = 40;

/** Control characters (C0, C1), bidi marks and overrides, and line/paragraph separators. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters it strips
const HIDDEN_CHARS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069]/g;
const LONE_SURROGATES = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** The longest start of `s` within `maxUnits` UTF-16 units and `maxBytes` UTF-8 bytes, never splitting a character. */
function cut(s: string, maxUnits: number, maxBytes: number): string {
  let out = '';
  let bytes = 0;
  for (const ch of s) {
    const b = Buffer.byteLength(ch);
    if (out.length + ch.length > maxUnits || bytes + b > maxBytes) break;
    out += ch;
    bytes += b;
  }
  return out;
}

/**
 * A file name from mail or users that cannot leave its folder or hide its extension: the last
 * part of a `/` or `\` path, without control and bidi characters, `<>:"/\|?*` as `_`, no leading
 * dots or spaces (never `.`, `..` or hidden), at most `maxLength` characters and 240 bytes, the
 * extension kept when cut.
 */
export function safeFileName(name: string, maxLength = 100): string {
  const cleaned = basename(String(name).replace(/\\/g, '/'))
    .replace(HIDDEN_CHARS, '')
    .replace(LONE_SURROGATES, '')
    .replace(/[<>:"/\\|?*]/g, '_')
    .replace(/^[\s.]+/, '')
    .trim();
  const base = cleaned || 'file';
  if (base.length <= maxLength && Buffer.byteLength(base) <= SAFE_NAME_MAX_BYTES) return base;
  const dot = base.lastIndexOf('.');
  const ext = dot > 0 && base.length - dot <= 10 ? base.slice(dot) : '';
  return cut(base.slice(0, base.length - ext.length), maxLength - ext.length, SAFE_NAME_MAX_BYTES - Buffer.byteLength(ext)) + ext;
}

function inside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/**
 * Where `path` really is: the real path of its deepest part that exists (every symlink followed,
 * a dangling one by hand) with the parts that do not exist yet after it. Null when that cannot
 * be known (a symlink loop, an unreadable folder).
 */
function realLocation(path: string, hops = 0): string | null {
  const missing: string[] = [];
  let existing = path;
  for (;;) {
    let isLink: boolean;
    try {
      isLink = lstatSync(existing).isSymbolicLink();
    } catch {
      const up = dirname(existing);
      if (up === existing) return path;
      missing.unshift(basename(existing));
      existing = up;
      continue;
    }
    try {
      return join(realpathSync(existing), ...missing);
    } catch {
      // A symlink to something that does not exist (yet): writing through it would create its
      // target, so that target is where the path really is. The link's text is kept as it is
      // (not normalised): its `..` parts are the kernel's to resolve.
      if (!isLink || hops >= MAX_LINK_HOPS) return null;
      try {
        const link = readlinkSync(existing);
        const from = isAbsolute(link) ? link : `${realpathSync(dirname(existing))}${sep}${link}`;
        return realLocation([from, ...missing].join(sep), hops + 1);
      } catch {
        return null;
      }
    }
  }
}

/** The path as a one-line message shows it: no control or bidi characters, not too long. */
function shown(userPath: string): string {
  const line = userPath.replace(HIDDEN_CHARS, '?');
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

/**
 * Refuses `target` (absolute, normalised) unless it lies in `root`, both as written and where it
 * really is: symlinks on the way, existing or dangling, are followed, and for a target that does
 * not exist yet its deepest existing folder decides (mkdir would otherwise create folders
 * wherever a symlink on the way points). The one place this is checked (behaviour.md 32).
 */
export function assertInsideRoot(root: string, target: string, userPath: string): void {
  const refuse = () => new UserError(`Path ${shown(userPath)} is outside the files root.`);
  if (!inside(root, target)) throw refuse();
  const realRoot = realLocation(root);
  const real = realLocation(target);
  if (realRoot === null || real === null || !inside(realRoot, real)) throw refuse();
}

/** The path (relative to the files root) of the file posted under a name in the command's thread, if any. */
export type PostedFiles = (name: string) => string | undefined;

/** Tries of ` (n)` before giving up on a name (a folder that full is a mistake, not a download). */
const MAX_UNIQUE_TRIES = 10_000;

/**
 * Writes `data` to a new file in `dir` (absolute, already checked) and never over an existing
 * one: `name`, else `stem (1).ext`, `stem (2).ext`… The file is created with O_EXCL, so two
 * writers at once never get the same file, and O_NOFOLLOW, so a symlink planted there is not
 * followed. `taken` may refuse names besides those on disk. Returns the absolute path.
 */
export async function writeUnique(
  dir: string,
  name: string,
  data: Buffer | string,
  taken: (candidate: string) => boolean = () => false,
  mode = 0o640,
): Promise<string> {
  const ext = extname(name);
  const stem = ext && ext !== name ? name.slice(0, -ext.length) : name;
  const suffix = ext && ext !== name ? ext : '';
  for (let n = 0; n < MAX_UNIQUE_TRIES; n++) {
    const candidate = n === 0 ? name : `${stem} (${n})${suffix}`;
    if (taken(candidate)) continue;
    const file = join(dir, candidate);
    let handle: FileHandle;
    try {
      handle = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A symlink where the file goes was planted: refused, as opening through it would be.
      if (lstatSync(file, { throwIfNoEntry: false })?.isSymbolicLink())
        throw Object.assign(new Error(`ELOOP: ${shown(candidate)} is a symbolic link; nothing was written.`), { code: 'ELOOP' });
      continue;
    }
    try {
      await handle.writeFile(data);
    } finally {
      await handle.close();
    }
    return file;
  }
  throw new UserError(`Too many files named like ${shown(name)} in that folder; choose another Download Path.`);
}

/**
 * The folder of an environment under the files root: its name, except that a leading dot is
 * written `%2e` (environment names may be `.` or `..`; they never contain `%`, so no two
 * environments share a folder).
 */
export function environmentFolder(environment: string): string {
  const name = String(environment);
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw new Error(`Not an environment name: ${JSON.stringify(name.slice(0, 70))}`);
  return name.startsWith('.') ? `%2e${name.slice(1)}` : name;
}

/**
 * A files root: the whole FILES_DIR (links are signed and checked against it), or one
 * environment's folder of it (`forEnvironment`), where that environment's user paths, posted
 * files, templates and certificates resolve and nowhere else.
 */
export class FilesRoot {
  readonly root: string;
  /** The environment this root belongs to; undefined for the whole FILES_DIR. */
  readonly environment?: string;
  private readonly parent?: FilesRoot;

  constructor(
    root: string,
    private readonly signingKey: Buffer,
    private readonly publicUrl: string,
    scope?: { parent: FilesRoot; environment: string },
  ) {
    this.root = resolve(root);
    this.parent = scope?.parent;
    this.environment = scope?.environment;
  }

  /**
   * The environment's own files root, `FILES_DIR/<environment>/` (created when first written
   * to). Its links are signed as paths of the whole root, so GET /files/ serves them as before.
   */
  forEnvironment(environment: string): FilesRoot {
    if (this.parent) throw new Error(`Files root of ${this.environment} asked for environment ${environment}`);
    return new FilesRoot(join(this.root, environmentFolder(environment)), this.signingKey, this.publicUrl, { parent: this, environment });
  }

  /**
   * Resolves a user-given path inside the root (behaviour.md 32): relative paths from the root,
   * absolute ones only inside it, `\` read as `/`, `..` normalised first, symlinks followed; any
   * escape is refused. `%2e%2e%2f` is not decoded: it is a name like any other.
   */
  resolveUserPath(userPath: string): string {
    const raw = String(userPath);
    if (raw.includes('\0')) throw new UserError(`Path ${shown(raw)} is not a valid path: it contains a NUL character.`);
    const normal = raw.replace(/\\/g, '/');
    const target = isAbsolute(normal) ? resolve(normal) : resolve(this.root, normal);
    assertInsideRoot(this.root, target, raw);
    const rel = relative(this.root, target);
    if (rel.split(sep).some((part) => Buffer.byteLength(part) > NAME_MAX_BYTES)) {
      throw new UserError(`Path ${shown(raw)} has a name longer than ${NAME_MAX_BYTES} bytes.`);
    }
    if (Buffer.byteLength(target) > PATH_MAX_BYTES) throw new UserError(`Path ${shown(raw)} is too long.`);
    return target;
  }

  /**
   * A bare file name (no folder) that names nothing in the root, but a file the bot posted in the
   * command's thread (behaviour.md 6): that file's path, resolved and checked like any user path, so
   * an index that points elsewhere cannot lead out of the root. What exists in the root wins.
   */
  private resolveWithPosted(userPath: string, posted?: PostedFiles): string {
    const literal = this.resolveUserPath(userPath);
    const raw = String(userPath);
    if (!posted || /[/\\]/.test(raw) || existsSync(literal)) return literal;
    const indexed = posted(raw) ?? posted(raw.trim());
    if (indexed === undefined) return literal;
    try {
      return this.resolveUserPath(indexed);
    } catch (err) {
      if (err instanceof UserError) throw new UserError(`Path ${shown(raw)} (posted in this thread as ${shown(indexed)}) is outside the files root.`);
      throw err;
    }
  }

  /**
   * The files store of a job: its own folder to write in, and user paths resolved in the root;
   * with `posted`, bare names also name the files posted in the thread the command was typed in.
   */
  forJob(jobId: string, posted?: PostedFiles): FileStore {
    const folder = `jobs/${safeFileName(jobId)}`;
    return {
      root: this.root,
      resolve: (p) => this.resolveWithPosted(p, posted),
      write: async (name, data) => {
        const dir = this.resolveUserPath(folder);
        await mkdir(dir, { recursive: true });
        this.resolveUserPath(folder);
        const file = join(dir, safeFileName(name));
        // Never through a symlink planted where the file goes.
        const handle = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o666);
        try {
          await handle.writeFile(data);
        } finally {
          await handle.close();
        }
        return relative(this.root, file).split(sep).join('/');
      },
    };
  }

  private sign(path: string, exp: number): string {
    return createHmac('sha256', this.signingKey).update(`${path}\n${exp}`).digest('base64url');
  }

  /** A link that works for `ttlMs` (default 7 days). The id is the path (relative to FILES_DIR), base64url. */
  signedUrl(path: string, ttlMs = 7 * 86400_000): string {
    if (this.parent) return this.parent.signedUrl(relative(this.parent.root, this.resolveUserPath(path)).split(sep).join('/'), ttlMs);
    const exp = Date.now() + ttlMs;
    const id = Buffer.from(path).toString('base64url');
    return `${this.publicUrl.replace(/\/$/, '')}/files/${id}?exp=${exp}&sig=${this.sign(path, exp)}`;
  }

  /**
   * Checks a download link; returns the absolute path or null. Only the canonical base64url of
   * the signed path is taken (Node's decoder would skip stray characters and padding), and the
   * path is resolved inside the root like any user path, so even a validly signed `..` is refused.
   */
  verify(id: string, exp: string, sig: string): string | null {
    if (this.parent) return this.parent.verify(id, exp, sig);
    if (!/^[A-Za-z0-9_-]{1,4096}$/.test(id) || !/^\d{1,16}$/.test(exp)) return null;
    const path = Buffer.from(id, 'base64url').toString('utf8');
    if (Buffer.from(path).toString('base64url') !== id) return null;
    const expiry = Number(exp);
    if (expiry < Date.now()) return null;
    const expected = Buffer.from(this.sign(path, expiry));
    const given = Buffer.from(String(sig));
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    try {
      const target = this.resolveUserPath(path);
      // A folder or a device is not a download; a file that is gone is the route's 404.
      const info = statSync(target, { throwIfNoEntry: false });
      return info && !info.isFile() ? null : target;
    } catch {
      return null;
    }
  }
}
