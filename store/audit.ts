/** The audit log: every admin change, vote and outcome, never with a secret in it. */
import type { Redis } from 'ioredis';
import { maskSecrets } from '../lib/log';
import { Keys } from './keys';

export interface AuditEntry {
  at: string;
  environment?: string;
  actor: string;
  event: string;
  detail?: string;
}

const MAX_ENTRIES = 100_000;

export class AuditLog {
  private readonly keys: Keys;

  constructor(private readonly redis: Redis, prefix: string) {
    this.keys = new Keys(prefix);
  }

  async write(entry: Omit<AuditEntry, 'at'>): Promise<void> {
    const full: AuditEntry = { at: new Date().toISOString(), ...entry, detail: entry.detail && maskSecrets(entry.detail) };
    await this.redis.multi().lpush(this.keys.audit(), JSON.stringify(full)).ltrim(this.keys.audit(), 0, MAX_ENTRIES - 1).exec();
  }

  async since(sinceMs: number, environment?: string, limit = 200): Promise<AuditEntry[]> {
    const raw = await this.redis.lrange(this.keys.audit(), 0, limit * 5);
    return raw
      .map((r) => JSON.parse(r) as AuditEntry)
      .filter((e) => Date.parse(e.at) >= sinceMs && (!environment || e.environment === environment))
      .slice(0, limit);
  }
}
