/**
 * A folder inside the files root that attachments are saved to (Download Path, behaviour.md 6, 32).
 * Names from mail are made safe (`/` and `\` become `_` as the seed says, then safeFileName drops
 * control and bidi characters and leading dots and spaces); the folder is checked with the files
 * root's own rule (assertInsideRoot) before and after it is created, and files are opened without
 * following a symlink, so nothing lands outside the root. A download never overwrites a file: a
 * name already there, on disk or earlier in the run, gets ` (1)`, ` (2)`…
 */
import { mkdir } from 'node:fs/promises';
import { basename, relative, sep } from 'node:path';
import { assertInsideRoot, safeFileName, writeUnique } from '../../lib/files';

/** The seed's rule for attachment names, then the project's safe name. */
export function attachmentFileName(name: string): string {
  return safeFileName(name.replace(/[\\/]/g, '_'));
}

export class DownloadFolder {
  private readonly used = new Set<string>();
  private ready: Promise<void> | null = null;

  /** `dir` is absolute and already resolved inside `root` (FileStore.resolve). */
  constructor(
    private readonly root: string,
    readonly dir: string,
    private readonly shownAs: string,
  ) {}

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

  /**
   * Saves bytes under a safe name that is new in the folder; returns the path relative to the
   * files root. Names differing only in case count as the same within a run (a zip or a Windows
   * share of the folder would merge them).
   */
  async save(name: string, data: Buffer): Promise<string> {
    await this.prepare();
    const file = await writeUnique(this.dir, attachmentFileName(name), data, (candidate) => this.used.has(candidate.toLowerCase()));
    this.used.add(basename(file).toLowerCase());
    return relative(this.root, file).split(sep).join('/');
  }
}
