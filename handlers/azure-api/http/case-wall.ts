/**
 * Save To Case Wall: the response body as a ZIP file in the thread, encrypted with the password
 * `infected` when Password Protect Zip is on (seed; opens with `7z x -pinfected` and `unzip -P infected`).
 */
import type { ActionContext } from '../../kit/context';
import type { ResultFile } from '../../kit/outcome';
import type { PinnedResponse } from '../../kit/ssrf';
import { MALWARE_ZIP_PASSWORD, zipFiles } from '../../kit/zip';
import { safeFileName } from '../../../lib/files';

const EXTENSIONS: Array<[RegExp, string]> = [
  [/json/, '.json'],
  [/html/, '.html'],
  [/xml/, '.xml'],
  [/csv/, '.csv'],
  [/^text\//, '.txt'],
  [/pdf/, '.pdf'],
  [/zip/, '.zip'],
  [/png/, '.png'],
  [/jpe?g/, '.jpg'],
  [/gif/, '.gif'],
];

function dispositionName(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const star = /filename\*\s*=\s*(?:[\w-]+)''([^;]+)/i.exec(header)?.[1];
  if (star) {
    try {
      return decodeURIComponent(star.trim());
    } catch {
      /* fall through to the plain form */
    }
  }
  return /filename\s*=\s*"?([^";]+)"?/i.exec(header)?.[1]?.trim();
}

/** The saved file's name: Content-Disposition's, else the URL's last segment, else `response` with an extension for its type. */
export function responseFileName(res: PinnedResponse, url: string): string {
  const fromHeader = dispositionName(res.headers['content-disposition']);
  if (fromHeader) return safeFileName(fromHeader);
  const last = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
  if (/\.[A-Za-z0-9]{1,8}$/.test(last)) return safeFileName(last);
  const type = (res.headers['content-type'] ?? '').toLowerCase();
  return `response${EXTENSIONS.find(([re]) => re.test(type))?.[1] ?? '.bin'}`;
}

export async function saveToCaseWall(ctx: ActionContext, res: PinnedResponse, url: string, protect: boolean): Promise<ResultFile> {
  const inner = responseFileName(res, url);
  const zip = await zipFiles([{ name: inner, data: res.body }], protect ? { password: MALWARE_ZIP_PASSWORD } : {});
  const name = safeFileName(`${inner}.zip`);
  const path = await ctx.files.write(name, zip);
  const title = protect ? `${inner} (ZIP, password: ${MALWARE_ZIP_PASSWORD})` : `${inner} (ZIP)`;
  return { name, path, title };
}
