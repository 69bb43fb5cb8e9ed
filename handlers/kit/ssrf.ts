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

const defaultResolver: Resolver = async (host) => (await dnsLookup(host, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

// ------------------------------------------------------------------ address classification

type Range = [bytes: number[], prefixBits: number, kind: AddressKind];

/** IPv4 ranges that are never reached without an allow-list entry (IANA special-purpose registry). */
const V4_RANGES: Range[] = [
  [[0], 8, 'unspecified'],
  [[10], 8, 'private'],
  [[100, 64], 10, 'CGNAT'],
  [[127], 8, 'loopback'],
  [[169, 254], 16, 'link-local'],
  [[172, 16], 12, 'private'],
  [[192, 0, 0], 24, 'reserved'],
  [[192, 0, 2], 24, 'reserved'],
  [[192, 88, 99], 24, 'reserved'],
  [[192, 168], 16, 'private'],
  [[198, 18], 15, 'reserved'],
  [[198, 51, 100], 24, 'reserved'],
  [[203, 0, 113], 24, 'reserved'],
  [[224], 4, 'multicast'],
  [[255, 255, 255, 255], 32, 'broadcast'],
  [[240], 4, 'reserved'],
  // Azure's WireServer / platform endpoint: a public address that answers only inside Azure VMs.
  [[168, 63, 129, 16], 32, 'metadata'],
];

const V6_RANGES: Range[] = [
  [new Array<number>(16).fill(0), 128, 'unspecified'], // ::
  [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 128, 'loopback'],
  [[0x01, 0x00, 0, 0, 0, 0, 0, 0], 64, 'reserved'], // 100::/64 discard
  [[0x00, 0x64, 0xff, 0x9b, 0x00, 0x01], 48, 'private'], // 64:ff9b:1::/48 local-use NAT64
  [[0x20, 0x01, 0x00, 0x00], 32, 'reserved'], // Teredo: the client address inside is obfuscated
  [[0x20, 0x01, 0x0d, 0xb8], 32, 'reserved'], // documentation
  [[0xfc], 7, 'private'], // unique local (fd00:ec2::254, the AWS IPv6 metadata address, is in it)
  [[0xfe, 0x80], 10, 'link-local'],
  [[0xfe, 0xc0], 10, 'private'], // deprecated site-local
  [[0xff], 8, 'multicast'],
];

function inRange(bytes: number[], [prefix, bits]: Range): boolean {
  for (let i = 0; i < Math.ceil(bits / 8); i++) {
    const mask = i < Math.floor(bits / 8) ? 0xff : (0xff << (8 - (bits % 8))) & 0xff;
    if (((bytes[i] ?? 0) & mask) !== ((prefix[i] ?? 0) & mask)) return false;
  }
  return true;
}

function parseIPv4(ip: string): number[] | null {
  if (isIP(ip) !== 4) return null;
  return ip.split('.').map(Number);
}

/** 16 bytes of an IPv6 address (zone id dropped, embedded dotted quad taken), or null. */
export function parseIPv6(input: string): number[] | null {
  const ip = input.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (isIP(ip) !== 6) return null;
  let groups: string[];
  let tail: number[] = [];
  let text = ip;
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad) {
    tail = parseIPv4(quad[1]!) ?? [];
    text = text.slice(0, -quad[1]!.length);
    if (text.endsWith(':') && !text.endsWith('::')) text = text.slice(0, -1);
  }
  const want = 8 - tail.length / 2;
  if (text.includes('::')) {
    const [head, rest] = text.split('::') as [string, string];
    const h = head ? head.split(':') : [];
    const r = rest ? rest.split(':') : [];
    groups = [...h, ...new Array<string>(want - h.length - r.length).fill('0'), ...r];
  } else {
    groups = text ? text.split(':') : [];
  }
  if (groups.length !== want) return null;
  const bytes: number[] = [];
  for (const g of groups) {
    const n = parseInt(g || '0', 16);
    bytes.push(n >> 8, n & 0xff);
  }
  return [...bytes, ...tail];
}

function classifyV4(bytes: number[]): AddressKind | null {
  for (const r of V4_RANGES) if (inRange(bytes, r)) return r[2];
  return null;
}

/** IPv4 addresses carried inside IPv6 ones: mapped, translated, compatible, NAT64 and 6to4. */
function embeddedV4(b: number[]): number[] | null {
  const zeros = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return b.slice(12); // ::ffff:a.b.c.d
  if (zeros(0, 8) && b[8] === 0xff && b[9] === 0xff && zeros(10, 12)) return b.slice(12); // ::ffff:0:a.b.c.d (SIIT)
  if (zeros(0, 12) && !zeros(12, 16)) return b.slice(12); // ::a.b.c.d (deprecated "compatible")
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(4, 12)) return b.slice(12); // 64:ff9b::/96
  if (b[0] === 0x20 && b[1] === 0x02) return b.slice(2, 6); // 2002::/16 6to4
  return null;
}

/** Why an address may not be reached without an allow-list entry, or null for an ordinary public address. */
export function classifyAddress(address: string): AddressKind | null {
  const v4 = parseIPv4(address);
  if (v4) return classifyV4(v4);
  const v6 = parseIPv6(address);
  if (!v6) return 'reserved';
  for (const r of V6_RANGES) if (inRange(v6, r)) return r[2];
  const inner = embeddedV4(v6);
  if (inner) return classifyV4(inner);
  // The rest of ::/8 is reserved by the IETF; nothing public lives there.
  return v6[0] === 0 ? 'reserved' : null;
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
  constructor(message: string, readonly kind: AddressKind, readonly address?: string) {
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
    if (opts?.all) cb(null, addresses.map((a) => ({ address: a.address, family: a.family })));
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
  const encoding = String(res.headers['content-encoding'] ?? '').trim().toLowerCase();
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
      reject(err instanceof UserError || err instanceof RefusedError || err instanceof UnreachableError ? err : new UnreachableError(describeNetworkError(err, url.href)));
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
        resolve({ status: res.statusCode ?? 0, rawHeaders: res.rawHeaders, headers: lower, setCookies: Array.isArray(setCookie) ? setCookie : [], body: Buffer.concat(chunks) });
      });
    });
    r.end(req.body);
  });
}
