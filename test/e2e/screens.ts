/**
 * What the browser tests share for layout checks and pictures: the text of a table cell must stay
 * inside its cell, and the README's screenshots are written by the tests that look at the same
 * screens (`npm run screenshots` runs them with SCREENSHOTS=1), so they cannot go stale.
 */
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { artifact } from './browser';

/** The README's pictures (docs/images/) are written only when SCREENSHOTS=1; artifacts always. */
export const IMAGES = join(__dirname, '..', '..', 'docs', 'images');
export const WRITE_IMAGES = process.env.SCREENSHOTS === '1';

export async function picture(target: Page | Locator, name: string): Promise<void> {
  const page = 'page' in target ? target.page() : target;
  // No smooth scrolling (the page honours reduced motion): a picture is never taken mid-scroll.
  await page.emulateMedia({ reducedMotion: 'reduce' });
  // A card taller than the conversation's visible part would be shot with the header and the
  // message box over it: the window grows to fit it for the picture.
  const viewport = page.viewportSize();
  const box = 'page' in target ? await target.boundingBox() : null;
  const grow = viewport && box && box.height + 320 > viewport.height;
  if (grow) await page.setViewportSize({ width: viewport.width, height: Math.ceil(box.height + 320) });
  try {
    if ('page' in target) await target.scrollIntoViewIfNeeded();
    await target.screenshot({ path: artifact(name), animations: 'disabled' });
    if (WRITE_IMAGES) await target.screenshot({ path: join(IMAGES, name), animations: 'disabled' });
  } finally {
    if (grow) await page.setViewportSize(viewport);
  }
}

/**
 * Every place where a table's text leaves its cell (runs into a neighbour) or its card, or where
 * two cells overlap, or a header word is broken in two, found from the rendered boxes (ARIA roles `table` and `row` as the
 * adaptivecards renderer sets them). Empty when the tables read well. Also returns how many
 * cells it looked at, so a check that found no table cannot pass by accident.
 */
export async function tableProblems(root: Locator, opts: { wholeHeaderWords?: boolean } = {}): Promise<{ cells: number; problems: string[] }> {
  return root.evaluate((el, wholeHeaderWords) => {
    const problems: string[] = [];
    let count = 0;
    const card = el.closest('.card') ?? el;
    const cardBox = card.getBoundingClientRect();
    for (const table of Array.from(el.querySelectorAll('[role="table"]'))) {
      const cells = Array.from(table.querySelectorAll('[role="row"]')).flatMap((row) => Array.from(row.children) as HTMLElement[]);
      const boxes = cells.map((c) => c.getBoundingClientRect());
      const scroller = table.getBoundingClientRect();
      count += cells.length;
      cells.forEach((cell, i) => {
        const b = boxes[i];
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          const text = n.textContent ?? '';
          if (!text.trim()) continue;
          const range = document.createRange();
          range.selectNodeContents(n);
          for (const r of Array.from(range.getClientRects())) {
            if (r.width === 0 || r.height === 0) continue;
            const where = `"${text.slice(0, 40)}" x ${Math.round(r.left)}..${Math.round(r.right)} y ${Math.round(r.top)}..${Math.round(r.bottom)}`;
            if (r.left < b.left - 0.5 || r.right > b.right + 0.5 || r.top < b.top - 0.5 || r.bottom > b.bottom + 0.5) {
              problems.push(`${where} leaves its cell x ${Math.round(b.left)}..${Math.round(b.right)} y ${Math.round(b.top)}..${Math.round(b.bottom)}`);
            }
            // Visible part: a table scrolled sideways is fine, text drawn outside the card is not.
            const visibleRight = Math.min(r.right, scroller.right);
            if (visibleRight > cardBox.right + 0.5) problems.push(`${where} runs out of the card (right edge ${Math.round(cardBox.right)})`);
          }
        }
      });
      // A header may wrap between its words, never inside one ("Matche" / "s"); on a phone-wide
      // page a wide table has to give somewhere, and its headers may break.
      const header = wholeHeaderWords ? table.querySelector('[role="row"]') : null;
      for (const cell of header ? (Array.from(header.children) as HTMLElement[]) : []) {
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          for (const word of (n.textContent ?? '').matchAll(/\S+/g)) {
            const range = document.createRange();
            range.setStart(n, word.index ?? 0);
            range.setEnd(n, (word.index ?? 0) + word[0].length);
            const lines = new Set(
              Array.from(range.getClientRects())
                .filter((r) => r.width > 0 && r.height > 0)
                .map((r) => Math.round(r.top)),
            );
            if (lines.size > 1) problems.push(`header word "${word[0]}" is broken across ${lines.size} lines`);
          }
        }
      }
      for (let i = 0; i < boxes.length; i++) {
        for (let j = i + 1; j < boxes.length; j++) {
          const a = boxes[i];
          const c = boxes[j];
          const w = Math.min(a.right, c.right) - Math.max(a.left, c.left);
          const h = Math.min(a.bottom, c.bottom) - Math.max(a.top, c.top);
          if (w > 1 && h > 1) problems.push(`cells ${i} and ${j} overlap by ${Math.round(w)}x${Math.round(h)}px`);
        }
      }
    }
    return { cells: count, problems };
  }, opts.wholeHeaderWords ?? true);
}
