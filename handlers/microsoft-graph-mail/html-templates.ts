/**
 * HTML templates of Send Email HTML: the built-in "Email HTML Template" and every `*.html` file in
 * the files root's `templates/` folder (listed at run time, so any worker sees the same set).
 * A template holds `{{email_content}}` (the Mail Content, inserted as HTML) and may hold
 * `{{subject}}` (the Subject, escaped).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../kit/errors';
import { escapeHtml } from '../kit/html';

export const BUILT_IN_TEMPLATE = 'Email HTML Template';
export const TEMPLATES_FOLDER = 'templates';

const BUILT_IN_HTML = `<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{{subject}}</title></head>
<body style="margin:0;padding:0;background:#f4f5f7;font-family:Segoe UI,Helvetica,Arial,sans-serif;color:#1f2328;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f5f7;padding:24px 0;">
<tr><td align="center">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" style="max-width:600px;width:100%;background:#ffffff;border-radius:6px;">
<tr><td style="padding:20px 28px;border-bottom:3px solid #0b5cad;font-size:18px;font-weight:600;">{{subject}}</td></tr>
<tr><td style="padding:24px 28px;font-size:14px;line-height:1.5;">{{email_content}}</td></tr>
<tr><td style="padding:12px 28px;font-size:11px;color:#6a737d;border-top:1px solid #e1e4e8;">Sent by the security operations team.</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`;

/** Template names in the folder (file name without `.html`), sorted; none when the folder is absent. */
export async function folderTemplates(filesRoot: string): Promise<string[]> {
  const entries = await readdir(join(filesRoot, TEMPLATES_FOLDER), { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile() && /\.html?$/i.test(e.name))
    .map((e) => e.name.replace(/\.html?$/i, ''))
    .sort((a, b) => a.localeCompare(b));
}

/** Every template a user may name: the built-in one first. */
export async function availableTemplates(filesRoot: string): Promise<string[]> {
  return [BUILT_IN_TEMPLATE, ...(await folderTemplates(filesRoot)).filter((n) => n.toLowerCase() !== BUILT_IN_TEMPLATE.toLowerCase())];
}

/** The template's HTML by name (case-insensitive); an unknown name is refused, listing the ones there are. */
export async function loadTemplate(filesRoot: string, name: string): Promise<string> {
  const wanted = name.trim().toLowerCase();
  if (wanted === BUILT_IN_TEMPLATE.toLowerCase()) return BUILT_IN_HTML;
  const entries = await readdir(join(filesRoot, TEMPLATES_FOLDER), { withFileTypes: true }).catch(() => []);
  const hit = entries.find((e) => e.isFile() && /\.html?$/i.test(e.name) && e.name.replace(/\.html?$/i, '').toLowerCase() === wanted);
  if (!hit) throw new UserError(`HTML template "${name}" was not found. Available templates: ${(await availableTemplates(filesRoot)).join(', ')}.`);
  return readFile(join(filesRoot, TEMPLATES_FOLDER, hit.name), 'utf8');
}

export function renderTemplate(html: string, values: { subject: string; content: string }): string {
  return html.replace(/\{\{\s*email_content\s*\}\}/gi, () => values.content).replace(/\{\{\s*subject\s*\}\}/gi, () => escapeHtml(values.subject));
}
