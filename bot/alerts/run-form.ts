/**
 * The run form of behaviour.md 39: one input per parameter, prefilled, and a Run button that runs
 * the command as if typed whole. A missing parameter gets it (bot/dispatch.ts `missingForm`), and
 * so does an alert's "Search this sender" button: the command the connector prefilled, every
 * parameter of its action there to adjust before it runs.
 */
import type { CardInput, ChatMessage } from '../../cards/message';
import type { ActionSpec, IntegrationSpec, ParamSpec } from '../../handlers/kit/spec';
import type { ActionCommand } from '../commands';

/** The input of one parameter, prefilled with `value` when given. */
export function paramInput(p: ParamSpec, value?: string, required = true): CardInput {
  return {
    id: p.id,
    label: p.displayName,
    type: p.type === 'boolean' ? 'toggle' : p.type === 'integer' ? 'number' : p.type === 'enum' ? 'choice' : p.type === 'code' ? 'multiline' : 'text',
    required,
    placeholder: p.description.slice(0, 120),
    options: p.options,
    secret: p.secret,
    ...(value !== undefined ? { value } : {}),
  };
}

/** A typed value as the form shows it: lists comma-separated, objects as JSON. */
function shown(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.map(String).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** The command a form's Run button completes: integration and action, the parameters come from the fields. */
function baseCommand(integration: IntegrationSpec, action: ActionSpec): string {
  return `${integration.alias} ${action.id}`;
}

/**
 * The form for a parsed command: every parameter of its action but the secret ones (typed in the
 * admin dialog, never on a card), in the seed's order, prefilled with what the command gives.
 * `fields` are the inputs' ids; `command` is what the Run button starts from.
 */
export function prefilledForm(cmd: ActionCommand): { form: ChatMessage; command: string; fields: string[] } {
  const { integration, action, params } = cmd;
  const shownParams = action.params.filter((p) => !p.secret);
  const fields = shownParams.map((p) => p.id);
  const command = baseCommand(integration, action);
  const line = `${action.name}: check the values, then press Run.`;
  const form: ChatMessage = {
    text: line,
    title: `${integration.name} · ${action.name}`,
    status: 'info',
    lines: [line],
    inputs: shownParams.map((p) => paramInput(p, shown(params[p.id]), p.required && p.default === undefined && !p.defaultFromInstance)),
    actions: [{ title: 'Run', verb: 'run-form', data: { command, fields }, style: 'positive' }],
  };
  return { form, command, fields };
}
