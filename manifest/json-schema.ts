/**
 * A small JSON Schema validator (the draft-04…07 keywords the Teams and Slack manifest schemas
 * use), so that the manifests can be checked offline against the official schemas kept in this
 * folder without a validator package. Unknown keywords are ignored, as the drafts say.
 */

export type Schema = boolean | { [keyword: string]: unknown };

export interface SchemaError {
  /** JSON pointer of the offending value, e.g. `/bots/0/commandLists/0/commands`. */
  path: string;
  message: string;
}

const patterns = new Map<string, RegExp>();
function regex(source: string): RegExp {
  let re = patterns.get(source);
  if (!re) {
    try {
      re = new RegExp(source, 'u');
    } catch {
      re = new RegExp(source);
    }
    patterns.set(source, re);
  }
  return re;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function hasType(value: unknown, type: string): boolean {
  const actual = typeOf(value);
  return actual === type || (type === 'number' && actual === 'integer');
}

function equal(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

export class SchemaValidator {
  constructor(private readonly root: Schema) {}

  private resolve(ref: string): Schema {
    if (!ref.startsWith('#')) throw new Error(`only local $ref is supported, got ${ref}`);
    let node: unknown = this.root;
    for (const raw of ref.slice(1).split('/').filter(Boolean)) {
      const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      node = (node as Record<string, unknown> | undefined)?.[key];
      if (node === undefined) throw new Error(`$ref ${ref} does not resolve`);
    }
    return node as Schema;
  }

  validate(value: unknown): SchemaError[] {
    const errors: SchemaError[] = [];
    this.check(this.root, value, '', errors);
    return errors;
  }

  private check(schema: Schema, value: unknown, path: string, errors: SchemaError[]): void {
    if (schema === true) return;
    if (schema === false) {
      errors.push({ path, message: 'no value is allowed here' });
      return;
    }
    const s = schema as Record<string, unknown>;
    const fail = (message: string): void => void errors.push({ path: path || '/', message });

    if (typeof s.$ref === 'string') {
      // draft-04…07: $ref replaces the rest of the schema object.
      this.check(this.resolve(s.$ref), value, path, errors);
      return;
    }
    if (s.type !== undefined) {
      const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
      if (!types.some((t) => hasType(value, t))) {
        fail(`expected ${types.join(' or ')}, got ${typeOf(value)}`);
        return;
      }
    }
    if (Array.isArray(s.enum) && !s.enum.some((e) => equal(e, value))) fail(`must be one of ${s.enum.map((e) => JSON.stringify(e)).join(', ')}`);
    if ('const' in s && !equal(s.const, value)) fail(`must be ${JSON.stringify(s.const)}`);

    if (typeof value === 'string') {
      const length = Array.from(value).length;
      if (typeof s.minLength === 'number' && length < s.minLength) fail(`shorter than ${s.minLength} characters`);
      if (typeof s.maxLength === 'number' && length > s.maxLength) fail(`longer than ${s.maxLength} characters (${length})`);
      if (typeof s.pattern === 'string' && !regex(s.pattern).test(value)) fail(`does not match ${s.pattern}`);
      if (s.format === 'uri' && !/^[A-Za-z][A-Za-z0-9+.-]*:\S*$/.test(value)) fail('is not a URI');
    }
    if (typeof value === 'number') {
      if (typeof s.minimum === 'number' && value < s.minimum) fail(`less than ${s.minimum}`);
      if (typeof s.maximum === 'number' && value > s.maximum) fail(`greater than ${s.maximum}`);
    }
    if (Array.isArray(value)) {
      if (typeof s.minItems === 'number' && value.length < s.minItems) fail(`fewer than ${s.minItems} items`);
      if (typeof s.maxItems === 'number' && value.length > s.maxItems) fail(`more than ${s.maxItems} items (${value.length})`);
      if (s.uniqueItems === true && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) fail('items are not unique');
      if (Array.isArray(s.items)) (s.items as Schema[]).forEach((item, i) => i < value.length && this.check(item, value[i], `${path}/${i}`, errors));
      else if (s.items !== undefined) value.forEach((v, i) => this.check(s.items as Schema, v, `${path}/${i}`, errors));
    }
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj);
      if (typeof s.minProperties === 'number' && keys.length < s.minProperties) fail(`fewer than ${s.minProperties} properties`);
      if (typeof s.maxProperties === 'number' && keys.length > s.maxProperties) fail(`more than ${s.maxProperties} properties`);
      for (const req of (s.required as string[] | undefined) ?? []) if (!(req in obj)) fail(`missing required property ${req}`);
      const props = (s.properties as Record<string, Schema> | undefined) ?? {};
      const patternProps = Object.entries((s.patternProperties as Record<string, Schema> | undefined) ?? {});
      for (const key of keys) {
        const at = `${path}/${escapePointer(key)}`;
        let matched = false;
        if (key in props) {
          matched = true;
          this.check(props[key]!, obj[key], at, errors);
        }
        for (const [p, sub] of patternProps) {
          if (regex(p).test(key)) {
            matched = true;
            this.check(sub, obj[key], at, errors);
          }
        }
        if (!matched && s.additionalProperties !== undefined) {
          if (s.additionalProperties === false) errors.push({ path: at, message: 'is not allowed here (additionalProperties)' });
          else this.check(s.additionalProperties as Schema, obj[key], at, errors);
        }
      }
      for (const [key, dep] of Object.entries((s.dependencies as Record<string, Schema | string[]> | undefined) ?? {})) {
        if (!(key in obj)) continue;
        if (Array.isArray(dep)) {
          for (const other of dep) if (!(other in obj)) fail(`${key} needs ${other}`);
        } else this.check(dep, value, path, errors);
      }
    }

    if (Array.isArray(s.allOf)) for (const sub of s.allOf as Schema[]) this.check(sub, value, path, errors);
    if (Array.isArray(s.anyOf) && !(s.anyOf as Schema[]).some((sub) => this.passes(sub, value, path))) fail('matches none of anyOf');
    if (Array.isArray(s.oneOf)) {
      const n = (s.oneOf as Schema[]).filter((sub) => this.passes(sub, value, path)).length;
      if (n !== 1) fail(`matches ${n} of oneOf (exactly 1 needed)`);
    }
    if (s.not !== undefined && this.passes(s.not as Schema, value, path)) fail('matches a schema it must not');
  }

  private passes(schema: Schema, value: unknown, path: string): boolean {
    const errors: SchemaError[] = [];
    this.check(schema, value, path, errors);
    return errors.length === 0;
  }
}

export function validateAgainst(schema: Schema, value: unknown): SchemaError[] {
  return new SchemaValidator(schema).validate(value);
}
