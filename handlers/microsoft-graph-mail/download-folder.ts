/**
 * A folder inside the files root that attachments are saved to (Download Path, DECISIONS 6, 32).
 * Names from mail are made safe (`/` and `\` become `_` as the seed says, then safeFileName drops
 * control and bidi characters and leading dots and spaces); the folder is checked with the files
 * root's own rule (assertInsideRoot) before and after it is created, and files are opened without
 * following a symlink, so nothing lands outside the root.
 */
import { constants } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { assertInsideRoot, safeFileName } from '../../lib/files';

/** The seed's rule for attachment names, then the project's safe name. */
export function attachmentFileName(name: string): string {
  return safeFileName(name.replace(/[\\/]/g, '_'));
}

export class DownloadFolder {
  private readonly used = new Set<string>();
  private ready: Promise<void> | null = null;

  /** `dir` is absolute and already resolved inside `root` (FileStore.resolve). */
  constructor(private readonly root: string, readonly dir: string, private readonly shownAs: string) {}

  /** Creates the folder (once) after checking where it really is; call early to refuse a bad path before any work. */
  prepare(): Promise<void> {
    this.ready ??= (async () => {
      // Before: a symlink on the way would make mkdir create folders elsewhere. After: nothing
      // was swapped in meanwhile.
      assertInsideRoot(this.root, this.dir, this.shownAs);
      await mkdir(this.dir, { recursive: true });
      assertInsideRoot(this.root, this.dir, this.shownAs);
    })();
    return this.ready;
  }

  /** A name not used yet in this run: `a.pdf`, `a (2).pdf`, … */
  private unique(name: string): string {
    const ext = extname(name);
    const stem = ext ? name.slice(0, -ext.length) : name;
    let candidate = name;
    for (let n = 2; this.used.has(candidate.toLowerCase()); n++) candidate = `${stem} (${n})${ext}`;
    this.used.add(candidate.toLowerCase());
    return candidate;
  }

  /** Saves bytes under a safe, unique name; returns the path relative to the files root. */
  async save(name: string, data: Buffer): Promise<string> {
    await this.prepare();
    const file = join(this.dir, this.unique(attachmentFileName(name)));
    const handle = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o640);
    try {
      await handle.writeFile(data);
    } finally {
      await handle.close();
    }
    return relative(this.root, file).split(sep).join('/');
  }
}
