/**
 * Azure API — Execute HTTP Request (seed: azure-api 1.0; behaviour.md 25, 28, 30, 31).
 * Asynchronous when Expected Response Values is given: polls until the response body matches.
 */
import { param, slug, type ActionSpec } from '../../kit/spec';
import { runHttpRequest, httpRequestTimedOut, type HttpRequestMessages } from '../http/run';

const NAME = 'Execute HTTP Request';

/** contract.md §4: the methods accepted by Method. */
export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

/** contract.md §4 default of Fields To Return (behaviour.md 28: `response_cookies` is accepted as `cookies`). */
export const DEFAULT_FIELDS_TO_RETURN = ['response_data', 'redirects', 'response_code', 'cookies', 'response_headers', 'apparent_encoding'];

/** Methods other than GET/HEAD change things: the four-eyes rule applies to them (`execute-http-request:write`). */
export function isWrite(params: Record<string, unknown>): boolean {
  const method = String(params.method ?? 'GET').toUpperCase();
  return method !== 'GET' && method !== 'HEAD';
}

/** behaviour.md 28: the Headers default, as JSON text. */
export const DEFAULT_HEADERS = '{"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"}';

const messages = {
  success: {
    done: 'Successfully executed API request.',
    waiting: 'Successfully executed API request. Waiting for expected response values.',
    doneWithCode: 'Successfully executed API request, but the status code CODE was returned. Please check the request or try again later.',
  },
  failure: { failed: 'Failed to execute API request. Error: ERROR_REASON' },
} satisfies HttpRequestMessages;

export const spec: ActionSpec = {
  integration: 'azure-api',
  id: slug(NAME),
  name: NAME,
  description: 'Construct and execute a customized HTTP API request against a target URL.',
  params: [
    param('Method', {
      type: 'enum',
      required: false,
      options: HTTP_METHODS,
      default: 'GET',
      description: 'The HTTP method (verb) used for the request.',
    }),
    param('URL Path', {
      type: 'string',
      required: true,
      description: 'The API endpoint where the request executes. This path can optionally include query parameters.',
    }),
    param('URL Params', {
      type: 'json',
      required: false,
      description: 'The query parameters for the URL, provided as a JSON object; appended to any query parameters already in URL Path.',
    }),
    param('Headers', {
      type: 'json',
      required: false,
      default: DEFAULT_HEADERS,
      description: 'The headers for the HTTP request, provided as a JSON object.',
    }),
    param('Cookie', {
      type: 'json',
      required: false,
      description: 'The cookies of the HTTP Cookie header, as a JSON object of name to value; overrides any Cookie in Headers.',
    }),
    param('Body Payload', {
      // Kept verbatim: a JSON object (sent as JSON or form-urlencoded per Content-Type) or XML text.
      type: 'code',
      required: false,
      description: 'The content payload for the HTTP request, provided as a JSON object (or XML text); its format follows the Content-Type header.',
    }),
    param('Expected Response Values', {
      type: 'json',
      required: false,
      description: 'The JSON object containing the field-value pairs that define the required state of the response body.',
    }),
    param('Save To Case Wall', {
      type: 'boolean',
      required: false,
      default: false,
      description: 'If selected, the action saves the response data as a file (ZIP archive) and attaches it to the case wall.',
    }),
    param('Password Protect Zip', {
      type: 'boolean',
      required: false,
      default: true,
      description: 'If selected, the action encrypts the ZIP archive created using Save To Case Wall with the password "infected".',
    }),
    param('Follow Redirects', {
      type: 'boolean',
      required: false,
      default: true,
      description: 'If selected, the action automatically follows any HTTP redirect responses to the final destination URL.',
    }),
    param('Fail on 4xx/5xx', {
      type: 'boolean',
      required: false,
      default: true,
      description: 'If selected, the action fails when the HTTP response returns a 4xx or 5xx status code.',
    }),
    param('Base64 Output', {
      type: 'boolean',
      required: false,
      default: false,
      description: 'If selected, the action converts the HTTP response body into a Base64 encoded string (at most 15 MB).',
    }),
    param('Fields To Return', {
      type: 'list',
      required: true,
      default: DEFAULT_FIELDS_TO_RETURN,
      description: 'A comma-separated list of fields that the action returns in the output.',
    }),
    param('Request Timeout', {
      type: 'integer',
      required: true,
      default: 120,
      description: 'The maximum time, in seconds, the action waits for the server to send data before the request is aborted.',
    }),
  ],
  async: true,
  changesMail: true,
  writes: isWrite,
  messages,
  jsonResult: true,
  attachments: true,
  run: (ctx, params) => runHttpRequest(ctx, params, messages),
  onTimeout: (ctx) => httpRequestTimedOut(ctx, messages),
};
