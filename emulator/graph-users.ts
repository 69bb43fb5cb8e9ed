/**
 * `GET /users`: the tenant's users as Graph lists them: pages of `$top` (default 100, 1 to 999,
 * else 400), `@odata.nextLink` carrying an opaque `$skiptoken`, `$select`, `$filter`, `$orderby`,
 * `$count`, `$search="property:text"`. As in Microsoft Entra ID, `ne`, `not`, `endswith` and
 * `null` in `$filter`, and any `$search`, are "advanced queries": they need the header
 * `ConsistencyLevel: eventual` (and, but for `$search`, `$count=true`), else 400
 * Request_UnsupportedQuery.
 */
import type { User } from './directory';
import type { GraphCall, Obj } from './graph-call';
import { graphError, json, type EmuResponse } from './http';
import { applyOrderBy, applySelect, compileFilter, ODataError } from './odata';

export const USERS_DEFAULT_TOP = 100;
export const USERS_MAX_TOP = 999;

const TYPE = 'microsoft.graph.user';

export function userJson(u: User): Obj {
  return {
    businessPhones: [],
    displayName: u.displayName,
    givenName: u.givenName,
    jobTitle: u.jobTitle,
    mail: u.mail,
    mobilePhone: null,
    officeLocation: u.officeLocation,
    preferredLanguage: 'en-US',
    surname: u.surname,
    userPrincipalName: u.userPrincipalName,
    id: u.id,
  };
}

function unsupported(message = 'Unsupported Query.'): EmuResponse {
  return graphError(400, 'Request_UnsupportedQuery', message);
}

/** String literals blanked, so an operator inside a quoted value is not taken for one. */
function withoutLiterals(filter: string): string {
  return filter.replace(/'(?:[^']|'')*'/g, "''");
}

/** True when the filter uses what Entra ID serves only as an advanced query. */
export function isAdvancedFilter(filter: string): boolean {
  return /\b(ne|not|endswith|null)\b/i.test(withoutLiterals(filter));
}

const skipToken = (offset: number): string => Buffer.from(`emulator-users:${offset}`).toString('base64url');

function offsetOf(token: string): number | null {
  const m = /^emulator-users:(\d+)$/.exec(Buffer.from(token, 'base64url').toString());
  return m ? Number(m[1]) : null;
}

/** `$search="displayName:al" AND "mail:contoso"`: each term a substring of that property, ANDed (OR: either). */
function searchPredicate(search: string): (o: Obj) => boolean {
  const terms = [...search.matchAll(/"([^":]+):([^"]*)"|\b(AND|OR)\b/g)];
  if (!terms.some((t) => t[1])) throw new ODataError(`Syntax error: '${search}' is not a valid $search; use "property:text".`);
  return (o) => {
    let result: boolean | null = null;
    let op = 'AND';
    for (const t of terms) {
      if (t[3]) {
        op = t[3];
        continue;
      }
      const prop = Object.keys(o).find((k) => k.toLowerCase() === (t[1] as string).toLowerCase());
      const v = prop ? o[prop] : undefined;
      const hit = typeof v === 'string' && v.toLowerCase().includes((t[2] as string).toLowerCase());
      result = result === null ? hit : op === 'OR' ? result || hit : result && hit;
    }
    return result === true;
  };
}

/** `GET /users` of one tenant. */
export function listUsers(g: GraphCall, tenantId: string): EmuResponse {
  const q = g.req.query;
  const topRaw = q.get('$top');
  const top = topRaw === null ? USERS_DEFAULT_TOP : Number(topRaw);
  if (!Number.isInteger(top) || top < 1 || top > USERS_MAX_TOP) {
    return unsupported(`Invalid page size specified: '${topRaw ?? ''}'. Must be between 1 and ${USERS_MAX_TOP} inclusive.`);
  }
  const token = q.get('$skiptoken');
  const offset = token === null ? 0 : offsetOf(token);
  if (offset === null) return graphError(400, 'Request_BadRequest', `The skip token '${token ?? ''}' is not valid.`);
  const filter = q.get('$filter');
  const search = q.get('$search');
  const orderby = q.get('$orderby');
  const select = q.get('$select');
  const counted = q.get('$count') === 'true';
  const eventual = (g.req.headers.consistencylevel ?? '').toLowerCase() === 'eventual';
  if (search !== null && !eventual) {
    return unsupported("Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'");
  }
  if (filter !== null && isAdvancedFilter(filter) && !(eventual && counted)) return unsupported();
  if (counted && !eventual) return graphError(400, 'Request_BadRequest', '$count is not currently supported.');

  const users: User[] = [];
  for (const u of g.ctx.state.users.values()) if (u.tenantId === tenantId) users.push(u);
  let items: Obj[] | null = null;
  try {
    if (filter !== null || search !== null || orderby !== null) {
      items = users.map(userJson);
      if (filter !== null) items = items.filter(compileFilter(filter, TYPE));
      if (search !== null) items = items.filter(searchPredicate(search));
      if (orderby !== null) items = applyOrderBy(items, orderby, TYPE);
    }
    const total = items ? items.length : users.length;
    const page = items ? items.slice(offset, offset + top) : users.slice(offset, offset + top).map(userJson);
    const body: Obj = { '@odata.context': `${g.root}/$metadata#users${select ? `(${select})` : ''}` };
    if (counted) body['@odata.count'] = total;
    body.value = page.map((o) => applySelect(o, select, TYPE));
    if (offset + top < total) {
      // As Graph writes it: `$` kept in the names, the values percent-encoded.
      const next = [...q].filter(([k]) => k !== '$skiptoken').map(([k, v]) => `${k}=${encodeURIComponent(v)}`);
      next.push(`$skiptoken=${skipToken(offset + top)}`);
      body['@odata.nextLink'] = `${g.req.baseUrl}${g.req.path}?${next.join('&')}`;
    }
    return json(200, body);
  } catch (err) {
    if (err instanceof ODataError) return graphError(400, 'Request_BadRequest', err.message);
    throw err;
  }
}
