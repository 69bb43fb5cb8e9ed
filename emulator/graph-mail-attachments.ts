/** `/messages/{id}/attachments[/{id}[/$value]]` and `attachments/createUploadSession` (the upload itself: upload-session.ts). */
import { byMethod, contextUrl, missingId, readJson, segmentNotFound, type GraphCall } from './graph-call';
import { collection } from './graph-collection';
import { attachmentInputFromGraph } from './graph-message-input';
import { attachmentJson, messageIdOf } from './graph-message-json';
import { empty, graphError, json, text, type EmuResponse } from './http';
import type { Mailbox } from './mailbox';
import type { Message } from './message';
import { toMime } from './mime';
import { createUploadSession } from './upload-session';

/** What one `POST …/attachments` takes (Graph: "under 4 MB"). */
const MAX_POSTED_ATTACHMENT_BYTES = 4 * 1024 * 1024;

function addAttachment(g: GraphCall, m: Message, ctxBase: string): EmuResponse {
  const input = attachmentInputFromGraph(readJson(g.req));
  // https://learn.microsoft.com/graph/api/message-post-attachments: "under 4 MB"; bigger files
  // go through createUploadSession.
  if (!('item' in input) && Buffer.byteLength(input.content) > MAX_POSTED_ATTACHMENT_BYTES) {
    return graphError(
      413,
      'RequestEntityTooLarge',
      'The attachment is too large for one request (at most 4 MB): attach it through an upload session (createUploadSession).',
    );
  }
  const a = g.ctx.state.buildAttachment(input, new Date().toISOString());
  m.attachments.push(a);
  g.ctx.state.touch(m);
  return json(201, { '@odata.context': `${ctxBase}/$entity`, ...attachmentJson(g, a, false) });
}

export function attachmentOps(g: GraphCall, mb: Mailbox, m: Message, tail: string[]): EmuResponse {
  const expandItem = /itemattachment\/item/i.test(g.req.query.get('$expand') ?? '');
  const ctxBase = contextUrl(g, mb, `messages('${messageIdOf(g, m)}')/attachments`);
  const select = g.req.query.get('$select');
  const withContent = select === null || /contentbytes/i.test(`${select} ${g.req.query.get('$filter') ?? ''} ${g.req.query.get('$orderby') ?? ''}`);
  if (tail.length === 0) {
    return byMethod(g, {
      GET: () =>
        collection(
          g,
          m.attachments.map((a) => attachmentJson(g, a, expandItem, withContent)),
          { context: ctxBase, typeName: 'microsoft.graph.attachment', defaultTop: 1000 },
        ),
      POST: () => addAttachment(g, m, ctxBase),
    });
  }
  const op = tail[0] as string;
  if (tail.length === 1 && (op === 'createUploadSession' || op === 'microsoft.graph.createUploadSession')) {
    return byMethod(g, { POST: () => createUploadSession(g.req, g.ctx, mb, m, g.root) });
  }
  const a = m.attachments.find((x) => x.id === op);
  if (!a) return missingId(op);
  if (tail.length === 1) {
    return byMethod(g, {
      GET: () => json(200, { '@odata.context': `${ctxBase}/$entity`, ...attachmentJson(g, a, expandItem, withContent) }),
      DELETE: () => {
        m.attachments = m.attachments.filter((x) => x !== a);
        return empty(204);
      },
    });
  }
  if (tail[1] === '$value' && tail.length === 2 && g.req.method === 'GET') {
    return a.kind === 'file' ? text(200, a.content, a.contentType) : text(200, toMime(a.item), 'text/plain');
  }
  return segmentNotFound(tail[1] as string);
}
