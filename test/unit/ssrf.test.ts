/**
 * The SSRF guard (behaviour.md 30): a corpus of internal addresses in every spelling, other schemes
 * and redirect tricks, all refused before a byte is sent; allow-listed origins reached even on
 * loopback; one resolution per hop, and the connection goes to the address that was checked.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendGuarded } from '../../handlers/azure-api/http/send';
import { RefusedError } from '../../handlers/kit/errors';
import { classifyAddress, SsrfGuard, type ResolvedAddress } from '../../handlers/kit/ssrf';

interface Listening {
  server: Server;
  port: number;
  connections: number;
  hosts: string[];
}

async function listen(handler: Parameters<typeof createServer>[1]): Promise<Listening> {
  const server = createServer(handler);
  const l: Listening = { server, port: 0, connections: 0, hosts: [] };
  server.on('connection', () => l.connections++);
  server.on('request', (req) => l.hosts.push(String(req.headers.host)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  l.port = (server.address() as AddressInfo).port;
  return l;
}

let allowed: Listening;
let canary: Listening;
const resolutions: string[] = [];

/** A DNS stand-in: names an attacker controls, and the answers they would give. */
const dns: Record<string, ResolvedAddress[] | ResolvedAddress[][]> = {
  'evil.test': [{ address: '10.0.0.5', family: 4 }],
  'meta.evil.test': [{ address: '169.254.169.254', family: 4 }],
  'v6.evil.test': [{ address: '::1', family: 6 }],
  'mapped.evil.test': [{ address: '::ffff:127.0.0.1', family: 6 }],
  'mixed.evil.test': [
    { address: '93.184.215.14', family: 4 },
    { address: '127.0.0.1', family: 4 },
  ],
  'cgnat.evil.test': [{ address: '100.64.1.1', family: 4 }],
  'pinned.test': [{ address: '127.0.0.1', family: 4 }],
  // Answers 127.0.0.1 first, then a private address: only the first answer may ever be used.
  'rebind.test': [[{ address: '127.0.0.1', family: 4 }], [{ address: '10.9.9.9', family: 4 }]],
};
const seen = new Map<string, number>();
async function resolver(host: string): Promise<ResolvedAddress[]> {
  resolutions.push(host);
  const answer = dns[host];
  if (!answer) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  if (Array.isArray(answer[0])) {
    const n = seen.get(host) ?? 0;
    seen.set(host, n + 1);
    return (answer as ResolvedAddress[][])[Math.min(n, answer.length - 1)]!;
  }
  return answer as ResolvedAddress[];
}

let guard: SsrfGuard;

beforeAll(async () => {
  allowed = await listen((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.pathname === '/to') {
      res.writeHead(302, { location: u.searchParams.get('u') ?? '/' });
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('reached');
  });
  canary = await listen((_req, res) => res.end('canary reached'));
  guard = new SsrfGuard({
    allowList: [`http://127.0.0.1:${allowed.port}`, `http://pinned.test:${allowed.port}`, `http://rebind.test:${allowed.port}`],
    resolver,
  });
});

afterAll(async () => {
  await Promise.all([allowed, canary].map((l) => new Promise((r) => l.server.close(r))));
});

describe('address classification', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.0.1', 'private'],
    ['fd00::1', 'private'],
    ['fd00:ec2::254', 'private'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['100.64.0.1', 'CGNAT'],
    ['100.100.100.200', 'CGNAT'],
    ['224.0.0.251', 'multicast'],
    ['ff02::1', 'multicast'],
    ['168.63.129.16', 'metadata'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['2002:a00:1::', 'private'],
    ['192.0.0.192', 'reserved'],
    ['240.0.0.1', 'reserved'],
  ])('%s is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it.each(['8.8.8.8', '20.190.160.1', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('%s is public', (address) => {
    expect(classifyAddress(address)).toBeNull();
  });

  it.each([
    ['[fe80::1%eth0]', 'link-local'],
    ['::ffff:0:10.0.0.1', 'private'],
    ['::a00:1', 'private'],
    ['64:ff9b:1::808:808', 'private'],
    ['64:ff9b::a00:1', 'private'],
    ['2001::1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['3fff::1', 'reserved'],
    ['100::1', 'reserved'],
    ['fec0::1', 'private'],
    ['2002:a9fe:a9fe::', 'link-local'],
    ['2002:a83f:8110::', 'metadata'],
    ['::ffff:100.64.0.1', 'CGNAT'],
    ['not an address', 'reserved'],
  ])('%s (embedded, documentation and other special IPv6 forms) is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it.each(['64:ff9b::808:808', '2002:808:808::', '192.31.196.1', '2001:4860:4860::8888'])('%s is public', (address) => {
    expect(classifyAddress(address)).toBeNull();
  });
});

describe('refused before a byte is sent', () => {
  const corpus = (): string[] => {
    const p = canary.port;
    return [
      `http://127.0.0.1:${p}/`,
      'http://localhost/',
      `http://localhost:${p}/`,
      'http://LOCALHOST./admin',
      'http://app.localhost/',
      'http://127.1/',
      'http://127.0.1/',
      'http://0x7f000001/',
      'http://0x7f.0x0.0x0.0x1/',
      'http://2130706433/',
      'http://0177.0.0.1/',
      'http://017700000001/',
      'http://0/',
      'http://0.0.0.0/',
      'http://[::]/',
      'http://[::1]/',
      `http://[::1]:${p}/`,
      'http://[::ffff:127.0.0.1]/',
      'http://[0:0:0:0:0:ffff:7f00:1]/',
      'http://[::127.0.0.1]/',
      'http://[::ffff:0:127.0.0.1]/',
      'http://[0000::1]/',
      'http://127.0.0.1./',
      'http://%31%32%37.0.0.1/',
      'http://１２７.０.０.１/',
      'http://127.0.0.1:80\\@evil.test/',
      'http://10.0.0.1/',
      'http://172.16.5.4/',
      'http://192.168.1.1/',
      'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
      'http://169.254.169.254/metadata/instance?api-version=2021-02-01',
      'http://2852039166/',
      'http://0xa9fea9fe/',
      'http://0251.0376.0251.0376/',
      'http://[::ffff:a9fe:a9fe]/',
      'http://[fd00:ec2::254]/latest/meta-data/',
      'http://[fe80::1]/',
      'http://[64:ff9b::a9fe:a9fe]/',
      'http://[2002:7f00:1::]/',
      'http://100.100.100.200/latest/meta-data/',
      'http://168.63.129.16/machine?comp=goalstate',
      'http://metadata.google.internal/computeMetadata/v1/',
      'http://metadata/',
      'http://224.0.0.1/',
      'http://[ff02::1]/',
      'http://255.255.255.255/',
      'https://evil.test/',
      'http://meta.evil.test/',
      'http://v6.evil.test/',
      'http://mapped.evil.test/',
      'http://mixed.evil.test/',
      'http://cgnat.evil.test/',
      `http://user:pass@127.0.0.1:${p}/`,
      'file:///etc/passwd',
      `gopher://127.0.0.1:${p}/_INFO`,
      'ftp://10.0.0.1/',
      'dict://127.0.0.1:11211/stat',
      'ldap://127.0.0.1/',
      'data:text/plain,hello',
    ];
  };

  it('has a corpus of at least 30 addresses', () => {
    expect(corpus().length).toBeGreaterThanOrEqual(30);
  });

  it('refuses every address of the corpus with a one-line reason naming it', async () => {
    const failures: string[] = [];
    for (const url of corpus()) {
      try {
        await guard.check(url);
        failures.push(`${url}: allowed`);
      } catch (err) {
        if (!(err instanceof RefusedError)) failures.push(`${url}: ${(err as Error).message}`);
        else if (!/^Request to \S+ refused: .+\.$/.test(err.message) || err.message.includes('\n')) failures.push(`${url}: ${err.message}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('names the address and why, as behaviour.md 30 shows', async () => {
    await expect(guard.check('http://169.254.169.254/')).rejects.toThrow(
      "Request to http://169.254.169.254/ refused: link-local address not on this environment's allow-list.",
    );
    await expect(guard.check('http://evil.test/x')).rejects.toThrow(
      "Request to http://evil.test/ refused: private address 10.0.0.5 not on this environment's allow-list.",
    );
    await expect(guard.check('file:///etc/passwd')).rejects.toThrow('refused: only http:// and https:// URLs are allowed.');
  });

  it('sends nothing to any of them', async () => {
    const before = canary.connections;
    for (const url of corpus()) {
      await sendGuarded(
        { method: 'GET', url, headers: {} },
        { guard, followRedirects: true, timeoutMs: 2000, verifySsl: true, maxBytes: 1e6, tokenFor: async () => undefined },
      ).catch(() => undefined);
    }
    expect(canary.connections).toBe(before);
  });

  it('refuses the same host on a port that is not allow-listed', async () => {
    await expect(guard.check(`http://127.0.0.1:${canary.port}/`)).rejects.toThrow(`Request to http://127.0.0.1:${canary.port}/ refused: loopback address`);
    await expect(guard.check(`https://127.0.0.1:${allowed.port}/`)).rejects.toThrow(RefusedError);
  });
});

describe('redirects', () => {
  const send = (url: string) =>
    sendGuarded(
      { method: 'GET', url, headers: {} },
      { guard, followRedirects: true, timeoutMs: 2000, verifySsl: true, maxBytes: 1e6, tokenFor: async () => undefined },
    );

  const tricks = (): string[] => {
    const p = canary.port;
    return [
      `http://127.0.0.1:${p}/`,
      `//127.0.0.1:${p}/`,
      `http://localhost:${p}/`,
      `http://[::1]:${p}/`,
      `http://0x7f000001:${p}/`,
      `http://2130706433:${p}/`,
      `http://[::ffff:7f00:1]:${p}/`,
      'http://169.254.169.254/latest/meta-data/',
      'http://[fd00:ec2::254]/',
      'http://10.0.0.1/',
      `http://evil.test:${p}/`,
      'file:///etc/passwd',
      `gopher://127.0.0.1:${p}/_x`,
      // A chain: allow-listed → allow-listed → internal.
      `http://127.0.0.1:${allowed.port}/to?u=${encodeURIComponent(`http://127.0.0.1:${p}/`)}`,
    ];
  };

  it.each([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13])('redirect trick %#: refused before the target gets a byte', async (i) => {
    const target = tricks()[i]!;
    const before = canary.connections;
    const err = await send(`http://127.0.0.1:${allowed.port}/to?u=${encodeURIComponent(target)}`).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RefusedError);
    expect((err as Error).message).toMatch(/^Redirect to \S+ refused: /);
    expect(canary.connections).toBe(before);
  });

  it('follows a redirect between allow-listed origins', async () => {
    const res = await send(`http://127.0.0.1:${allowed.port}/to?u=${encodeURIComponent(`http://pinned.test:${allowed.port}/ok`)}`);
    expect(res.response.status).toBe(200);
    expect(res.response.body.toString()).toBe('reached');
    expect(res.redirects).toEqual([`http://127.0.0.1:${allowed.port}/to?u=${encodeURIComponent(`http://pinned.test:${allowed.port}/ok`)}`]);
  });
});

describe('allow-listed origins and pinning', () => {
  it('reaches an allow-listed origin on loopback', async () => {
    const pinned = await guard.check(`http://127.0.0.1:${allowed.port}/x`);
    expect(pinned.allowListed).toBe(true);
    const res = await sendGuarded(
      { method: 'GET', url: `http://127.0.0.1:${allowed.port}/x`, headers: {} },
      { guard, followRedirects: false, timeoutMs: 2000, verifySsl: true, maxBytes: 1e6, tokenFor: async () => undefined },
    );
    expect(res.response.body.toString()).toBe('reached');
  });

  it('resolves once and connects to the address it checked (no DNS rebinding)', async () => {
    resolutions.length = 0;
    const opts = { guard, followRedirects: false, timeoutMs: 2000, verifySsl: true, maxBytes: 1e6, tokenFor: async () => undefined };
    const res = await sendGuarded({ method: 'GET', url: `http://rebind.test:${allowed.port}/r`, headers: {} }, opts);
    expect(res.response.body.toString()).toBe('reached');
    expect(resolutions).toEqual(['rebind.test']);
    // The name never resolves through the system's DNS: the connection went to the checked 127.0.0.1.
    expect(allowed.hosts).toContain(`rebind.test:${allowed.port}`);
  });

  it('refuses a name whose second answer is internal even when the first is public', async () => {
    await expect(guard.check('http://mixed.evil.test/')).rejects.toThrow('loopback address 127.0.0.1');
  });

  it('an allow-list entry does not open other ports, schemes or hosts', async () => {
    const g = new SsrfGuard({ allowList: ['http://127.0.0.1:1'] });
    await expect(g.check('http://127.0.0.1:2/')).rejects.toThrow(RefusedError);
    await expect(g.check('https://127.0.0.1:1/')).rejects.toThrow(RefusedError);
    await expect(g.check('http://127.0.0.2:1/')).rejects.toThrow(RefusedError);
  });
});
