/**
 * The OData query options Graph supports on collections, evaluated over the JSON objects Graph
 * would return: `$filter` (eq ne gt ge lt le, and/or/not, parentheses, contains/startswith/
 * endswith, `any`/`all` lambdas, datetime literals), `$orderby`, `$select`, `$search`, `$top`,
 * `$skip`, `$count`, and `@odata.nextLink` paging.
 */

/** A query option Graph would refuse: answered 400 BadRequest with this message. */
export class ODataError extends Error {}

type Json = unknown;
type Obj = Record<string, unknown>;

// ---------------------------------------------------------------- $filter: tokens

type Tok =
  | { t: 'str'; v: string }
  | { t: 'num'; v: number }
  | { t: 'date'; v: number; raw: string }
  | { t: 'word'; v: string }
  | { t: 'punct'; v: '(' | ')' | ',' | ':' };

const DATE_RE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?/;

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === ',' || c === ':') {
      out.push({ t: 'punct', v: c });
      i++;
      continue;
    }
    if (c === "'") {
      let v = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new ODataError('Unterminated string literal.');
        const ch = src[i] as string;
        if (ch === "'") {
          if (src[i + 1] === "'") {
            v += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += ch;
        i++;
      }
      out.push({ t: 'str', v });
      continue;
    }
    const rest = src.slice(i);
    const date = DATE_RE.exec(rest);
    if (date && date[0].length > 4 && date[0].includes('-')) {
      const ms = Date.parse(date[0].includes('T') && !/(Z|[+-]\d{2}:\d{2})$/.test(date[0]) ? `${date[0]}Z` : date[0]);
      if (Number.isNaN(ms)) throw new ODataError(`The DateTimeOffset text '${date[0]}' is not valid.`);
      out.push({ t: 'date', v: ms, raw: date[0] });
      i += date[0].length;
      continue;
    }
    const num = /^-?\d+(\.\d+)?/.exec(rest);
    if (num) {
      out.push({ t: 'num', v: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    const word = /^[A-Za-z_@$][\w@$.]*(\/[A-Za-z_@$][\w@$.]*)*/.exec(rest);
    if (word) {
      out.push({ t: 'word', v: word[0] });
      i += word[0].length;
      continue;
    }
    throw new ODataError(`Syntax error at position ${i} in '${src}'.`);
  }
  return out;
}

// ---------------------------------------------------------------- $filter: AST

type Node =
  | { k: 'lit'; v: Json; date?: boolean }
  | { k: 'path'; parts: string[] }
  | { k: 'cmp'; op: string; a: Node; b: Node }
  | { k: 'and' | 'or'; a: Node; b: Node }
  | { k: 'not'; a: Node }
  | { k: 'fn'; name: string; args: Node[] }
  | { k: 'lambda'; kind: 'any' | 'all'; path: string[]; v: string | null; body: Node | null };

const CMP = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const FUNCS = new Set(['contains', 'startswith', 'endswith', 'tolower', 'toupper']);

class Parser {
  private i = 0;
  constructor(private readonly toks: Tok[]) {}

  parse(): Node {
    const n = this.or();
    if (this.i < this.toks.length) throw new ODataError(`Syntax error: unexpected '${this.show(this.toks[this.i])}'.`);
    return n;
  }

  private show(t: Tok | undefined): string {
    return t === undefined ? 'end of input' : String(t.t === 'date' ? t.raw : t.v);
  }

  private peekWord(w: string): boolean {
    const t = this.toks[this.i];
    return t?.t === 'word' && t.v.toLowerCase() === w;
  }

  private expect(p: '(' | ')' | ',' | ':'): void {
    const t = this.toks[this.i];
    if (t?.t !== 'punct' || t.v !== p) throw new ODataError(`Syntax error: expected '${p}' but found '${this.show(t)}'.`);
    this.i++;
  }

  private or(): Node {
    let a = this.and();
    while (this.peekWord('or')) {
      this.i++;
      a = { k: 'or', a, b: this.and() };
    }
    return a;
  }

  private and(): Node {
    let a = this.not();
    while (this.peekWord('and')) {
      this.i++;
      a = { k: 'and', a, b: this.not() };
    }
    return a;
  }

  private not(): Node {
    if (this.peekWord('not')) {
      this.i++;
      return { k: 'not', a: this.not() };
    }
    return this.cmp();
  }

  private cmp(): Node {
    const a = this.primary();
    const t = this.toks[this.i];
    if (t?.t === 'word' && CMP.has(t.v.toLowerCase())) {
      this.i++;
      return { k: 'cmp', op: t.v.toLowerCase(), a, b: this.primary() };
    }
    return a;
  }

  private primary(): Node {
    const t = this.toks[this.i];
    if (!t) throw new ODataError('Syntax error: unexpected end of filter.');
    this.i++;
    if (t.t === 'punct') {
      if (t.v !== '(') throw new ODataError(`Syntax error: unexpected '${t.v}'.`);
      const n = this.or();
      this.expect(')');
      return n;
    }
    if (t.t === 'str') return { k: 'lit', v: t.v };
    if (t.t === 'num') return { k: 'lit', v: t.v };
    if (t.t === 'date') return { k: 'lit', v: t.v, date: true };
    const lw = t.v.toLowerCase();
    if (lw === 'true' || lw === 'false') return { k: 'lit', v: lw === 'true' };
    if (lw === 'null') return { k: 'lit', v: null };
    const next = this.toks[this.i];
    if (next?.t === 'punct' && next.v === '(') {
      const parts = t.v.split('/');
      const last = (parts[parts.length - 1] ?? '').toLowerCase();
      if (parts.length > 1 && (last === 'any' || last === 'all')) {
        this.i++;
        const path = parts.slice(0, -1);
        if (this.toks[this.i]?.t === 'punct' && (this.toks[this.i] as { v: string }).v === ')') {
          this.i++;
          return { k: 'lambda', kind: last, path, v: null, body: null };
        }
        const v = this.toks[this.i];
        if (v?.t !== 'word') throw new ODataError('Syntax error in lambda expression.');
        this.i++;
        this.expect(':');
        const body = this.or();
        this.expect(')');
        return { k: 'lambda', kind: last, path, v: v.v, body };
      }
      if (!FUNCS.has(lw)) throw new ODataError(`An unknown function with name '${t.v}' was found.`);
      this.i++;
      const args: Node[] = [this.or()];
      while (this.toks[this.i]?.t === 'punct' && (this.toks[this.i] as { v: string }).v === ',') {
        this.i++;
        args.push(this.or());
      }
      this.expect(')');
      return { k: 'fn', name: lw, args };
    }
    return { k: 'path', parts: t.v.split('/') };
  }
}

// ---------------------------------------------------------------- $filter: evaluation

type Scope = Map<string, Json>;

function getPath(obj: Json, parts: string[], strict: boolean, typeName: string): Json {
  let cur: Json = obj;
  for (let idx = 0; idx < parts.length; idx++) {
    const p = parts[idx] as string;
    if (cur === null || cur === undefined) return null;
    if (typeof cur !== 'object' || Array.isArray(cur)) return null;
    const o = cur as Obj;
    const key = Object.keys(o).find((k) => k.toLowerCase() === p.toLowerCase());
    if (key === undefined) {
      if (strict && idx === 0) throw new ODataError(`Could not find a property named '${p}' on type '${typeName}'.`);
      return null;
    }
    cur = o[key];
  }
  return cur;
}

function resolve(n: Node, root: Obj, scope: Scope, typeName: string): Json {
  switch (n.k) {
    case 'lit':
      return n.v;
    case 'path': {
      const head = n.parts[0] as string;
      if (scope.has(head)) return getPath(scope.get(head), n.parts.slice(1), false, typeName);
      return getPath(root, n.parts, true, typeName);
    }
    case 'fn': {
      const args = n.args.map((a) => resolve(a, root, scope, typeName));
      const s = (v: Json): string => (v === null || v === undefined ? '' : String(v)).toLowerCase();
      if (n.name === 'tolower') return s(args[0]);
      if (n.name === 'toupper') return s(args[0]).toUpperCase();
      if (args.length !== 2) throw new ODataError(`Function '${n.name}' takes two arguments.`);
      if (n.name === 'contains') return s(args[0]).includes(s(args[1]));
      if (n.name === 'startswith') return s(args[0]).startsWith(s(args[1]));
      return s(args[0]).endsWith(s(args[1]));
    }
    default:
      return test(n, root, scope, typeName);
  }
}

function isDateNode(n: Node): boolean {
  return n.k === 'lit' && n.date === true;
}

function compare(op: string, a: Json, b: Json, asDate: boolean): boolean {
  if (asDate) {
    const x = typeof a === 'number' ? a : typeof a === 'string' ? Date.parse(a) : NaN;
    const y = typeof b === 'number' ? b : typeof b === 'string' ? Date.parse(b) : NaN;
    if (Number.isNaN(x) || Number.isNaN(y)) return op === 'ne';
    return cmpOp(op, x, y);
  }
  if (a === null || a === undefined || b === null || b === undefined) {
    const eq = (a ?? null) === (b ?? null);
    return op === 'eq' ? eq : op === 'ne' ? !eq : false;
  }
  if (typeof a === 'string' && typeof b === 'string') {
    const x = a.toLowerCase();
    const y = b.toLowerCase();
    return cmpOp(op, x < y ? -1 : x > y ? 1 : 0, 0);
  }
  if (typeof a === 'number' && typeof b === 'number') return cmpOp(op, a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return op === 'eq' ? a === b : op === 'ne' ? a !== b : false;
  return op === 'ne';
}

function cmpOp(op: string, x: number, y: number): boolean {
  switch (op) {
    case 'eq':
      return x === y;
    case 'ne':
      return x !== y;
    case 'gt':
      return x > y;
    case 'ge':
      return x >= y;
    case 'lt':
      return x < y;
    default:
      return x <= y;
  }
}

function test(n: Node, root: Obj, scope: Scope, typeName: string): boolean {
  switch (n.k) {
    case 'and':
      return test(n.a, root, scope, typeName) && test(n.b, root, scope, typeName);
    case 'or':
      return test(n.a, root, scope, typeName) || test(n.b, root, scope, typeName);
    case 'not':
      return !test(n.a, root, scope, typeName);
    case 'cmp':
      return compare(n.op, resolve(n.a, root, scope, typeName), resolve(n.b, root, scope, typeName), isDateNode(n.a) || isDateNode(n.b));
    case 'lambda': {
      const head = n.path[0] as string;
      const coll = scope.has(head) ? getPath(scope.get(head), n.path.slice(1), false, typeName) : getPath(root, n.path, true, typeName);
      const items = Array.isArray(coll) ? coll : [];
      if (!n.body || !n.v) return n.kind === 'any' ? items.length > 0 : true;
      const body = n.body;
      const v = n.v;
      const each = (item: Json): boolean => test(body, root, new Map([...scope, [v, item]]), typeName);
      return n.kind === 'any' ? items.some(each) : items.every(each);
    }
    case 'fn':
    case 'path':
    case 'lit': {
      const v = resolve(n, root, scope, typeName);
      if (typeof v !== 'boolean') throw new ODataError('The $filter expression must evaluate to a single boolean value.');
      return v;
    }
  }
}

/** Compiles a `$filter` expression into a predicate over Graph JSON objects. */
export function compileFilter(expr: string, typeName = 'microsoft.graph.entity'): (o: Obj) => boolean {
  const ast = new Parser(tokenize(expr)).parse();
  return (o) => test(ast, o, new Map(), typeName);
}

// ---------------------------------------------------------------- $orderby, $select, $search

export function applyOrderBy(items: Obj[], orderby: string, typeName: string): Obj[] {
  const keys = orderby.split(',').map((s) => {
    const [prop = '', dir = 'asc'] = s.trim().split(/\s+/);
    if (!/^(asc|desc)$/i.test(dir)) throw new ODataError(`Syntax error in $orderby: '${s}'.`);
    return { parts: prop.split('/'), desc: dir.toLowerCase() === 'desc' };
  });
  for (const k of keys) if (items[0]) getPath(items[0], k.parts, true, typeName);
  return [...items].sort((x, y) => {
    for (const k of keys) {
      const a = getPath(x, k.parts, false, typeName);
      const b = getPath(y, k.parts, false, typeName);
      const av = typeof a === 'string' ? a.toLowerCase() : (a as number | boolean | null);
      const bv = typeof b === 'string' ? b.toLowerCase() : (b as number | boolean | null);
      if (av === bv) continue;
      if (av === null || av === undefined) return k.desc ? 1 : -1;
      if (bv === null || bv === undefined) return k.desc ? -1 : 1;
      const c = av < bv ? -1 : 1;
      return k.desc ? -c : c;
    }
    return 0;
  });
}

/** Keeps the selected properties (plus `id` and `@odata.*` annotations). */
export function applySelect(o: Obj, select: string | null, typeName: string, alwaysKeep: string[] = ['id']): Obj {
  if (!select) return o;
  const wanted = select
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const out: Obj = {};
  for (const [k, v] of Object.entries(o)) if (k.startsWith('@odata.')) out[k] = v;
  for (const w of wanted) {
    const key = Object.keys(o).find((k) => k.toLowerCase() === w.toLowerCase());
    if (key === undefined) throw new ODataError(`Could not find a property named '${w}' on type '${typeName}'.`);
    out[key] = o[key];
  }
  for (const k of alwaysKeep) if (k in o) out[k] = o[k];
  return out;
}

/**
 * A simplified KQL `$search` over messages: `"term"`, `"from:x"`, `"subject:x"`, `"to:x"`,
 * `"body:x"`, `"attachment:x"`; terms are ANDed.
 */
export function compileSearch(search: string): (o: Obj) => boolean {
  const q = search.trim().replace(/^"(.*)"$/s, '$1');
  const terms = q.match(/(\w+:)?("[^"]*"|\S+)/g) ?? [];
  const str = (v: Json): string => JSON.stringify(v ?? '').toLowerCase();
  return (o) =>
    terms.every((term) => {
      const m = /^(\w+):(.*)$/.exec(term);
      const prop = m ? (m[1] as string).toLowerCase() : null;
      const value = (m ? (m[2] as string) : term).replace(/^"|"$/g, '').toLowerCase();
      switch (prop) {
        case 'from':
          return str(o.from).includes(value);
        case 'to':
          return str(o.toRecipients).includes(value);
        case 'cc':
          return str(o.ccRecipients).includes(value);
        case 'subject':
          return str(o.subject).includes(value);
        case 'body':
          return str(o.body).includes(value);
        case 'attachment':
          return str(o['@emulator.attachmentNames']).includes(value);
        case 'participants':
          return str([o.from, o.toRecipients, o.ccRecipients]).includes(value);
        default:
          return [o.subject, o.body, o.from, o.toRecipients, o.ccRecipients, o['@emulator.attachmentNames']].some((v) => str(v).includes(value));
      }
    });
}

// ---------------------------------------------------------------- paging

export interface PageOptions {
  defaultTop: number;
  maxTop: number;
}

export interface Page<T> {
  items: T[];
  nextLink: string | null;
  count: number;
}

function intParam(query: URLSearchParams, name: string): number | null {
  const raw = query.get(name);
  if (raw === null) return null;
  if (!/^\d+$/.test(raw.trim())) throw new ODataError(`Invalid value '${raw}' for query option '${name}'.`);
  return Number(raw);
}

/** Cuts one page; `linkBase` is the absolute URL (no query) of the collection. */
export function paginate<T>(items: T[], query: URLSearchParams, linkBase: string, opts: PageOptions): Page<T> {
  const topRaw = intParam(query, '$top');
  if (topRaw === 0) throw new ODataError("Invalid value '0' for query option '$top': it must be at least 1.");
  const top = Math.min(topRaw ?? opts.defaultTop, opts.maxTop);
  const skip = intParam(query, '$skip') ?? 0;
  const page = items.slice(skip, skip + top);
  let nextLink: string | null = null;
  if (skip + top < items.length) {
    const next = new URLSearchParams();
    for (const [k, v] of query) if (k !== '$skip' && k !== '$top') next.append(k, v);
    next.set('$top', String(top));
    next.set('$skip', String(skip + top));
    nextLink = `${linkBase}?${next.toString()}`;
  }
  return { items: page, nextLink, count: items.length };
}
