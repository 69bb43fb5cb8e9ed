/**
 * The SSRF guard (behaviour.md 30) for URLs a user types: only http/https; a host that resolves to a
 * loopback, private, link-local, CGNAT, multicast, metadata or otherwise reserved address is
 * refused unless its origin is on the environment's allow-list. The host is resolved once and the
 * connection goes to the address that was checked (`sendPinned`), so DNS rebinding cannot swap it.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { buildConnector } from 'undici';
import ipaddr from 'ipaddr.js';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Readable } from 'node:stream';
import { RefusedError, UnreachableError, UserError } from './errors';
import { describeNetworkError } from './network-error';

export type AddressKind = 'loopback' | 'private' | 'link-local' | 'CGNAT' | 'multicast' | 'metadata' | 'unspecified' | 'broadcast' | 'reserved';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export type Resolver = (host: string) => Promise<ResolvedAddress[]>;

const defaultResolver: Resolver = async (host) =>
  (await dnsLookup(host, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

// ------------------------------------------------------------------ address classification

/** ipaddr.js's IPv4 range names the guard refuses; any other name (unicast, as112, amt) is public. */
const V4_KINDS: Partial<Record<string, AddressKind>> = {
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link-local',
  loopback: 'loopback',
  carrierGradeNat: 'CGNAT',
  private: 'private',
  reserved: 'reserved',
};

/** ipaddr.js's IPv6 range names the guard refuses outright (ranges that embed an IPv4 address are judged by it). */
const V6_KINDS: Partial<Record<string, AddressKind>> = {
  unspecified: 'unspecified',
  loopback: 'loopback',
  linkLocal: 'link-local',
  multicast: 'multicast',
  uniqueLocal: 'private', // fd00:ec2::254, the AWS IPv6 metadata address, is in it
  deprecatedSiteLocal: 'private',
  discard: 'reserved',
  teredo: 'reserved', // the client address inside is obfuscated
  benchmarking: 'reserved',
  reserved: 'reserved',
};

/** Ranges ipaddr.js does not name, checked before its own. */
const OWN_RANGES: [range: [ipaddr.IPv4 | ipaddr.IPv6, number], kind: AddressKind][] = [
  // Azure's WireServer / platform endpoint: a public address that answers only inside Azure VMs.
  [ipaddr.parseCIDR('168.63.129.16/32'), 'metadata'],
  // Local-use NAT64: ipaddr.js names it rfc6052 like 64:ff9b::/96, but it carries no public IPv4 address.
  [ipaddr.parseCIDR('64:ff9b:1::/48'), 'private'],
];

function ownKind(ip: ipaddr.IPv4 | ipaddr.IPv6): AddressKind | null {
  for (const [[base, bits], kind] of OWN_RANGES) if (base.kind() === ip.kind() && ip.match(base, bits)) return kind;
  return null;
}

function classifyV4(ip: ipaddr.IPv4): AddressKind | null {
  return ownKind(ip) ?? V4_KINDS[ip.range()] ?? null;
}

/** The IPv4 address carried inside an IPv6 one: mapped, translated (SIIT), NAT64, 6to4 and the deprecated "compatible" ::a.b.c.d. */
function embeddedV4(ip: ipaddr.IPv6): ipaddr.IPv4 | null {
  const b = ip.toByteArray();
  switch (ip.range()) {
    case 'ipv4Mapped':
    case 'rfc6145':
    case 'rfc6052':
      return new ipaddr.IPv4(b.slice(12));
    case '6to4':
      return new ipaddr.IPv4(b.slice(2, 6));
    default:
      return b.slice(0, 12).every((x) => x === 0) ? new ipaddr.IPv4(b.slice(12)) : null;
  }
}

/** Why an address may not be reached without an allow-list entry, or null for an ordinary public address. */
export function classifyAddress(address: string): AddressKind | null {
  if (isIP(address) === 4) return classifyV4(ipaddr.IPv4.parse(address));
  const text = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (isIP(text) !== 6) return 'reserved';
  const ip = ipaddr.IPv6.parse(text);
  const own = ownKind(ip);
  if (own) return own;
  const kind = V6_KINDS[ip.range()];
  if (kind) return kind;
  const inner = embeddedV4(ip);
  if (inner) return classifyV4(inner);
  // The rest of ::/8 is reserved by the IETF; nothing public lives there.
  return ip.parts[0]! < 0x100 ? 'reserved' : null;
}

/** Names that reach the host itself or a cloud metadata service whatever DNS says. */
function classifyName(host: string): AddressKind | null {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost') || h === 'localhost.localdomain' || h === 'ip6-localhost' || h === 'ip6-loopback') return 'loopback';
  if (/^(metadata|metadata\.google\.internal|metadata\.goog|instance-data|instance-data\.ec2\.internal|metadata\.azure\.internal)$/.test(h)) return 'metadata';
  return null;
}

// ------------------------------------------------------------------ origins and the allow-list

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' };

/** `scheme://host:port` with the port always written, so `https://x` and `https://x:443` are one origin. */
export function originOf(url: URL): string {
  return `${url.protocol}//${url.hostname.toLowerCase()}:${url.port || DEFAULT_PORTS[url.protocol] || ''}`;
}

/** An allow-list entry or configured root as an origin; entries without a scheme mean https. */
export function normalizeOrigin(entry: string): string | null {
  const text = entry.trim();
  if (!text) return null;
  try {
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    return originOf(url);
  } catch {
    return null;
  }
}

/** How a URL is named in a refusal: its origin with a slash, as a user would type it. */
function shown(url: URL): string {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return url.href.length > 200 ? `${url.href.slice(0, 197)}...` : url.href;
  return `${url.protocol}//${url.host}/`;
}

function bareHost(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

// ------------------------------------------------------------------ the guard

export interface PinnedTarget {
  url: URL;
  /** The address that was checked; the connection goes there and nowhere else. */
  address: string;
  family: 4 | 6;
  /** Every address the host resolved to, all checked (a connection may pick any: IPv4 or IPv6). */
  addresses: ResolvedAddress[];
  allowListed: boolean;
}

export type HopKind = 'Request' | 'Redirect';

/** A refusal because the address is not public: says which kind, so a caller can word its own line. */
export class NonPublicAddressError extends RefusedError {
  constructor(
    message: string,
    readonly kind: AddressKind,
    readonly address?: string,
  ) {
    super(message);
  }
}

/** Whether the operator named an origin (CONFIG_FILE, TRUSTED_ORIGINS): then it may be non-public. */
export type OriginTrust = (origin: string) => boolean | Promise<boolean>;

export class SsrfGuard {
  private readonly allow: Set<string>;
  private readonly resolve: Resolver;
  private readonly trusted?: OriginTrust;

  constructor(opts: { allowList: Iterable<string>; resolver?: Resolver; trusted?: OriginTrust }) {
    this.allow = new Set([...opts.allowList].map(normalizeOrigin).filter((o): o is string => !!o));
    this.resolve = opts.resolver ?? defaultResolver;
    this.trusted = opts.trusted;
  }

  isAllowListed(url: URL): boolean {
    return this.allow.has(originOf(url));
  }

  /** Checks a URL before a byte is sent; throws a RefusedError naming the address and why. */
  async check(target: string | URL, kind: HopKind = 'Request'): Promise<PinnedTarget> {
    let url: URL;
    try {
      url = typeof target === 'string' ? new URL(target) : target;
    } catch {
      throw new UserError(`${String(target).slice(0, 200)} is not a valid URL.`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new RefusedError(`${kind} to ${shown(url)} refused: only http:// and https:// URLs are allowed.`);
    }
    const host = bareHost(url);
    if (!host) throw new UserError(`${url.href.slice(0, 200)} has no host.`);
    // Asked only when a non-public address turns up (the trust may be a Redis lookup).
    let exempt: boolean | undefined;
    const isExempt = async (): Promise<boolean> => {
      if (exempt === undefined) exempt = this.isAllowListed(url) || (!!this.trusted && (await this.trusted(originOf(url))));
      return exempt;
    };
    const refuse = (why: AddressKind, address?: string): never => {
      const what = address && address !== host ? `${why} address ${address}` : `${why} address`;
      throw new NonPublicAddressError(`${kind} to ${shown(url)} refused: ${what} not on this environment's allow-list.`, why, address ?? host);
    };

    const family = isIP(host);
    if (!family) {
      const byName = classifyName(host);
      if (byName && !(await isExempt())) refuse(byName);
    }
    let addresses: ResolvedAddress[];
    if (family) {
      addresses = [{ address: host, family: family === 6 ? 6 : 4 }];
    } else {
      try {
        addresses = await this.resolve(host);
      } catch (err) {
        throw new UnreachableError(describeNetworkError(err, url.href));
      }
      if (!addresses.length) throw new UnreachableError(`Host ${host} could not be resolved.`);
    }
    // Every address a name resolves to must be public: an attacker's DNS may list a private one second.
    for (const a of addresses) {
      const why = classifyAddress(a.address);
      if (why && !(await isExempt())) refuse(why, a.address);
    }
    const first = addresses[0]!;
    return { url, address: first.address, family: first.family, addresses, allowListed: exempt ?? this.isAllowListed(url) };
  }
}

// ------------------------------------------------------------------ pooled connections to checked addresses

/** A `lookup` that answers only with addresses the guard checked. */
function checkedLookup(addresses: ResolvedAddress[]): LookupFunction {
  return ((_name: string, opts: { all?: boolean }, cb: (...args: unknown[]) => void) => {
    if (opts?.all)
      cb(
        null,
        addresses.map((a) => ({ address: a.address, family: a.family })),
      );
    else cb(null, addresses[0]!.address, addresses[0]!.family);
  }) as unknown as LookupFunction;
}

/**
 * An undici connector that checks each new connection's origin with the guard and connects only to
 * the addresses it checked (TLS still verifies the host name; IPv4/IPv6 fallback among them
 * still works). Pools reuse only connections made this way.
 */
export function guardedConnector(guard: SsrfGuard, tls: { rejectUnauthorized: boolean }): buildConnector.connector {
  return (opts, callback) => {
    const host = opts.hostname.replace(/^\[|\]$/g, '');
    const literal = isIP(host) === 6 ? `[${host}]` : host;
    let url: URL;
    try {
      url = new URL(`${opts.protocol}//${literal}${opts.port ? `:${opts.port}` : ''}/`);
    } catch (err) {
      callback(err as Error, null);
      return;
    }
    guard.check(url).then(
      (target) => buildConnector({ ...tls, lookup: checkedLookup(target.addresses) })(opts, callback),
      (err: Error) => callback(err, null),
    );
  };
}

// ------------------------------------------------------------------ one request to a checked address

export interface PinnedRequest {
  method: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Idle time in ms the server may take to send data before the request is aborted. */
  timeoutMs: number;
  verifySsl: boolean;
  signal?: AbortSignal;
  /** Largest body read (after decompression); a larger one rejects with a BodyTooLargeError. */
  maxBytes: number;
}

export interface PinnedResponse {
  status: number;
  /** Header names as the server wrote them, values as sent (`[name, value, name, value, …]`). */
  rawHeaders: string[];
  /** Lower-cased names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  setCookies: string[];
  body: Buffer;
}

export class BodyTooLargeError extends UserError {
  constructor(readonly limit: number) {
    super(`The response body is larger than ${Math.round(limit / 1024 / 1024)} MB.`);
  }
}

function decoded(res: IncomingMessage): Readable {
  const encoding = String(res.headers['content-encoding'] ?? '')
    .trim()
    .toLowerCase();
  if (encoding === 'gzip' || encoding === 'x-gzip') return res.pipe(createGunzip());
  if (encoding === 'deflate') return res.pipe(createInflate());
  if (encoding === 'br') return res.pipe(createBrotliDecompress());
  return res;
}

/** Sends one request to the checked address (never re-resolving the host); redirects are not followed. */
export function sendPinned(target: PinnedTarget, req: PinnedRequest): Promise<PinnedResponse> {
  const { url } = target;
  const host = bareHost(url);
  const pinnedLookup = ((_name: string, opts: { all?: boolean }, cb: (...args: unknown[]) => void) => {
    if (opts?.all) cb(null, [{ address: target.address, family: target.family }]);
    else cb(null, target.address, target.family);
  }) as unknown as LookupFunction;
  const headers: OutgoingHttpHeaders = { ...req.headers };
  if (!Object.keys(headers).some((k) => k.toLowerCase() === 'host')) headers.Host = url.host;
  if (req.body && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-length')) headers['Content-Length'] = String(req.body.length);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;

  return new Promise<PinnedResponse>((resolve, reject) => {
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      reject(
        err instanceof UserError || err instanceof RefusedError || err instanceof UnreachableError
          ? err
          : new UnreachableError(describeNetworkError(err, url.href)),
      );
    };
    let r: ReturnType<typeof httpRequest>;
    try {
      r = send({
        protocol: url.protocol,
        hostname: host,
        port: url.port || DEFAULT_PORTS[url.protocol],
        path: `${url.pathname}${url.search}`,
        method: req.method,
        headers,
        agent: false,
        lookup: pinnedLookup,
        timeout: req.timeoutMs,
        signal: req.signal,
        rejectUnauthorized: req.verifySsl,
        servername: isIP(host) ? undefined : host,
        auth: url.username ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` : undefined,
      });
    } catch (err) {
      // Invalid header names or values are the user's to fix.
      fail(new UserError(`Invalid request: ${(err as Error).message.split('\n')[0]}`));
      return;
    }
    r.on('timeout', () => {
      const e = Object.assign(new Error('timeout'), { code: 'UND_ERR_HEADERS_TIMEOUT' });
      r.destroy(e);
    });
    r.on('error', fail);
    r.on('response', (res) => {
      // A declared length over the limit is refused before a byte of the body is read (a HEAD answer has no body).
      if (String(req.method).toUpperCase() !== 'HEAD' && Number(res.headers['content-length']) > req.maxBytes) {
        fail(new BodyTooLargeError(req.maxBytes));
        r.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      const body = decoded(res);
      body.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > req.maxBytes) {
          fail(new BodyTooLargeError(req.maxBytes));
          r.destroy();
          return;
        }
        chunks.push(chunk);
      });
      body.on('error', fail);
      res.on('error', fail);
      body.on('end', () => {
        if (settled) return;
        settled = true;
        const lower: Record<string, string> = {};
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          const name = res.rawHeaders[i]!.toLowerCase();
          lower[name] = lower[name] !== undefined ? `${lower[name]}, ${res.rawHeaders[i + 1]}` : res.rawHeaders[i + 1]!;
        }
        const setCookie = res.headers['set-cookie'];
        resolve({
          status: res.statusCode ?? 0,
          rawHeaders: res.rawHeaders,
          headers: lower,
          setCookies: Array.isArray(setCookie) ? setCookie : [],
          body: Buffer.concat(chunks),
        });
      });
    });
    r.end(req.body);
  });
}
