/**
 * Latency and fault injection, per path prefix. Set from code (`emu.faults.set({...})`) or over
 * HTTP (`POST /_emulator/faults`). The rule with the longest matching prefix applies; random
 * faults draw from a seedable generator so a run can be repeated.
 */
import { Prng } from './ids';

/** A canned response returned instead of the real one. */
export interface CannedFailure {
  status: number;
  /** Object → JSON; string → text. Default: the root's own error shape for that status. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FaultRule {
  /** Path prefix the rule applies to, e.g. `/v1.0/users`, `/api/v1.0`, `/demo-tenant/oauth2`. Default `/` (everything). */
  prefix?: string;
  /** Only these methods (default: all). */
  methods?: string[];
  /** Delay before answering. */
  latencyMs?: number;
  /** Probability (0..1) of answering 429 with Retry-After. */
  rate429?: number;
  /** Retry-After seconds on 429 and 503 (default 1). */
  retryAfterSeconds?: number;
  /** Probability (0..1) of answering 503. */
  rate503?: number;
  /** The next matching requests get these responses, one each, in order. */
  failNext?: CannedFailure[];
}

/** What the server should do for one request. */
export interface FaultDecision {
  latencyMs: number;
  /** A failure to answer with, or null to handle the request normally. */
  failure: { status: number; retryAfterSeconds: number | null; body?: unknown; headers?: Record<string, string> } | null;
}

function normalizePrefix(p: string | undefined): string {
  if (!p || p === '') return '/';
  return p.startsWith('/') ? p : `/${p}`;
}

function validRate(name: string, v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || Number.isNaN(v) || v < 0 || v > 1) throw new Error(`${name} must be a number between 0 and 1`);
  return v;
}

export class Faults {
  private readonly byPrefix = new Map<string, FaultRule & { prefix: string }>();
  private prng: Prng;
  private seedValue: number | null;

  constructor(seed?: number) {
    this.seedValue = seed ?? null;
    this.prng = new Prng(seed);
  }

  /**
   * Sets (replaces) the rule for `rule.prefix` (default `/`). Passing only `failNext` for a prefix
   * that already has a rule appends to its queue and keeps its other knobs.
   */
  set(rule: FaultRule): void {
    const prefix = normalizePrefix(rule.prefix);
    const clean: FaultRule & { prefix: string } = {
      prefix,
      methods: rule.methods?.map((m) => m.toUpperCase()),
      latencyMs: rule.latencyMs !== undefined ? Math.max(0, Number(rule.latencyMs)) : undefined,
      rate429: validRate('rate429', rule.rate429),
      rate503: validRate('rate503', rule.rate503),
      retryAfterSeconds: rule.retryAfterSeconds !== undefined ? Math.max(0, Number(rule.retryAfterSeconds)) : undefined,
      failNext: rule.failNext ? rule.failNext.map((f) => ({ ...f, status: Number(f.status) })) : undefined,
    };
    const onlyFailNext = Object.entries(rule).every(([k, v]) => k === 'prefix' || k === 'failNext' || v === undefined);
    const existing = this.byPrefix.get(prefix);
    if (onlyFailNext && existing) {
      existing.failNext = [...(existing.failNext ?? []), ...(clean.failNext ?? [])];
      return;
    }
    this.byPrefix.set(prefix, clean);
  }

  /** Queues canned failures for the next requests under `prefix`. */
  failNext(prefix: string, ...failures: CannedFailure[]): void {
    this.set({ prefix, failNext: failures });
  }

  /** Removes one prefix's rule, or every rule. */
  clear(prefix?: string): void {
    if (prefix === undefined) this.byPrefix.clear();
    else this.byPrefix.delete(normalizePrefix(prefix));
  }

  /** Reseeds the random generator (repeatable runs). */
  setSeed(seed: number): void {
    this.seedValue = seed;
    this.prng = new Prng(seed);
  }

  /** Removes every rule and reseeds with the same seed. */
  reset(): void {
    this.byPrefix.clear();
    this.prng = new Prng(this.seedValue ?? undefined);
  }

  rules(): (FaultRule & { prefix: string })[] {
    return [...this.byPrefix.values()].map((r) => ({ ...r, failNext: r.failNext ? [...r.failNext] : undefined }));
  }

  snapshot(): { rules: (FaultRule & { prefix: string })[]; seed: number | null } {
    return { rules: this.rules(), seed: this.seedValue };
  }

  /** The rule that applies to a request: longest matching path prefix, method filter respected. */
  match(method: string, path: string): (FaultRule & { prefix: string }) | undefined {
    let best: (FaultRule & { prefix: string }) | undefined;
    for (const r of this.byPrefix.values()) {
      const p = r.prefix;
      if (p !== '/' && !path.startsWith(p)) continue;
      if (r.methods && r.methods.length > 0 && !r.methods.includes(method.toUpperCase())) continue;
      if (!best || p.length > best.prefix.length) best = r;
    }
    return best;
  }

  /** Decides latency and failure for one request (consumes one `failNext` entry when it applies). */
  decide(method: string, path: string): FaultDecision {
    const r = this.match(method, path);
    if (!r) return { latencyMs: 0, failure: null };
    const retryAfter = r.retryAfterSeconds ?? 1;
    const latencyMs = r.latencyMs ?? 0;
    const canned = r.failNext?.shift();
    if (canned) {
      const isThrottle = canned.status === 429 || canned.status === 503;
      return { latencyMs, failure: { status: canned.status, retryAfterSeconds: isThrottle ? retryAfter : null, body: canned.body, headers: canned.headers } };
    }
    if (r.rate503 && this.prng.next() < r.rate503) return { latencyMs, failure: { status: 503, retryAfterSeconds: retryAfter } };
    if (r.rate429 && this.prng.next() < r.rate429) return { latencyMs, failure: { status: 429, retryAfterSeconds: retryAfter } };
    return { latencyMs, failure: null };
  }
}
