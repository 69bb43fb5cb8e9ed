/**
 * Attachments Paths (behaviour.md 6, 32): user paths resolved inside the files root — relative ones
 * from the root, absolute ones only when they lie in it; `..` and symlinks that leave it are
 * refused (UserError). Paths that resolve inside but name no file are reported as missing.
 *
 * Only the file's size is read here; its bytes are read when it is attached (upload-session.ts),
 * a chunk at a time for big files.
 */
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { FileStore } from '../kit/context';
import { UserError } from '../kit/errors';
import { detectMimeType } from 'nodemailer/lib/mime-funcs';
import { safeFileName } from '../../lib/files';

export interface FileToAttach {
  /** The attachment's name (the file's, made safe). */
  name: string;
  contentType: string;
  /** Bytes, when the paths were read. */
  size: number;
  /** Where the file is (inside the files root). */
  path: string;
}

export interface LoadedAttachments {
  files: FileToAttach[];
  /** The paths as the user wrote them that name no readable file. */
  missing: string[];
}

/**
 * Outlook takes file attachments up to 150 MB (https://learn.microsoft.com/graph/outlook-large-attachments);
 * the tenant's message size limit (35 MB by default) may be lower, and Graph then says so.
 */
export const MAX_ATTACHMENT_BYTES = 150 * 1024 * 1024;

export async function loadAttachments(files: FileStore, paths: unknown): Promise<LoadedAttachments> {
  const list = (Array.isArray(paths) ? paths : typeof paths === 'string' ? paths.split(',') : []).map((p) => String(p).trim()).filter(Boolean);
  const out: LoadedAttachments = { files: [], missing: [] };
  for (const userPath of list) {
    const target = files.resolve(userPath);
    const info = await stat(target).catch(() => null);
    if (!info?.isFile()) {
      out.missing.push(userPath);
      continue;
    }
    if (info.size > MAX_ATTACHMENT_BYTES) {
      throw new UserError(`Attachment ${userPath} is ${(info.size / 1048576).toFixed(1)} MB; Microsoft Graph attaches files of at most 150 MB.`);
    }
    const name = safeFileName(basename(target));
    out.files.push({ name, contentType: detectMimeType(name) || 'application/octet-stream', size: info.size, path: target });
  }
  return out;
}
