// fast-check generators of the fuzz table's sample inputs: shapes with empty and size-1 dimensions,
// broadcast partners, values with ±inf, NaN, denormals and large magnitudes, and the view each
// input reaches the op through (contiguous, permuted, a strided slice, an expanded dimension).
import fc from 'fast-check';
import { broadcastTo, permuteNd, sizeOf, type Nd } from './nd.js';

/** How an input is made on the device: its logical values are always `data` in `shape`. */
export type View =
  | { kind: 'contiguous' }
  /** permute(base, inverse of axes), base = x permuted by axes, contiguous. */
  | { kind: 'permute'; axes: number[] }
  /** base[..., 1::2, ...] along dim, base twice as long plus one there, NaN between. */
  | { kind: 'slice'; dim: number }
  /** expand(base, shape), base of size 1 along dim (the values repeat along it). */
  | { kind: 'expand'; dim: number };

export interface HostInput extends Nd {
  dtype: 'float32' | 'int32';
  view: View;
}

export interface Sample {
  inputs: HostInput[];
  /** The op's other arguments (axes, options), as the entry's generator makes them. */
  args: Record<string, unknown>;
}

/** Values the fuzzer mixes in where an op is defined on them. */
export const EXTREMES = [Infinity, -Infinity, NaN, 1e-40, -1e-40, 0, -0, 3e38, -3e38, 1e20, -1e20, 1e-20];

export interface Domain {
  /** Ordinary values are uniform in [min, max] (float32), never exactly 0 unless min = max = 0. */
  min: number;
  max: number;
  /** Probability weight (of 10) of an extreme value; 0 for none. */
  extremes?: number;
  /** Keeps only the extremes this accepts. */
  allow?: (v: number) => boolean;
  /** Ordinary values closer to 0 than this are moved out by it (away from a kink at 0). */
  gap?: number;
  /**
   * Ordinary values spread evenly over [min, max] instead of fc.float's draw, which favours tiny
   * magnitudes (under which attention's scores are all about 0 and its scale goes unseen).
   */
  even?: boolean;
}

export const ANY: Domain = { min: -3, max: 3, extremes: 2 };
export const FINITE: Domain = { min: -3, max: 3 };

export function valueArb(domain: Domain): fc.Arbitrary<number> {
  const drawn = domain.even
    ? fc.integer({ min: 0, max: 1 << 20 }).map((i) => Math.fround(domain.min + ((domain.max - domain.min) * i) / (1 << 20)))
    : fc.float({ min: Math.fround(domain.min), max: Math.fround(domain.max), noNaN: true, noDefaultInfinity: true });
  const plain = drawn
    .map((v) => (v === 0 ? Math.fround((domain.max - domain.min) / 7 || 0.5) : v))
    .map((v) => (domain.gap && Math.abs(v) < domain.gap ? Math.fround(v + Math.sign(v) * domain.gap) : v))
    // Shrinking walks toward 0 through denormals: the domain's filter holds for ordinary values too.
    .map((v) => (domain.allow && !domain.allow(v) ? Math.fround(domain.max) : v));
  const w = domain.extremes ?? 0;
  if (w === 0) return plain;
  const extremes = EXTREMES.filter(domain.allow ?? (() => true)).map((v) => Math.fround(v));
  return fc.oneof({ arbitrary: plain, weight: 10 - w }, { arbitrary: fc.constantFrom(...extremes), weight: w });
}

/** A dimension: mostly 2, 3 or 5 (sizes that divide no tile), sometimes 1, and 0 where allowed. */
export const dimArb = (empty = true): fc.Arbitrary<number> =>
  fc.oneof({ arbitrary: fc.constantFrom(2, 3, 5), weight: 6 }, { arbitrary: fc.constant(1), weight: 2 }, { arbitrary: fc.constant(0), weight: empty ? 1 : 0 });

export const shapeArb = (minRank: number, maxRank: number, empty = true): fc.Arbitrary<number[]> =>
  fc.array(dimArb(empty), { minLength: minRank, maxLength: maxRank });

/** A shape that broadcasts to `shape`: some leading dimensions dropped, some others 1. */
export const broadcastPartnerArb = (shape: number[]): fc.Arbitrary<number[]> =>
  fc.tuple(fc.integer({ min: 0, max: shape.length }), fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length })).map(([drop, ones]) =>
    shape.map((s, d) => (ones[d] ? 1 : s)).slice(drop),
  );

const values = (n: number, domain: Domain) => fc.array(valueArb(domain), { minLength: n, maxLength: n });

/** An input of `shape` with values from `domain`, reached through one of the views. */
export function inputArb(shape: number[], domain: Domain, dtype: 'float32' | 'int32' = 'float32'): fc.Arbitrary<HostInput> {
  const rank = shape.length;
  const kinds: View['kind'][] = ['contiguous', 'contiguous'];
  if (rank >= 2) kinds.push('permute');
  if (rank >= 1) kinds.push('slice');
  if (shape.some((s) => s !== 1)) kinds.push('expand');
  const n = sizeOf(shape);
  const round = (vs: number[]) => Float64Array.from(vs, (v) => (dtype === 'int32' ? v : Math.fround(v)));
  return fc.constantFrom(...kinds).chain((kind): fc.Arbitrary<HostInput> => {
    if (kind === 'permute') {
      const all = [...shape.keys()];
      return fc.tuple(fc.shuffledSubarray(all, { minLength: rank, maxLength: rank }), values(n, domain)).map(([axes, vs]) => ({ shape, data: round(vs), dtype, view: { kind, axes } }));
    }
    if (kind === 'slice') return fc.tuple(fc.integer({ min: 0, max: rank - 1 }), values(n, domain)).map(([dim, vs]) => ({ shape, data: round(vs), dtype, view: { kind, dim } }));
    if (kind === 'expand') {
      const dims = [...shape.keys()].filter((d) => shape[d] !== 1);
      return fc.constantFrom(...dims).chain((dim) => {
        const baseShape = shape.map((s, d) => (d === dim ? 1 : s));
        return values(sizeOf(baseShape), domain).map((vs) => ({ ...broadcastTo({ shape: baseShape, data: round(vs) }, shape), dtype, view: { kind, dim } as View }));
      });
    }
    return values(n, domain).map((vs) => ({ shape, data: round(vs), dtype, view: { kind: 'contiguous' } as View }));
  });
}

/**
 * The values' ranks, as −1 + 0.13·rank: the same order, no two within 0.13, so that a gradient
 * check's step never crosses a tie (where finite differences split the gradient between them).
 */
export function spread(data: Float64Array): Float64Array {
  const order = [...data.keys()].sort((i, j) => data[i] - data[j]);
  const out = new Float64Array(data.length);
  order.forEach((i, r) => (out[i] = Math.fround(-1 + 0.13 * r)));
  return out;
}

/** The base tensor a view is made from, and how: what the device side uploads. */
export function viewBase(x: HostInput): Nd {
  const v = x.view;
  if (v.kind === 'permute') return permuteNd(x, v.axes);
  if (v.kind === 'slice') {
    const shape = x.shape.map((s, d) => (d === v.dim ? 2 * s + 1 : s));
    const data = new Float64Array(sizeOf(shape)).fill(x.dtype === 'int32' ? -7 : NaN);
    const strides = shape.map((_, d) => sizeOf(shape.slice(d + 1)));
    for (let i = 0; i < x.data.length; i++) {
      let rest = i;
      let o = 0;
      for (let d = x.shape.length - 1; d >= 0; d--) {
        const c = rest % x.shape[d];
        rest = Math.floor(rest / x.shape[d]);
        o += (d === v.dim ? 2 * c + 1 : c) * strides[d];
      }
      data[o] = x.data[i];
    }
    return { shape, data };
  }
  if (v.kind === 'expand') {
    const shape = x.shape.map((s, d) => (d === v.dim ? 1 : s));
    const data = new Float64Array(sizeOf(shape));
    const stride = sizeOf(x.shape.slice(v.dim + 1));
    let o = 0;
    for (let i = 0; i < x.data.length; i++) if (Math.floor(i / stride) % x.shape[v.dim] === 0) data[o++] = x.data[i];
    return { shape, data };
  }
  return x;
}

