/**
 * Azure API — Execute HTTP Request end to end: signed `/soar` commands into the real runtime (real
 * redis-server, real HTTP), a third-party API on 127.0.0.1 that the environment allow-lists, and
 * the Microsoft 365 emulator for Graph with the integration's token.
 */
import { isWrite } from '../../handlers/azure-api/actions/execute-http-request';
import { startAzureHarness, type AzureHarness } from '../helpers/azure-harness';
import { sampleBytes, startHttpTarget, type HttpTarget } from '../helpers/http-target';
import { startSelfSignedServer } from '../helpers/tls-server';

let h: AzureHarness;
let t: HttpTarget;

const SUCCESS = 'Successfully executed API request.';
const WAITING = 'Successfully executed API request. Waiting for expected response values.';

beforeAll(async () => {
  t = await startHttpTarget();
  h = await startAzureHarness({ asyncPollMs: 50 });
  await h.runtime.environments.setInstance('prod', 'azure-api', { 'http-allow-list': [t.url] });
});

afterAll(async () => {
  await h?.close();
  await t?.close();
});

/** `soar azure execute-http-request --url-path <url> <rest>` */
function exec(url: string, rest = ''): string {
  return `azure execute-http-request --url-path '${url}' ${rest}`.trim();
}

type Echo = { method: string; query: Record<string, string[]>; queryString: string; headers: Record<string, string>; body: string; bodyBase64: string };
const echoOf = (json: Record<string, unknown> | undefined) => json?.response_data as Echo;

describe('request building', () => {
  it('GET with the seed defaults: the six fields, default headers, no token for a third-party host', async () => {
    const r = await h.run(exec(`${t.url}/echo`));
    expect(r.text).toContain(SUCCESS);
    expect(r.text).toContain('is_success: true');
    expect(Object.keys(r.json!)).toEqual(['response_data', 'redirects', 'response_code', 'cookies', 'response_headers', 'apparent_encoding']);
    const echo = echoOf(r.json);
    expect(echo.method).toBe('GET');
    expect(echo.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(echo.headers.accept).toBe('application/json');
    expect(echo.headers.authorization).toBeUndefined();
    expect(r.json!.response_code).toBe(200);
    expect(r.json!.redirects).toEqual([]);
    expect(r.json!.cookies).toEqual({});
    expect(r.json!.apparent_encoding).toBe('ascii');
    // Header names as the server wrote them.
    expect((r.json!.response_headers as Record<string, string>)['X-Trace-Id']).toBe('trace-123');
    expect((r.json!.response_headers as Record<string, string>)['Content-Type']).toBe('application/json');
  });

  it('appends URL Params to the query string already in URL Path; a list repeats the name', async () => {
    const r = await h.run(exec(`${t.url}/echo?a=1&sorting=asc`, `--url-params '{"b": "two words", "c": ["x", "y"], "n": 3}'`));
    expect(echoOf(r.json).queryString).toBe('?a=1&sorting=asc&b=two+words&c=x&c=y&n=3');
  });

  it('sends Headers, and Cookie replaces any Cookie header in them (behaviour.md 31)', async () => {
    const r = await h.run(
      exec(`${t.url}/echo`, `--headers '{"X-Api-Key": "k-1", "Cookie": "old=1", "User-Agent": "GoogleSecops"}' --cookie '{"session": "abc", "lang": "en"}'`),
    );
    const headers = echoOf(r.json).headers;
    expect(headers['x-api-key']).toBe('k-1');
    expect(headers['user-agent']).toBe('GoogleSecops');
    expect(headers.cookie).toBe('session=abc; lang=en');
    // Headers given replace the default ones: no Content-Type unless asked for.
    expect(headers['content-type']).toBeUndefined();
  });

  it.each(['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'])('sends the %s method', async (method) => {
    const r = await h.run(exec(`${t.url}/echo`, `--method ${method}`));
    expect(r.isSuccess).toBe(true);
    const last = t.hits('/echo').pop()!;
    expect(last.method).toBe(method);
    if (method === 'HEAD') expect(r.json!.response_data).toBe('');
  });

  it('Body Payload as application/x-www-form-urlencoded: Id=123123&sorting=asc', async () => {
    const r = await h.run(
      exec(
        `${t.url}/echo`,
        `--method POST --headers '{"Content-Type": "application/x-www-form-urlencoded"}' --body-payload '{"Id": "123123", "sorting": "asc"}'`,
      ),
    );
    expect(echoOf(r.json).body).toBe('Id=123123&sorting=asc');
  });

  it('Body Payload as JSON', async () => {
    const r = await h.run(exec(`${t.url}/echo`, `--method PUT --body-payload '{"Id": "123123", "sorting": "asc"}'`));
    expect(JSON.parse(echoOf(r.json).body)).toEqual({ Id: '123123', sorting: 'asc' });
    expect(echoOf(r.json).headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('Body Payload as raw XML, passed as is', async () => {
    const xml =
      '<?xml version="1.0" encoding="utf-8"?> <soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"> <soap:Body> <NumberToWords xmlns="http://www.dataaccess.com/webservicesserver/"> <ubiNum>500</ubiNum> </NumberToWords> </soap:Body> </soap:Envelope>';
    const r = await h.run(exec(`${t.url}/echo`, `--method POST --headers '{"Content-Type": "text/xml; charset=utf-8"}' --body-payload '${xml}'`));
    expect(echoOf(r.json).body).toBe(xml);
  });

  it('uploads a file given as base64: decoded for a binary Content-Type, kept as text inside JSON', async () => {
    const file = sampleBytes(3000);
    const b64 = file.toString('base64');
    const raw = await h.run(exec(`${t.url}/echo`, `--method POST --headers '{"Content-Type": "image/png"}' --body-payload '${b64}'`));
    expect(echoOf(raw.json).bodyBase64).toBe(b64);
    const inJson = await h.run(exec(`${t.url}/echo`, `--method POST --body-payload '{"name": "logo.png", "content": "${b64}"}'`));
    expect(JSON.parse(echoOf(inJson.json).body)).toEqual({ name: 'logo.png', content: b64 });
  });

  it('refuses JSON parameters that are not JSON objects, naming the parameter', async () => {
    const r = await h.run(exec(`${t.url}/echo`, `--url-params '["a"]'`));
    expect(r.text).toContain('Failed to execute API request. Error: Parameter URL Params must be a JSON object');
    expect(r.isSuccess).toBe(false);
  });
});

describe('responses', () => {
  it('Follow Redirects lists the redirects; off, it returns the redirect itself', async () => {
    const start = `${t.url}/redirect?to=${encodeURIComponent('/redirect?code=307&to=/echo')}`;
    const followed = await h.run(exec(start));
    expect(followed.json!.response_code).toBe(200);
    expect(followed.json!.redirects).toEqual([start, `${t.url}/redirect?code=307&to=/echo`]);
    expect(echoOf(followed.json).headers.cookie).toBe('hop=1');
    const kept = await h.run(exec(start, '--follow-redirects=false'));
    expect(kept.text).toContain(SUCCESS);
    expect(kept.json!.response_code).toBe(302);
    expect((kept.json!.response_headers as Record<string, string>).Location).toBe('/redirect?code=307&to=/echo');
    expect(kept.json!.cookies).toEqual({ hop: '1' });
  });

  it('a 303 after POST becomes a GET without the body; a 307 keeps both', async () => {
    const see = await h.run(exec(`${t.url}/redirect?code=303&to=/echo`, `--method POST --body-payload '{"a": 1}'`));
    expect(echoOf(see.json).method).toBe('GET');
    expect(echoOf(see.json).body).toBe('');
    const temp = await h.run(exec(`${t.url}/redirect?code=307&to=/echo`, `--method POST --body-payload '{"a": 1}'`));
    expect(echoOf(temp.json).method).toBe('POST');
    expect(echoOf(temp.json).body).toBe('{"a":1}');
  });

  it('Fail on 4xx/5xx: on by default, the remote reason in one line; off, the seed success with the code', async () => {
    const failing = await h.run(exec(`${t.url}/status/404`));
    expect(failing.text).toContain('Failed to execute API request. Error: HTTP 404: Nope: status 404');
    expect(failing.isSuccess).toBe(false);
    const tolerated = await h.run(exec(`${t.url}/status/503`, '--fail-on-4xx-5xx=false'));
    expect(tolerated.text).toContain('Successfully executed API request, but the status code 503 was returned. Please check the request or try again later.');
    expect(tolerated.isSuccess).toBe(true);
    expect(tolerated.json!.response_code).toBe(503);
  });

  it('Fields To Return selects fields; response_cookies is the cookies field', async () => {
    const r = await h.run(exec(`${t.url}/cookies`, '--fields-to-return response_code,response_cookies'));
    expect(r.json).toEqual({ response_code: 200, cookies: { session: 's3cr3t', theme: 'dark' } });
    const bad = await h.run(exec(`${t.url}/cookies`, '--fields-to-return response_code,body'));
    expect(bad.text).toContain('Failed to execute API request. Error: Parameter Fields To Return: unknown field "body".');
  });

  it('text, UTF-8 and gzip bodies; apparent_encoding', async () => {
    const [text, utf8, gzip] = await Promise.all([h.run(exec(`${t.url}/text`)), h.run(exec(`${t.url}/utf8`)), h.run(exec(`${t.url}/gzip`))]);
    expect(text.json!.response_data).toBe('plain text body');
    expect(utf8.json!.response_data).toBe('Grüße — ✓');
    expect(utf8.json!.apparent_encoding).toBe('utf-8');
    expect(gzip.json!.response_data).toEqual({ compressed: true });
  });

  it('Base64 Output replaces response_data with the body in base64', async () => {
    const r = await h.run(exec(`${t.url}/bytes?n=5000`, '--base64-output'));
    expect(r.json!.response_data).toBe(sampleBytes(5000).toString('base64'));
  });

  it('Base64 Output above 15 MB is refused with a clear message', async () => {
    const started = Date.now();
    const r = await h.run(exec(`${t.url}/big?mb=12`, '--base64-output'), { timeoutMs: 30000 });
    expect(r.isSuccess).toBe(false);
    expect(r.text).toContain('Failed to execute API request. Error: The response is too large for Base64 Output: its base64 form would exceed 15 MB.');
    expect(Date.now() - started).toBeLessThan(15000);
    // Without Base64 Output the same body is fine.
    const plain = await h.run(exec(`${t.url}/big?mb=12`, '--fields-to-return response_code'), { timeoutMs: 30000 });
    expect(plain.json).toEqual({ response_code: 200 });
  });

  it('Request Timeout aborts a server that does not answer in time', async () => {
    const started = Date.now();
    const r = await h.run(exec(`${t.url}/slow?ms=4000`, '--request-timeout 1'));
    expect(r.text).toMatch(/Failed to execute API request\. Error: Request to 127\.0\.0\.1:\d+ timed out\./);
    expect(Date.now() - started).toBeLessThan(3500);
  });
});

describe('Verify SSL', () => {
  it('refuses a self-signed certificate unless Verify SSL is off', async () => {
    const tls = await startSelfSignedServer();
    try {
      await h.runtime.environments.setInstance('prod', 'azure-api', { 'http-allow-list': [t.url, tls.url] });
      const strict = await h.run(exec(`${tls.url}/`));
      expect(strict.text).toContain('Failed to execute API request. Error: TLS certificate verification failed for 127.0.0.1');
      await h.runtime.environments.setInstance('prod', 'azure-api', { 'verify-ssl': false });
      const relaxed = await h.run(exec(`${tls.url}/`));
      expect(relaxed.json!.response_data).toEqual({ value: [{ id: 'org-1', displayName: 'Self-signed Org' }] });
    } finally {
      await h.runtime.environments.setInstance('prod', 'azure-api', { 'verify-ssl': true, 'http-allow-list': [t.url] });
      await tls.close();
    }
  });
});

describe('Expected Response Values (async)', () => {
  const polls = (id: string) => t.hits(`/poll/${id}`).length;

  it('single value: polls until the field reaches it, showing the waiting message meanwhile', async () => {
    const r = await h.run(exec(`${t.url}/poll/single?finishAt=3&innerAt=3`, `--expected-response-values '{"state": "finished"}'`));
    expect(r.text).toContain(SUCCESS);
    expect(r.isSuccess).toBe(true);
    expect(polls('single')).toBe(3);
    expect((r.json!.response_data as { state: string }).state).toBe('finished');
    expect(h.history(r.jobId).some((line) => line.startsWith(WAITING))).toBe(true);
  });

  it('list of values (OR): stops on the first of them', async () => {
    const r = await h.run(exec(`${t.url}/poll/or?errorAt=2&innerAt=1`, `--expected-response-values '{"state": ["finished", "error"]}'`));
    expect(r.isSuccess).toBe(true);
    expect(polls('or')).toBe(2);
    expect((r.json!.response_data as { state: string }).state).toBe('error');
  });

  it('several fields (AND): waits until all hold at once', async () => {
    const r = await h.run(exec(`${t.url}/poll/and?finishAt=2&fullAt=4&innerAt=1`, `--expected-response-values '{"state": "finished", "percentage": "100"}'`));
    expect(r.isSuccess).toBe(true);
    expect(polls('and')).toBe(4);
  });

  it('combined: a list for one field and a value for another', async () => {
    const r = await h.run(
      exec(`${t.url}/poll/comb?errorAt=2&fullAt=3&innerAt=1`, `--expected-response-values '{"state": ["finished", "error"], "percentage": "100"}'`),
    );
    expect(r.isSuccess).toBe(true);
    expect(polls('comb')).toBe(3);
  });

  it('every occurrence of a key at any depth must match', async () => {
    // Top-level "state" is finished from call 2, the nested data.state only from call 4.
    const r = await h.run(exec(`${t.url}/poll/deep?finishAt=2&innerAt=4`, `--expected-response-values '{"state": "finished"}'`));
    expect(r.isSuccess).toBe(true);
    expect(polls('deep')).toBe(4);
  });

  it('fails at --timeout naming what was still missing', async () => {
    const r = await h.run(exec(`${t.url}/poll/never`, `--expected-response-values '{"state": "finished"}' --timeout 1s`));
    expect(r.isSuccess).toBe(false);
    expect(r.text).toContain(
      'Failed to execute API request. Error: the expected response values were not returned before the timeout. Last response: HTTP 200; state is "running"',
    );
    expect(polls('never')).toBeGreaterThan(1);
  });

  it('a key absent from the response keeps it waiting', async () => {
    const r = await h.run(exec(`${t.url}/echo`, `--expected-response-values '{"status": "done"}' --timeout 1s`));
    expect(r.text).toContain('status not in the response (expected "done")');
  });
});

describe('Microsoft Graph through the emulator', () => {
  it('adds the integration token for the configured Graph root', async () => {
    const r = await h.run(exec(`${h.emulator.url}/v1.0/organization`));
    expect(r.text).toContain(SUCCESS);
    const data = r.json!.response_data as { value: Array<{ id: string }> };
    expect(data.value.length).toBeGreaterThan(0);
  });

  it('takes a path relative to the Microsoft Graph API Root', async () => {
    const r = await h.run(exec('/v1.0/users', `--url-params '{"$top": "2", "$select": "userPrincipalName"}'`));
    const data = r.json!.response_data as { value: Array<{ userPrincipalName: string }> };
    expect(data.value).toHaveLength(2);
    expect(Object.keys(data.value[0]!)).toEqual(expect.arrayContaining(['userPrincipalName']));
  });

  it('a Graph error is the failure reason', async () => {
    const r = await h.run(exec(`${h.emulator.url}/v1.0/users/nobody@nowhere.example`));
    expect(r.isSuccess).toBe(false);
    expect(r.text).toMatch(/Failed to execute API request\. Error: HTTP 404: \w+/);
  });

  it('the token goes to configured hosts only: a redirect into Graph gets it, the third-party API never does', async () => {
    const r = await h.run(exec(`${t.url}/redirect?to=${encodeURIComponent(`${h.emulator.url}/v1.0/organization`)}`));
    expect(r.json!.response_code).toBe(200);
    expect(r.json!.redirects).toHaveLength(1);
    expect(t.requests.length).toBeGreaterThan(10);
    expect(t.requests.every((q) => q.headers.authorization === undefined)).toBe(true);
  });
});

describe('SSRF guard in the action', () => {
  it('refuses a metadata address with the behaviour.md 30 message', async () => {
    const r = await h.run(exec('http://169.254.169.254/latest/meta-data/'));
    expect(r.text).toContain(
      "Failed to execute API request. Error: Request to http://169.254.169.254/ refused: link-local address not on this environment's allow-list.",
    );
    expect(r.isSuccess).toBe(false);
  });

  it('refuses a redirect from an allow-listed origin into loopback on another port', async () => {
    const other = h.url; // chatsoar itself, on 127.0.0.1 but another port
    const r = await h.run(exec(`${t.url}/redirect?to=${encodeURIComponent(`${other}/healthz`)}`));
    expect(r.text).toContain(`Failed to execute API request. Error: Redirect to ${other}/ refused: loopback address not on this environment's allow-list.`);
  });

  it('refuses other schemes', async () => {
    const r = await h.run(exec('file:///etc/passwd'));
    expect(r.text).toContain('Failed to execute API request. Error: Request to file:///etc/passwd refused: only http:// and https:// URLs are allowed.');
  });
});

describe('four-eyes hook', () => {
  it.each([
    ['GET', false],
    ['HEAD', false],
    ['POST', true],
    ['PUT', true],
    ['PATCH', true],
    ['DELETE', true],
    ['OPTIONS', true],
    [undefined, false],
  ])('isWrite(%s) is %s', (method, write) => {
    expect(isWrite(method === undefined ? {} : { method })).toBe(write);
  });
});
