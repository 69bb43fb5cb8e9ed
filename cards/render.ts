/**
 * The one renderer: a platform-neutral ChatMessage to what each platform posts.
 * - `slack`: `{ text, blocks }` for chat.postMessage / chat.update (cards/slack.ts);
 * - `teams`, `webchat`: `{ text, attachments: [Adaptive Card] }` (cards/adaptive.ts) with
 *   `Action.Execute` buttons (Universal Actions). `text` is the plain message, sanitised but not
 *   escaped: send it with `textFormat: 'plain'`. Card and text together stay under
 *   {@link ACTIVITY_MAX_BYTES}.
 */
import type { ChatMessage } from './message';
import { cardBytes, toAdaptiveCard } from './adaptive';
import { toBlockKit, type SlackBlock } from './slack';
import { cutAt, sanitizeText, truncateText } from './escape';

export type RenderPlatform = 'slack' | 'teams' | 'webchat';

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

export interface SlackRendering {
  text: string;
  blocks: SlackBlock[];
}

export interface AdaptiveAttachment {
  contentType: typeof ADAPTIVE_CARD_CONTENT_TYPE;
  content: object;
}

export interface AdaptiveRendering {
  text: string;
  attachments: AdaptiveAttachment[];
}

/** Activity text for Teams and web chat: the plain message up to this many characters… */
export const ACTIVITY_MAX_TEXT = 20_000;
/** …and card plus text together under this many bytes (Teams takes ~100 KB per activity). */
export const ACTIVITY_MAX_BYTES = 95_000;

function activityText(msg: ChatMessage, cardSize: number): string {
  const suffix = (n: number): string => ` [${n} more characters]`;
  const budget = Math.max(2000, ACTIVITY_MAX_BYTES - cardSize);
  let max = ACTIVITY_MAX_TEXT;
  let text = truncateText(msg?.text, max, suffix);
  for (let size = cardBytes(text); size > budget && max > 100; size = cardBytes(text)) {
    max = Math.floor((max * budget) / size) - 16;
    text = truncateText(msg?.text, max, suffix);
  }
  return text.trim() ? text : sanitizeText(cutAt(String(msg?.title ?? ''), 1000));
}

export function render(msg: ChatMessage, platform: 'slack'): SlackRendering;
export function render(msg: ChatMessage, platform: 'teams' | 'webchat'): AdaptiveRendering;
export function render(msg: ChatMessage, platform: RenderPlatform): SlackRendering | AdaptiveRendering;
export function render(msg: ChatMessage, platform: RenderPlatform): SlackRendering | AdaptiveRendering {
  if (platform === 'slack') return toBlockKit(msg);
  if (platform !== 'teams' && platform !== 'webchat') throw new TypeError(`Unknown platform: ${String(platform)}`);
  const content = toAdaptiveCard(msg, { universal: true });
  return {
    text: activityText(msg, cardBytes(content)),
    attachments: [{ contentType: ADAPTIVE_CARD_CONTENT_TYPE, content }],
  };
}
