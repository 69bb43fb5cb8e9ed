/**
 * An environment's folder of the files root follows the environment: a rename moves it, a delete
 * puts it aside (FILES_DIR/.deleted/), so that an environment created later under the old name
 * starts with an empty folder instead of the files of the one before.
 */
import { readdir, mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { environmentFolder, type FilesRoot } from './files';

/** Where deleted environments' folders go (no environment folder starts with a dot). */
const DELETED = '.deleted';

function folderOf(files: FilesRoot, env: string): string {
  return join(files.root, environmentFolder(env));
}

/** Whether FILES_DIR/<env> holds anything (a rename onto it would mix two environments' files). */
export async function environmentFolderInUse(files: FilesRoot, env: string): Promise<boolean> {
  try {
    return (await readdir(folderOf(files, env))).length > 0;
  } catch {
    return false;
  }
}

/** Moves FILES_DIR/<from> to FILES_DIR/<to>; nothing when `from` has no folder. */
export async function moveEnvironmentFolder(files: FilesRoot, from: string, to: string): Promise<void> {
  try {
    await rename(folderOf(files, from), folderOf(files, to));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** Moves FILES_DIR/<env> to FILES_DIR/.deleted/<env>-<time>; nothing when it has no folder. */
export async function retireEnvironmentFolder(files: FilesRoot, env: string, now = Date.now()): Promise<void> {
  const aside = join(files.root, DELETED);
  await mkdir(aside, { recursive: true, mode: 0o700 });
  try {
    await rename(folderOf(files, env), join(aside, `${environmentFolder(env)}-${now}`));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
