/**
 * Secrets typed in a dialog whose submit did not save (a field error, a failed Ping): kept
 * sealed in Redis for 15 minutes under a random id, so the admin does not type them again.
 * Only the id travels in the dialog's state; the value is never sent back to a client.
 */
import { randomBytes } from 'node:crypto';
import type { EnvironmentStore } from '../../store/environments';

const TTL_SECONDS = 15 * 60;
const ID = /^[A-Za-z0-9_-]{16,64}$/;

/** A draft's secrets open only under its own id. */
function draftContext(id: string): string {
  return JSON.stringify(['admin-draft', id]);
}

export class SecretDrafts {
  constructor(private readonly store: EnvironmentStore) {}

  private key(id: string): string {
    return this.store.keys.adminDraft(id);
  }

  /** Keeps `secrets` for `owner` (user + environment + integration); returns the draft id. */
  async keep(owner: string, secrets: Record<string, string>, id?: string): Promise<string | undefined> {
    if (!Object.keys(secrets).length) return id;
    const draftId = id && ID.test(id) ? id : randomBytes(18).toString('base64url');
    const previous = await this.read(owner, draftId);
    const sealed = this.store.box.seal(JSON.stringify({ owner, secrets: { ...previous, ...secrets } }), draftContext(draftId));
    await this.store.redis.set(this.key(draftId), sealed, 'EX', TTL_SECONDS);
    return draftId;
  }

  /** The secrets of a draft, or {} (unknown, expired, or another owner's). */
  async read(owner: string, id: string | undefined): Promise<Record<string, string>> {
    if (!id || !ID.test(id)) return {};
    const raw = await this.store.redis.get(this.key(id));
    if (!raw) return {};
    try {
      const draft = JSON.parse(this.store.box.open(raw, draftContext(id))) as { owner: string; secrets: Record<string, string> };
      return draft.owner === owner ? draft.secrets : {};
    } catch {
      return {};
    }
  }

  async drop(id: string | undefined): Promise<void> {
    if (id && ID.test(id)) await this.store.redis.del(this.key(id));
  }
}
