/** Calls to a Microsoft API with a bearer token, mapped to one-line errors. */
import { UpstreamError } from './errors';
import type { HttpClient, HttpResponse } from './http';

/** The remote's own message from a Graph / Management API error body, else the status. */
export function remoteReason(res: HttpResponse): string {
  try {
    const body = res.json<{ error?: { code?: string; message?: string } | string; message?: string; Message?: string }>();
    if (body && typeof body.error === 'object' && body.error) {
      const { code, message } = body.error;
      return [code, message].filter(Boolean).join(': ') || `HTTP ${res.status}`;
    }
    if (typeof body?.error === 'string') return body.error;
    if (body?.message || body?.Message) return String(body.message ?? body.Message);
  } catch {
    /* not JSON */
  }
  return `HTTP ${res.status}`;
}

export interface BearerCall {
  http: HttpClient;
  token: string;
  method?: string;
  url: string;
  body?: unknown;
  verifySsl?: boolean;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** Sends a JSON request with a bearer token; a non-2xx answer becomes an UpstreamError. */
export async function callJson<T = unknown>(call: BearerCall): Promise<T> {
  const res = await call.http.send({
    method: call.method ?? 'GET',
    url: call.url,
    headers: {
      authorization: `Bearer ${call.token}`,
      accept: 'application/json',
      ...(call.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...call.headers,
    },
    body: call.body !== undefined ? JSON.stringify(call.body) : undefined,
    verifySsl: call.verifySsl,
    signal: call.signal,
    retries: call.method && call.method !== 'GET' ? 0 : 3,
  });
  if (res.status < 200 || res.status >= 300) throw new UpstreamError(remoteReason(res), res.status);
  return res.body.length ? res.json<T>() : (undefined as T);
}

export function joinUrl(root: string, path: string): string {
  return `${root.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
