/** What every handler gets besides its request: the state, the fault knobs, the ledger (and the moves it records), a clock. */
import type { Faults } from './faults';
import type { EmuRequest, EmuResponse } from './http';
import type { EmulatorState } from './state';

/** One mutating request (any method but GET/HEAD/OPTIONS), in arrival order. */
export interface LedgerEntry {
  method: string;
  /** Path without query string, e.g. `/v1.0/users/alice@demo.onmicrosoft.com/messages/AAMk…/move`. */
  path: string;
  /** Query string without `?` ('' when none). */
  query: string;
  /** ISO time the request arrived. */
  time: string;
  /** Status answered. */
  status: number;
  /** True for a sub-request of a Graph `$batch`. */
  batch: boolean;
  /** On a request that moved a message (answered 2xx): what moved, from where, to where. */
  move?: MoveRecord;
}

/**
 * One message moved: `POST …/messages/{id}/move`, a `DELETE` (soft delete into Deleted Items) or
 * beta `markAsJunk`/`markAsNotJunk`. Ids are the regular ones (a move changes them), whatever
 * id form the request used.
 */
export interface MoveRecord {
  /** The mailbox's address (its UPN). */
  mailbox: string;
  internetMessageId: string;
  /** The message's id before the move (it no longer works afterwards) and after it. */
  oldId: string;
  newId: string;
  /** The message's immutable id (`Prefer: IdType="ImmutableId"`): the same before and after. */
  immutableId: string;
  fromFolderId: string;
  /** Display name of the source folder (`Inbox`, `Junk Email`, `Phishing`…). */
  fromFolder: string;
  toFolderId: string;
  toFolder: string;
}

const moves = new WeakMap<EmuResponse, MoveRecord>();

/** Marks a response as having moved a message; the server copies the record into the ledger. */
export function noteMove(res: EmuResponse, move: MoveRecord): EmuResponse {
  moves.set(res, move);
  return res;
}

/** The move a response carries, if any. */
export function moveOf(res: EmuResponse): MoveRecord | undefined {
  return moves.get(res);
}

export interface EmuContext {
  state: EmulatorState;
  faults: Faults;
  ledger: LedgerEntry[];
  /** Routes a request through faults, ledger and handlers (used by `$batch` for its sub-requests). */
  dispatch(req: EmuRequest): Promise<EmuResponse>;
}
