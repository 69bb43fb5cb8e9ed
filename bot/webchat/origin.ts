/**
 * Who may talk to the web chat. Its users name themselves, so it must not be reachable from
 * another site: a page of a hostile name that resolves to this server (DNS rebinding) sends its
 * own name as `Host`, and a cross-site page sends its `Origin`; both must be PUBLIC_URL's.
 */
import { isIP } from 'node:net';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

function isLoopbackName(hostname: string): boolean {
  return LOOPBACK_NAMES.includes(hostname) || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** `host[:port]` as URL writes it (lower case, default port dropped), or undefined when it is not a host. */
function normalHost(protocol: string, host: string): string | undefined {
  if (!host || /[/?#@\s]/.test(host)) return undefined;
  try {
    return new URL(`${protocol}//${host}`).host;
  } catch {
    return undefined;
  }
}

export interface WebchatOrigins {
  protocol: string;
  hosts: Set<string>;
  origins: Set<string>;
}

/** PUBLIC_URL's host; for a loopback PUBLIC_URL, every loopback name of its port (a browser may use either). */
export function webchatOrigins(publicUrl: string): WebchatOrigins {
  const url = new URL(publicUrl);
  const names = isLoopbackName(url.hostname) ? [...new Set([url.hostname, ...LOOPBACK_NAMES])] : [url.hostname];
  const hosts = new Set(names.map((n) => (url.port ? `${n}:${url.port}` : n)));
  return { protocol: url.protocol, hosts, origins: new Set([...hosts].map((h) => `${url.protocol}//${h}`)) };
}

/** Whether a request's Host (required) and Origin (when sent) are the web chat's own. */
export function trustedHostAndOrigin(allowed: WebchatOrigins, host: string | undefined, origin: string | undefined): boolean {
  const h = normalHost(allowed.protocol, String(host ?? ''));
  if (!h || !allowed.hosts.has(h)) return false;
  if (origin === undefined) return true;
  try {
    const o = new URL(origin);
    return allowed.origins.has(`${o.protocol}//${o.host}`);
  } catch {
    return false; // `Origin: null` (sandboxed frames, file: pages) included
  }
}

/** Whether the connection arrived on a loopback address of this machine. */
export function arrivedOnLoopback(localAddress: string | undefined): boolean {
  if (!localAddress) return false;
  const a = localAddress.replace(/^::ffff:/i, '');
  return a === '::1' || (isIP(a) === 4 && a.startsWith('127.'));
}
