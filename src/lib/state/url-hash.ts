/**
 * Shareable view settings live in the URL hash, Playground-style: one typed property table,
 * serialised as `#key=value&…`. Unknown keys and malformed values are ignored (the default wins),
 * so a hand-edited or stale link never breaks the page.
 */

type PropType = 'string' | 'int' | 'numbers';

export interface PropSpec<T> {
  type: PropType;
  default: T;
  /** Values accepted for a string property; anything else falls back to the default. */
  oneOf?: readonly string[];
}

type PropTable = Record<string, PropSpec<unknown>>;
export type ValuesOf<P extends PropTable> = { [K in keyof P]: P[K]['default'] };

export function parseHash<P extends PropTable>(hash: string, table: P): ValuesOf<P> {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const out = {} as Record<string, unknown>;
  for (const [key, spec] of Object.entries(table)) {
    const raw = params.get(key);
    out[key] = raw === null ? spec.default : parseValue(raw, spec);
  }
  return out as ValuesOf<P>;
}

function parseValue(raw: string, spec: PropSpec<unknown>): unknown {
  switch (spec.type) {
    case 'string':
      return raw.length <= 200 && (!spec.oneOf || spec.oneOf.includes(raw)) ? raw : spec.default;
    case 'int': {
      const n = Number(raw);
      return Number.isInteger(n) ? n : spec.default;
    }
    case 'numbers': {
      const parts = raw.split(',').map(Number);
      return raw !== '' && parts.every(Number.isFinite) ? parts : spec.default;
    }
  }
}

/** Serialises only the values that differ from their defaults, so links stay short. */
export function formatHash<P extends PropTable>(values: ValuesOf<P>, table: P): string {
  const params = new URLSearchParams();
  for (const [key, spec] of Object.entries(table)) {
    const value = values[key];
    if (JSON.stringify(value) === JSON.stringify(spec.default)) continue;
    params.set(key, Array.isArray(value) ? value.map((v) => roundForUrl(v as number)).join(',') : String(value));
  }
  const text = params.toString();
  return text ? `#${text}` : '';
}

function roundForUrl(v: number): string {
  return String(Number(v.toPrecision(6)));
}

/** Joins the hashes of several property tables (their keys must not overlap) into one. */
export function joinHashes(...hashes: string[]): string {
  const parts = hashes.map((h) => h.replace(/^#/, '')).filter(Boolean);
  return parts.length ? `#${parts.join('&')}` : '';
}
