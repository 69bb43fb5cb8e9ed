/** Identifiers and random numbers for the emulator: Graph-looking ids, GUIDs, opaque tokens, a seedable PRNG. */
import { createHash, randomBytes, randomUUID } from 'node:crypto';

/** Random bytes from a pool refilled 16 KiB at a time: one `randomBytes` call per id costs more than the id. */
let pool = Buffer.alloc(0);
let poolAt = 0;
function random(n: number): Buffer {
  if (poolAt + n > pool.length) {
    pool = randomBytes(Math.max(16384, n));
    poolAt = 0;
  }
  poolAt += n;
  return pool.subarray(poolAt - n, poolAt);
}

/** A GUID, as Microsoft writes them (lowercase, dashed). */
export function guid(): string {
  return randomUUID();
}

/** An opaque bearer/refresh token or authorization code. */
export function opaqueToken(bytes = 48): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * An Exchange-looking item id (`AAMkAG…AAA=`): URL-safe base64 as Graph's REST ids are, so it
 * fits a path segment; `=` padding kept like the real thing.
 */
export function itemId(): string {
  return `AAMkAGRlbW8${random(60).toString('base64url')}AAA=`;
}

const IMMUTABLE_PREFIX = 'AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0A';

/**
 * An Exchange-looking immutable id (`Prefer: IdType="ImmutableId"`): another string than the
 * item's first regular id, as in Exchange, so a regular id stops working once the item moves.
 */
export function immutableItemId(): string {
  return `${IMMUTABLE_PREFIX}${random(45).toString('base64url')}AAA=`;
}

/** Ids derived from a text (stable across runs), one hash for all the ids made from it. */
export interface DerivedIds {
  item(key: string): string;
  immutable(key: string): string;
  folder(key: string): string;
}

/** Item, immutable and folder ids derived from `text` (e.g. a seed and a mailbox number) and a key per id. */
export function derivedIds(text: string): DerivedIds {
  const h = createHash('sha256').update(text).digest('base64url');
  const k = (key: string): string => Buffer.from(key).toString('base64url');
  return {
    item: (key) => `AAMkAGRlbW8${h}${k(key)}AAA=`,
    immutable: (key) => `${IMMUTABLE_PREFIX}${h}${k(key)}AAA=`,
    folder: (key) => `AAMkAGRlbW8ALgAAAA${h}${k(key)}AAA=`,
  };
}

/** An Exchange-looking folder id. */
export function folderId(): string {
  return `AAMkAGRlbW8ALgAAAA${random(24).toString('base64url')}AAA=`;
}

/** A conversation id. */
export function conversationId(): string {
  return `AAQkAGRlbW8${random(24).toString('base64url')}=`;
}

/** A change key (what `@odata.etag` wraps). */
export function changeKey(): string {
  return `CQAAABYAAA${random(15).toString('base64')}`;
}

/** 32-bit seed derived from any string (stable across runs). */
export function seedFrom(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0);
}

/** A small deterministic PRNG (mulberry32): `next()` in [0, 1). */
export class Prng {
  private s: number;

  constructor(seed: number = randomBytes(4).readUInt32BE(0)) {
    this.s = seed >>> 0;
  }

  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** A GUID made from this generator (deterministic for a given seed). */
  guid(): string {
    const hex = Array.from({ length: 32 }, () => Math.floor(this.next() * 16).toString(16)).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }
}
