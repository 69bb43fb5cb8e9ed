/** What every handler gets besides its request: the state, the fault knobs, the ledger, a clock. */
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
}

export interface EmuContext {
  state: EmulatorState;
  faults: Faults;
  ledger: LedgerEntry[];
  /** Routes a request through faults, ledger and handlers (used by `$batch` for its sub-requests). */
  dispatch(req: EmuRequest): Promise<EmuResponse>;
}
