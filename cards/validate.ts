/**
 * Checks an Adaptive Card with Microsoft's own `adaptivecards` library: parse (unknown types,
 * invalid property values) plus its validation pass (duplicate ids, required-input labels, too
 * many actions, empty choice sets…). Parsing needs no DOM. The library must be loaded from
 * `dist/` in Node (its package entry needs a DOM).
 */
import type * as AdaptiveCardsLib from 'adaptivecards';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const AC = require('adaptivecards/dist/adaptivecards.js') as typeof AdaptiveCardsLib;

export interface CardValidation {
  ok: boolean;
  /** One line per parse or validation event, e.g. `parse: Invalid value "x" for property "color".` */
  errors: string[];
}

/** Parses `card` with the adaptivecards library and reports every event it logs. */
export function validateAdaptiveCard(card: unknown): CardValidation {
  const errors: string[] = [];
  if (!card || typeof card !== 'object' || (card as { type?: unknown }).type !== 'AdaptiveCard') {
    return { ok: false, errors: ['not an AdaptiveCard object'] };
  }
  try {
    const context = new AC.SerializationContext();
    const parsed = new AC.AdaptiveCard();
    parsed.parse(card, context);
    for (let i = 0; i < context.eventCount; i++) {
      const e = context.getEventAt(i);
      errors.push(`parse: ${e.message}`);
    }
    const results = parsed.validateProperties();
    for (const e of results.validationEvents) errors.push(`validate: ${e.message}`);
  } catch (err) {
    errors.push(`exception: ${(err as Error).message}`);
  }
  return { ok: errors.length === 0, errors };
}
