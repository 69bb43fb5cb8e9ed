/**
 * The web chat's first screen (the empty room). In the demo it names the demo mailboxes, tells
 * what was planted, offers the tour's three commands as buttons that send them, and says how to
 * approve as the second user (behaviour.md 49); elsewhere it offers help, ping and jobs.
 */
import { escapeHtml } from '../../handlers/kit/html';
import type { DemoTour } from '../../lib/demo';

/** The markers in page.html between which the first screen's content goes. */
export const WELCOME_START = '<!-- welcome -->';
export const WELCOME_END = '<!-- /welcome -->';

const e = (text: string): string => escapeHtml(text, { apostrophes: true });

/**
 * A command as a button that sends it. Its words are kept whole (`--sender-filter` does not break
 * at its hyphen); a line breaks between them, or inside a word only when it is wider than the line.
 */
function suggestion(command: string): string {
  const words = command.match(/"[^"]*"|\S+/g) ?? [command];
  const label = words.map((w) => `<span class="word">${e(w)}</span>`).join(' ');
  return `<button type="button" class="suggestion" data-command="${e(command)}">${label}</button>`;
}

/** The first screen of a room whose environment has a tour (the demo). */
export function tourHtml(tour: DemoTour): string {
  const mailboxes = tour.mailboxes.map((m) => `<li><code>${e(m.address)}</code> <span>${e(m.note)}</span></li>`).join('');
  const steps = tour.commands.map((c) => `<li><span class="step-what">${e(c.what)}</span>${suggestion(c.text)}</li>`).join('');
  return [
    '<h1>Microsoft 365 investigations from chat</h1>',
    '<p>This is the demo: a Microsoft 365 stand-in with four mailboxes, and the same bot as in Teams and Slack.</p>',
    `<ul class="mailboxes" aria-label="Demo mailboxes">${mailboxes}</ul>`,
    `<p class="story">${e(tour.story)}</p>`,
    '<h2>Try it: click a command to send it</h2>',
    `<ol class="tour">${steps}</ol>`,
    `<p class="approve-hint">The delete waits for a second person: <a href="${e(tour.approver.path)}" target="_blank" rel="noopener" data-testid="approver-link">open the chat as ${e(tour.approver.user)}</a> (<code>${e(tour.approver.path)}</code>) in a second tab and click <strong>Approve</strong> there.</p>`,
    `<p class="suggestions">${suggestion('help')}${suggestion('jobs')}</p>`,
  ].join('\n');
}

/** page.html with the first screen of `tour` in place of the default one (unchanged without a tour). */
export function pageWithWelcome(page: string, tour: DemoTour | undefined): string {
  if (!tour) return page;
  const start = page.indexOf(WELCOME_START);
  const end = page.indexOf(WELCOME_END);
  if (start < 0 || end < start) return page;
  return `${page.slice(0, start + WELCOME_START.length)}\n${tourHtml(tour)}\n${page.slice(end)}`;
}
