/** A Graph collection answer: `$search`, `$filter`, `$orderby`, paging, `$count` and `$select` over JSON items. */
import { badRequest, preferenceApplied, type GraphCall, type Obj } from './graph-call';
import { json, type EmuResponse } from './http';
import { applyOrderBy, applySelect, compileFilter, compileSearch, ODataError, paginate } from './odata';

export interface CollectionOptions {
  /** `@odata.context` (the `$select` list is appended when there is one). */
  context: string;
  typeName: string;
  defaultOrder?: string;
  defaultTop?: number;
  /** The item as answered (default: `$select` applied). */
  shape?: (o: Obj, select: string | null) => Obj;
  /** What `$search` looks at (default: the item). */
  search?: (o: Obj) => Obj;
}

/** Runs an OData collection query and builds the `{ @odata.context, value, @odata.nextLink }` answer. */
export function collection(g: GraphCall, all: Obj[], opts: CollectionOptions): EmuResponse {
  const q = g.req.query;
  const select = q.get('$select');
  try {
    let items = all;
    const search = q.get('$search');
    const filter = q.get('$filter');
    const orderby = q.get('$orderby');
    if (search !== null) {
      if (filter !== null) return badRequest("The query parameter '$filter' is not supported with '$search'.", 'ErrorInvalidUrlQuery');
      if (orderby !== null) return badRequest("The query parameter '$orderby' is not supported with '$search'.", 'ErrorInvalidUrlQuery');
      const pred = compileSearch(search);
      items = items.filter((o) => pred(opts.search ? opts.search(o) : o));
    }
    if (filter !== null) {
      let pred: (o: Obj) => boolean;
      try {
        pred = compileFilter(filter, opts.typeName);
        items = items.filter(pred);
      } catch (err) {
        if (err instanceof ODataError) return badRequest(`Invalid filter clause: ${err.message}`);
        throw err;
      }
    }
    if (orderby !== null) items = applyOrderBy(items, orderby, opts.typeName);
    else if (opts.defaultOrder) items = applyOrderBy(items, opts.defaultOrder, opts.typeName);
    const linkBase = `${g.req.baseUrl}${g.req.path}`;
    const page = paginate(items, q, linkBase, {
      defaultTop: opts.defaultTop ?? g.ctx.state.settings.graphPageSize,
      maxTop: g.ctx.state.settings.graphMaxPageSize,
    });
    const shape = opts.shape ?? ((o: Obj, s: string | null) => applySelect(o, s, opts.typeName));
    const body: Obj = { '@odata.context': select ? `${opts.context}(${select})` : opts.context };
    if (q.get('$count') === 'true') body['@odata.count'] = page.count;
    body.value = page.items.map((o) => shape(o, select));
    if (page.nextLink) body['@odata.nextLink'] = page.nextLink;
    return json(200, body, preferenceApplied(g));
  } catch (err) {
    if (err instanceof ODataError) return badRequest(err.message);
    throw err;
  }
}
