/** The one HTML escaping (handlers/kit/html.ts): mail templates, vote links and the sign-in pages. */
import { escapeHtml } from '../../handlers/kit/html';

describe('escapeHtml', () => {
  it('escapes what breaks element content and double-quoted attributes', () => {
    expect(escapeHtml(`<a href="x?a=1&b=2">Bob's</a>`)).toBe(`&lt;a href=&quot;x?a=1&amp;b=2&quot;&gt;Bob's&lt;/a&gt;`);
  });

  it('escapes apostrophes too when asked (the sign-in pages)', () => {
    expect(escapeHtml(`it's <b>`, { apostrophes: true })).toBe('it&#39;s &lt;b&gt;');
  });
});
