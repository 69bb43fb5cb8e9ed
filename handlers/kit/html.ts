/**
 * Text placed in HTML: `&`, `<`, `>` and `"` become entities, safe in element content and in
 * double-quoted attributes. `apostrophes` also writes `'` as `&#39;` (the sign-in pages); mail
 * HTML leaves it, because the readers of its vote links decode only `&amp;` and `&quot;`.
 */
export function escapeHtml(text: string, { apostrophes = false }: { apostrophes?: boolean } = {}): string {
  const out = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  return apostrophes ? out.replace(/'/g, '&#39;') : out;
}
