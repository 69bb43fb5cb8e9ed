/** An integration instance as its actions see it: stored values over the seed's defaults. */
import type { ParamSpec } from './spec';

/** Fills missing instance parameters from their defaults; `$PUBLIC_URL` and `<Param Display Name>` placeholders resolved. */
export function instanceWithDefaults(params: ParamSpec[], stored: Record<string, unknown>, publicUrl: string): Record<string, unknown> {
  const out: Record<string, unknown> = { ...stored };
  for (const p of params) if (out[p.id] === undefined && p.default !== undefined) out[p.id] = p.default;
  for (const p of params) {
    const v = out[p.id];
    if (typeof v !== 'string') continue;
    out[p.id] = v.replace('$PUBLIC_URL', publicUrl.replace(/\/$/, '')).replace(/<([^<>]+)>/g, (m, name: string) => {
      const ref = params.find((x) => x.displayName === name);
      return ref && typeof out[ref.id] === 'string' ? String(out[ref.id]).replace(/\/$/, '') : m;
    });
  }
  return out;
}
