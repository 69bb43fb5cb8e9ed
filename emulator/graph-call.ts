/** One authenticated Graph call, and the answers every Graph route shares: errors, JSON bodies, method dispatch. */
import type { EmuContext } from './context';
import { graphError, isObject, parseJson, Reply, type EmuRequest, type EmuResponse } from './http';
import type { Mailbox } from './mailbox';
import type { AccessToken } from './tokens';

export type Obj = Record<string, unknown>;

export interface GraphCall {
  req: EmuRequest;
  ctx: EmuContext;
  token: AccessToken;
  version: 'v1.0' | 'beta';
  /** `<baseUrl>/<version>` */
  root: string;
  /** `Prefer: IdType="ImmutableId"` */
  immutableIds: boolean;
  /** `Prefer: outlook.body-content-type="text"` */
  textBody: boolean;
}

export function segmentNotFound(seg: string): EmuResponse {
  return graphError(400, 'BadRequest', `Resource not found for the segment '${seg}'.`);
}

export function methodNotAllowed(method: string): EmuResponse {
  return graphError(405, 'BadRequest', `The HTTP method '${method}' is not allowed for this resource.`);
}

export function badRequest(message: string, code = 'BadRequest'): EmuResponse {
  return graphError(400, code, message);
}

function itemNotFound(): EmuResponse {
  return graphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
}

/** An id that is not ours at all is "malformed" (400); one that looks right but matches nothing is "not found" (404). */
export function missingId(id: string): EmuResponse {
  return /^AA(?:[MQ]k|kA)/.test(id) ? itemNotFound() : graphError(400, 'ErrorInvalidIdMalformed', 'Id is malformed.');
}

/** Ends the call with this answer (handleGraph turns the Reply into the response). */
export function fail(r: EmuResponse): never {
  throw new Reply(r);
}

const NOT_JSON = 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.';

/** Parses a JSON object body; throws a Graph 400 Reply when it is not one. */
export function readJson(req: EmuRequest): Obj {
  let v: unknown;
  try {
    v = parseJson(req.body);
  } catch {
    throw new Reply(badRequest(NOT_JSON));
  }
  if (v === undefined) return {};
  if (!isObject(v)) throw new Reply(badRequest(NOT_JSON));
  return v;
}

/** The handler for the request's method, or 405. */
export function byMethod(g: GraphCall, handlers: Partial<Record<'GET' | 'POST' | 'PATCH' | 'DELETE', () => EmuResponse>>): EmuResponse {
  const method = g.req.method;
  const handler = Object.hasOwn(handlers, method) ? handlers[method as keyof typeof handlers] : undefined;
  return handler ? handler() : methodNotAllowed(method);
}

/** `<root>/$metadata#users('<mailbox>')/<tail>` */
export function contextUrl(g: GraphCall, mb: Mailbox, tail: string): string {
  return `${g.root}/$metadata#users('${encodeURIComponent(mb.address)}')/${tail}`;
}

/** Headers that confirm `Prefer: outlook.body-content-type="text"` was applied. */
export function preferenceApplied(g: GraphCall): Record<string, string> {
  return g.textBody ? { 'preference-applied': 'outlook.body-content-type="text"' } : {};
}
