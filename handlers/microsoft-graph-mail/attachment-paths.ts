/**
 * Attachments Paths (DECISIONS 6, 32): user paths resolved inside the files root — relative ones
 * from the root, absolute ones only when they lie in it; `..` and symlinks that leave it are
 * refused (UserError). Paths that resolve inside but name no file are reported as missing.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { FileStore } from '../kit/context';
import { UserError } from '../kit/errors';
import { safeFileName } from '../../lib/files';

// nodemailer's extension → MIME type table (nodemailer ships no type declarations).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { detectMimeType } = require('nodemailer/lib/mime-funcs/mime-types') as { detectMimeType(name: string): string };

export interface FileToAttach {
  name: string;
  contentType: string;
  data: Buffer;
}

export interface LoadedAttachments {
  files: FileToAttach[];
  /** The paths as the user wrote them that name no readable file. */
  missing: string[];
}

/** Graph takes file attachments up to 3 MB in one request; bigger ones need an upload session. */
export const MAX_INLINE_ATTACHMENT_BYTES = 3 * 1024 * 1024;

export async function loadAttachments(files: FileStore, paths: unknown): Promise<LoadedAttachments> {
  const list = (Array.isArray(paths) ? paths : typeof paths === 'string' ? paths.split(',') : []).map((p) => String(p).trim()).filter(Boolean);
  const out: LoadedAttachments = { files: [], missing: [] };
  for (const userPath of list) {
    const target = files.resolve(userPath);
    const info = await stat(target).catch(() => null);
    if (!info || !info.isFile()) {
      out.missing.push(userPath);
      continue;
    }
    if (info.size > MAX_INLINE_ATTACHMENT_BYTES) {
      throw new UserError(`Attachment ${userPath} is ${(info.size / 1048576).toFixed(1)} MB; Microsoft Graph takes at most 3 MB per attachment in one request (upload sessions are not supported yet).`);
    }
    const name = safeFileName(basename(target));
    out.files.push({ name, contentType: detectMimeType(name) || 'application/octet-stream', data: await readFile(target) });
  }
  return out;
}
