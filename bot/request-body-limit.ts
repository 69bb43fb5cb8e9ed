/**
 * The request body limit of every route, enforced before a route reads a byte: a declared
 * Content-Length over the limit is answered 413 at once, a body without one (chunked) is counted
 * as the HTTP parser hands it over and its connection is cut at the limit, and compressed bodies
 * are refused (restify's body reader inflates gzip without bound).
 */
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { Next, Request, Response } from 'restify';

export const MAX_REQUEST_BODY_BYTES = 1024 * 1024;

type Push = IncomingMessage['push'];

/** A restify `pre` handler (runs before routing, so before any body parser or bolt). */
export function limitRequestBody(log: Logger, limit = MAX_REQUEST_BODY_BYTES) {
  const megabytes = Math.round((limit / 1024 / 1024) * 10) / 10;
  return (req: Request, res: Response, next: Next): void => {
    const refuse = (status: number, message: string): void => {
      // The body stays unread, so the connection cannot carry another request.
      res.setHeader('Connection', 'close');
      res.send(status, { error: message });
      next(false);
    };
    const declared = req.headers['content-length'];
    if (declared !== undefined && !(Number(declared) <= limit)) {
      log.warn(
        {
          path: String(req.url ?? '')
            .split('?')[0]!
            .slice(0, 200),
          contentLength: String(declared).slice(0, 40),
          remote: req.socket?.remoteAddress,
        },
        'request body over the limit refused',
      );
      refuse(413, `The request body is larger than ${megabytes} MB.`);
      return;
    }
    const encoding = String(req.headers['content-encoding'] ?? 'identity')
      .trim()
      .toLowerCase();
    if (encoding !== 'identity') {
      refuse(415, 'Compressed request bodies are not accepted: send it without Content-Encoding.');
      return;
    }
    // Bytes the parser already buffered (they arrived with the headers) count too.
    let received = req.readableLength;
    const push: Push = req.push;
    // The HTTP parser hands every body chunk to push(): counting here sees the bytes whatever
    // reads them later (restify's body parser, bolt's raw-body) and before they are kept.
    req.push = function countedPush(this: IncomingMessage, chunk: unknown, enc?: BufferEncoding): boolean {
      if (chunk !== null && chunk !== undefined) {
        received += (chunk as Buffer).length;
        if (received > limit) {
          if (!req.destroyed) {
            log.warn(
              {
                path: String(req.url ?? '')
                  .split('?')[0]!
                  .slice(0, 200),
                remote: req.socket?.remoteAddress,
              },
              'request body over the limit: connection cut',
            );
            req.socket?.destroy();
          }
          return false;
        }
      }
      return push.call(this, chunk, enc);
    };
    next();
  };
}
