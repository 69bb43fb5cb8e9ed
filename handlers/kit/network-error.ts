/** One line for a low-level network failure (its own module: the HTTP layer and the SSRF guard both use it). */

export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url.slice(0, 200);
  }
}

/** Turns a low-level network failure into one line naming the host and what went wrong. */
export function describeNetworkError(err: unknown, url: string): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e?.cause?.code ?? e?.code ?? '';
  const host = hostOf(url);
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|SSL|TLS|ERR_TLS/i.test(code) || /certificate/i.test(e?.cause?.message ?? e?.message ?? '')) {
    return `TLS certificate verification failed for ${host} (${code || 'certificate error'}). Turn Verify SSL off only if you trust this host.`;
  }
  if (code === 'ECONNREFUSED') return `Connection refused by ${host}.`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `Host ${host} could not be resolved.`;
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return `Request to ${host} timed out.`;
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return `Connection to ${host} was reset.`;
  return `Request to ${host} failed: ${(e?.cause?.message ?? e?.message ?? String(err)).split('\n')[0]}`;
}
