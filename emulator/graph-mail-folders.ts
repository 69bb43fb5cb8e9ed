/** `/users/{u}/mailFolders[/{id|wellKnown}[/childFolders|/messages…]]`: list, get and create folders. */
import { badRequest, byMethod, contextUrl, missingId, readJson, segmentNotFound, type GraphCall, type Obj } from './graph-call';
import { collection } from './graph-collection';
import { messagesRoute } from './graph-mail-messages';
import { attachmentSize } from './graph-message-json';
import { graphError, json, type EmuResponse } from './http';
import { folderByIdOrWellKnown, type Folder, type Mailbox } from './mailbox';
import { applySelect } from './odata';

function folderJson(mb: Mailbox, f: Folder): Obj {
  const msgs = [...mb.messages.values()].filter((m) => m.folderId === f.id);
  return {
    id: f.id,
    displayName: f.displayName,
    parentFolderId: f.parentFolderId,
    childFolderCount: [...mb.folders.values()].filter((c) => c.parentFolderId === f.id).length,
    unreadItemCount: msgs.filter((m) => !m.isRead).length,
    totalItemCount: msgs.length,
    sizeInBytes: msgs.reduce((n, m) => n + m.body.content.length + m.attachments.reduce((s, a) => s + attachmentSize(a), 0), 0),
    isHidden: f.isHidden,
  };
}

function listFolders(g: GraphCall, mb: Mailbox, parent: Folder, tail: string): EmuResponse {
  const hidden = g.req.query.get('includeHiddenFolders') === 'true';
  const items = [...mb.folders.values()].filter((f) => f.parentFolderId === parent.id && (hidden || !f.isHidden)).map((f) => folderJson(mb, f));
  return collection(g, items, { context: contextUrl(g, mb, tail), typeName: 'microsoft.graph.mailFolder' });
}

function createFolder(g: GraphCall, mb: Mailbox, parent: Folder): EmuResponse {
  const body = readJson(g.req);
  const name = typeof body.displayName === 'string' ? body.displayName.trim() : '';
  if (!name) return badRequest("The property 'displayName' is required.", 'ErrorInvalidParameter');
  if ([...mb.folders.values()].some((f) => f.parentFolderId === parent.id && f.displayName.toLowerCase() === name.toLowerCase())) {
    return graphError(409, 'ErrorFolderExists', 'A folder with the specified name already exists.');
  }
  const f = g.ctx.state.addFolder(mb, parent.id, name);
  return json(201, { '@odata.context': contextUrl(g, mb, 'mailFolders/$entity'), ...folderJson(mb, f) });
}

/** Routes `mailFolders/<tail>`. */
export function mailFoldersRoute(g: GraphCall, mb: Mailbox, tail: string[]): EmuResponse {
  if (tail.length === 0) {
    const root = mb.folders.get(mb.rootFolderId) as Folder;
    return byMethod(g, { GET: () => listFolders(g, mb, root, 'mailFolders'), POST: () => createFolder(g, mb, root) });
  }
  // Graph takes folder ids and well-known names (not display names).
  const folder = folderByIdOrWellKnown(mb, tail[0] as string);
  if (!folder) return missingId(tail[0] as string);
  const sub = tail.slice(1);
  if (sub.length === 0) {
    return byMethod(g, {
      GET: () =>
        json(200, {
          '@odata.context': contextUrl(g, mb, 'mailFolders/$entity'),
          ...applySelect(folderJson(mb, folder), g.req.query.get('$select'), 'microsoft.graph.mailFolder'),
        }),
    });
  }
  if (sub[0] === 'childFolders' && sub.length === 1) {
    return byMethod(g, { GET: () => listFolders(g, mb, folder, `mailFolders('${folder.id}')/childFolders`), POST: () => createFolder(g, mb, folder) });
  }
  if (sub[0] === 'messages') return messagesRoute(g, mb, folder, sub.slice(1));
  return segmentNotFound(sub[0] as string);
}
