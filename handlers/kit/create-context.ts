/**
 * The one way an ActionContext is built: by the action worker for a job, by the dialogs' Ping
 * before saving, and over a schedule's context for clients written for actions.
 */
import type { ActionContext, FileStore } from './context';
import { UserError } from './errors';

/** What a caller must give; progress, attempt and saving a rotated secret have do-nothing defaults. */
export type ActionContextParts = Omit<ActionContext, 'progress' | 'attempt' | 'saveInstanceParam'> &
  Partial<Pick<ActionContext, 'progress' | 'attempt' | 'saveInstanceParam'>>;

export function createActionContext(parts: ActionContextParts): ActionContext {
  return {
    ...parts,
    progress: parts.progress ?? (async () => undefined),
    attempt: parts.attempt ?? 0,
    saveInstanceParam: parts.saveInstanceParam ?? (async () => undefined),
  };
}

/** A files root that refuses every use with `reason` (a context that has no files, e.g. testing settings). */
export function noFiles(reason: string): FileStore {
  const refuse = (): never => {
    throw new UserError(reason);
  };
  return { root: '', resolve: refuse, write: async () => refuse() };
}
