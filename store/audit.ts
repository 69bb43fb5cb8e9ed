/**
 * The audit log: every admin change, vote and outcome, never with a secret in it. Kept per
 * environment (entries of no environment in a global log of their own), each a sorted set by
 * time, trimmed by age: an environment's admins read their own log and nobody else's, and a busy
 * environment cannot push another's entries out.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { maskSecrets } from '../lib/log';
import { Keys } from './keys';

export interface AuditEntry {
  /** Unique per entry, so that a SIEM importing overlapping exports can drop duplicates. */
  id?: string;
  at: string;
  environment?: string;
  actor: string;
  event: string;
  detail?: string;
}

/** Entries older than this go. */
export const AUDIT_RETENTION_MS = 365 * 86_400_000;

function parse(raw: string): AuditEntry | null {
  try {
    const e = JSON.parse(raw) as AuditEntry;
    return typeof e?.at === 'string' && typeof e.event === 'string' ? e : null;
  } catch {
    return null;
  }
}

export class AuditLog {
  private readonly keys: Keys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly retentionMs = AUDIT_RETENTION_MS,
  ) {
    this.keys = new Keys(prefix);
  }

  async write(entry: Omit<AuditEntry, 'at' | 'id'>, now = Date.now()): Promise<void> {
    const full: AuditEntry = { id: randomUUID(), at: new Date(now).toISOString(), ...entry, detail: entry.detail && maskSecrets(entry.detail) };
    const key = this.keys.audit(entry.environment || undefined);
    await this.redis
      .multi()
      .zadd(key, now, JSON.stringify(full))
      .zremrangebyscore(key, '-inf', `(${now - this.retentionMs}`)
      .exec();
  }

  /**
   * Entries since `sinceMs`, newest first: of one environment, of no environment (`null`), or,
   * for the operator's tools and tests only, of all (`undefined`).
   */
  async since(sinceMs: number, environment?: string | null, limit = 200): Promise<AuditEntry[]> {
    const keys = environment === undefined ? await this.allKeys() : [this.keys.audit(environment || undefined)];
    const from = Math.max(sinceMs, Date.now() - this.retentionMs);
    const lists = await Promise.all(keys.map((key) => this.redis.zrevrangebyscore(key, '+inf', from, 'LIMIT', 0, limit)));
    const entries = lists
      .flat()
      .map(parse)
      .filter((e): e is AuditEntry => e !== null);
    if (keys.length > 1) entries.sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
    return entries.slice(0, limit);
  }

  private async allKeys(): Promise<string[]> {
    const pattern = this.keys.environmentAudits();
    const found = new Set<string>([this.keys.audit()]);
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      for (const key of batch) found.add(key);
    } while (cursor !== '0');
    return [...found];
  }

  /**
   * Moves the entries of the single audit list of earlier versions into the per-environment
   * logs (once: the list is renamed away first, so concurrent starts do not both move it).
   */
  async migrateLegacy(): Promise<number> {
    const claimed = this.keys.legacyAuditClaim(randomUUID());
    try {
      await this.redis.rename(this.keys.legacyAudit(), claimed);
    } catch {
      return 0;
    }
    const raw = await this.redis.lrange(claimed, 0, -1);
    const tx = this.redis.multi();
    let moved = 0;
    for (const r of raw) {
      const e = parse(r);
      if (!e) continue;
      const at = Date.parse(e.at);
      tx.zadd(this.keys.audit(e.environment || undefined), Number.isFinite(at) ? at : 0, JSON.stringify(e));
      moved++;
    }
    tx.del(claimed);
    await tx.exec();
    return moved;
  }
}
