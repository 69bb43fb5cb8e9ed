/**
 * The CONFIG_FILE schema, built from the catalogue: every key is known and every value typed, so a
 * misspelt key or a bad value stops the start instead of being ignored. `configProblem` turns the
 * first problem into one line naming its key path.
 */
import { z } from 'zod';
import { parseDuration } from '../lib/duration';
import { suggest } from '../lib/suggest';
import { allConnectors, allJobs, catalog } from '../handlers/catalog';
import type { ConnectorSpec, JobSpec, ParamSpec } from '../handlers/kit/spec';
import { coerceParam, problemText } from '../handlers/kit/params';
import { normalizeOrigin } from '../handlers/kit/ssrf';
import { scheduleProblem } from '../queue/schedule-params';
import { ROLES } from '../store/roles';

export const ENV_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const SCHEDULE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const USER_ID = /^(slack|teams|web):[^\s,;<>]{1,200}$/;
const CHANNEL_ID = /^(slack|teams|web):\S{1,300}$/;

function hint(input: string, known: readonly string[]): string {
  const near = suggest(input, known, 2);
  return near.length ? `did you mean ${near.join(' or ')}?` : `one of ${known.join(', ')}`;
}

const show = (v: unknown): string => JSON.stringify(typeof v === 'string' ? v.slice(0, 80) : v) ?? String(v);

/** A map whose keys are all known; an unknown one is named with the nearest known key. */
function strict<T extends z.ZodRawShape>(shape: T, what = 'key') {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (iss) => {
      if (iss.code === 'unrecognized_keys') return `unknown ${what} ${iss.keys[0]} (${hint(iss.keys[0]!, known)})`;
      if (iss.code === 'invalid_type') return `expected a map (keys: ${known.join(', ')})`;
      return undefined;
    },
  });
}

const list = <T extends z.ZodType>(item: T) => z.array(item, { error: 'expected a list' });

const userId = z
  .string({ error: 'expected a user id' })
  .regex(USER_ID, { error: (iss) => `${show(iss.input)} is not a user id: use slack:<user id>, teams:<AAD object id> or web:<name>` });
const channelId = z
  .string({ error: 'expected a channel id' })
  .regex(CHANNEL_ID, { error: (iss) => `${show(iss.input)} is not a channel id: use slack:<channel id>, teams:<conversation id> or web:<room>` });

/** One catalogue parameter, typed by the rule chat uses (handlers/kit/params); YAML lists and booleans as given. */
function paramValue(p: ParamSpec) {
  return z
    .unknown()
    .transform((value, ctx) => {
      const r = coerceParam(p, value, { placeholders: true });
      if (!r.ok) {
        ctx.addIssue({ code: 'custom', message: problemText(r.problem) });
        return z.NEVER;
      }
      return r.value;
    })
    .optional();
}

const integrations = strict(
  Object.fromEntries(catalog.map((i) => [i.id, strict(Object.fromEntries(i.params.map((p) => [p.id, paramValue(p)]))).nullish()])),
  'integration',
);

const roles = strict(Object.fromEntries([...ROLES].reverse().map((r) => [r, list(userId).nullish()])), 'role');

const approvalSlugs = [...new Set(catalog.flatMap((i) => i.actions.map((a) => a.id))), 'execute-http-request:write'];
const wholeNumber = 'expected a whole number from 1 to 10';
const approvals = strict({
  'required-for': list(
    z
      .string({ error: 'expected an action slug' })
      .refine((s) => approvalSlugs.includes(s), { error: (iss) => `${show(iss.input)} is not an action slug (${hint(String(iss.input), approvalSlugs)})` }),
  ).nullish(),
  'approvers-needed': z
    .number({ error: wholeNumber })
    .int({ error: wholeNumber })
    .min(1, { error: 'must be at least 1' })
    .max(10, { error: 'must be at most 10' })
    .nullish(),
});

const duration = z.union([z.string(), z.number()], { error: 'expected a duration such as 60s, 15m or 7d' }).transform((v, ctx) => {
  const text = String(v);
  const ms = parseDuration(text);
  if (ms === null || ms < 1000) {
    ctx.addIssue({ code: 'custom', message: `${show(v)} is not a duration of at least 1s (e.g. 60s, 15m, 7d)` });
    return z.NEVER;
  }
  return text;
});

function schedule(kind: 'connectors' | 'jobs') {
  const specs: Array<ConnectorSpec | JobSpec> = kind === 'connectors' ? allConnectors() : allJobs();
  const what = kind === 'connectors' ? 'connector' : 'job';
  const ids = specs.map((s) => s.id);
  return strict({
    name: z.string({ error: 'expected a name' }).regex(SCHEDULE_NAME, { error: 'use 1 to 64 letters, digits, . _ - only' }).nullish(),
    type: z
      .string({ error: `a ${what} type is required (one of ${ids.join(', ')})` })
      .refine((t) => ids.includes(t), { error: (iss) => `unknown ${what} type ${show(iss.input)} (${hint(String(iss.input), ids)})` }),
    channel: channelId.nullish(),
    every: duration.nullish(),
    params: z.record(z.string(), z.unknown(), { error: 'expected a map of parameters' }).nullish(),
    whitelist: list(z.string()).nullish(),
    blacklist: list(z.string()).nullish(),
    'dynamic-list': list(z.string()).nullish(),
  }).superRefine((c, ctx) => {
    const spec = specs.find((s) => s.id === c.type);
    if (!spec) return;
    const known = spec.params.map((p) => p.id);
    for (const key of Object.keys(c.params ?? {})) {
      if (spec.params.some((p) => p.id === key || p.aliases?.includes(key))) continue;
      ctx.addIssue({ code: 'custom', path: ['params'], message: `unknown parameter ${key} of ${spec.id} (${hint(key, known)})` });
      return;
    }
    const problem = scheduleProblem(spec, c.params ?? {});
    if (problem) ctx.addIssue({ code: 'custom', path: ['params'], message: problem });
  });
}

const allowListEntry = z
  .string({ error: 'expected an origin' })
  .refine((s) => normalizeOrigin(s) !== null, { error: (iss) => `${show(iss.input)} is not an http(s) origin` });

const environment = strict({
  integrations: integrations.nullish(),
  channels: list(channelId).nullish(),
  'admin-channel': channelId.nullish(),
  files: strict({ 'gcs-bucket': z.string({ error: 'expected a bucket name' }).nullish() }).nullish(),
  'http-allow-list': list(allowListEntry).nullish(),
  roles: roles.nullish(),
  approvals: approvals.nullish(),
  connectors: list(schedule('connectors')).nullish(),
  jobs: list(schedule('jobs')).nullish(),
}).superRefine((env, ctx) => {
  for (const kind of ['connectors', 'jobs'] as const) {
    const seen = new Set<string>();
    (env[kind] ?? []).forEach((c, i) => {
      const name = c.name ?? c.type;
      if (seen.has(name))
        ctx.addIssue({
          code: 'custom',
          path: [kind, i, 'name'],
          message: `another ${kind === 'connectors' ? 'connector' : 'job'} is named ${name}; give each its own name`,
        });
      seen.add(name);
    });
  }
});

export const configSchema = strict({
  environments: z
    .record(z.string().regex(ENV_NAME, { error: 'environment names use 1 to 64 letters, digits, . _ - only' }), environment.nullish(), {
      error: 'expected a map of environment names to their settings',
    })
    .superRefine((envs, ctx) => {
      const owner = new Map<string, string>();
      for (const [name, env] of Object.entries(envs)) {
        (env?.channels ?? []).forEach((channel, i) => {
          const other = owner.get(channel);
          if (other && other !== name)
            ctx.addIssue({
              code: 'custom',
              path: [name, 'channels', i],
              message: `${channel} is also listed in environment ${other}; a channel is bound to one environment`,
            });
          owner.set(channel, name);
        });
      }
    }),
});

export type ConfigInput = z.infer<typeof configSchema>;
export type EnvironmentInput = NonNullable<ConfigInput['environments'][string]>;

/** `environments.prod.connectors[0].every` */
export function keyPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((out, seg) => (typeof seg === 'number' ? `${out}[${seg}]` : out ? `${out}.${String(seg)}` : String(seg)), '');
}

const TYPE_WORDS: Record<string, string> = { string: 'text', number: 'a number', boolean: 'true or false', array: 'a list', object: 'a map', record: 'a map' };

/** The first problem of a parse as one line: `<key path>: <what is wrong>`. */
export function configProblem(error: z.ZodError): string {
  const issue = error.issues[0]!;
  let message = issue.message;
  if (issue.code === 'invalid_key') message = issue.issues[0]?.message ?? message;
  else if (issue.code === 'invalid_type' && /^Invalid input/.test(message)) message = `expected ${TYPE_WORDS[issue.expected] ?? issue.expected}`;
  const where = keyPath(issue.path);
  return `${where ? `${where}: ` : ''}${message.replace(/\s*\n\s*/g, ' ')}`;
}
