/**
 * Checks a manifest against an official JSON Schema kept in this folder, offline, with ajv: draft-04
 * for the Teams schema (its `$schema` says so), draft-07 for Slack's. ajv's errors are worded as one
 * line each, `<JSON pointer> <what is wrong>`.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';

export type Schema = boolean | { [keyword: string]: unknown };

export interface SchemaError {
  /** JSON pointer of the offending value, e.g. `/bots/0/commandLists/0/commands`. */
  path: string;
  message: string;
}

/** Keywords the official schemas carry that no draft defines (Slack's notes, a misspelt `pattern`): annotations only. */
const NON_STANDARD_KEYWORDS = ['_note', 'regex', 'requires'];

/** Patterns as Unicode regexes, or plain ones where the schema's authors wrote escapes `u` refuses (`\a` in Teams'). */
const regExp = Object.assign(
  (pattern: string, flags: string): RegExp => {
    try {
      return new RegExp(pattern, flags);
    } catch {
      return new RegExp(pattern, flags.replace('u', ''));
    }
  },
  { code: 'new RegExp' },
);

function validatorFor(draft04: boolean): Ajv {
  const options = { allErrors: true, verbose: true, strictTypes: false, strictTuples: false, code: { regExp } } as const;
  const ajv = draft04 ? new AjvDraft04(options) : new Ajv(options);
  addFormats(ajv);
  ajv.addVocabulary(NON_STANDARD_KEYWORDS);
  return ajv as Ajv;
}

const validators: { draft04?: Ajv; draft07?: Ajv } = {};
const compiled = new Map<string, ValidateFunction>();

function compile(schema: Schema): ValidateFunction {
  const text = JSON.stringify(schema);
  let validate = compiled.get(text);
  if (!validate) {
    const draft04 = typeof schema === 'object' && String(schema.$schema ?? '').includes('draft-04');
    const ajv = draft04 ? (validators.draft04 ??= validatorFor(true)) : (validators.draft07 ??= validatorFor(false));
    validate = ajv.compile(schema);
    compiled.set(text, validate);
  }
  return validate;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

const sizeOf = (value: unknown): number => (Array.isArray(value) ? value.length : typeof value === 'string' ? Array.from(value).length : 0);

function describe(e: ErrorObject): SchemaError {
  const path = e.instancePath || '/';
  const p = e.params as Record<string, unknown>;
  const at = (message: string): SchemaError => ({ path, message });
  switch (e.keyword) {
    case 'type':
      return at(`expected ${[p.type].flat().join(' or ')}, got ${typeOf(e.data)}`);
    case 'enum':
      return at(`must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`);
    case 'const':
      return at(`must be ${JSON.stringify(p.allowedValue)}`);
    case 'minLength':
      return at(`shorter than ${p.limit} characters`);
    case 'maxLength':
      return at(`longer than ${p.limit} characters (${sizeOf(e.data)})`);
    case 'pattern':
      return at(`does not match ${p.pattern}`);
    case 'format':
      return at(p.format === 'uri' ? 'is not a URI' : `is not a valid ${p.format}`);
    case 'minimum':
      return at(`less than ${p.limit}`);
    case 'maximum':
      return at(`greater than ${p.limit}`);
    case 'minItems':
      return at(`fewer than ${p.limit} items`);
    case 'maxItems':
      return at(`more than ${p.limit} items (${sizeOf(e.data)})`);
    case 'uniqueItems':
      return at('items are not unique');
    case 'minProperties':
      return at(`fewer than ${p.limit} properties`);
    case 'maxProperties':
      return at(`more than ${p.limit} properties`);
    case 'required':
      return at(`missing required property ${p.missingProperty}`);
    case 'additionalProperties':
      return {
        path: `${e.instancePath}/${String(p.additionalProperty).replace(/~/g, '~0').replace(/\//g, '~1')}`,
        message: 'is not allowed here (additionalProperties)',
      };
    case 'dependencies':
      return at(`${p.property} needs ${p.missingProperty}`);
    case 'anyOf':
      return at('matches none of anyOf');
    case 'oneOf':
      return at(`matches ${Array.isArray(p.passingSchemas) ? p.passingSchemas.length : 0} of oneOf (exactly 1 needed)`);
    case 'not':
      return at('matches a schema it must not');
    case 'false schema':
      return at('no value is allowed here');
    default:
      return at(e.message ?? e.keyword);
  }
}

export function validateAgainst(schema: Schema, value: unknown): SchemaError[] {
  const validate = compile(schema);
  return validate(value) ? [] : (validate.errors ?? []).map(describe);
}
