// How the fuzz table compares a result with its float64 reference: NaN where the reference is NaN,
// infinities exactly, the rest within atol + rtol·|expected|. WGSL lets a GPU flush denormals to
// zero (lavapipe does), PyTorch's CPU does not: a result may match the reference computed on the
// inputs with denormals flushed instead.
import type { Nd } from './nd.js';

export interface Tolerance {
  rtol: number;
  atol: number;
}

export const DEFAULT_TOLERANCE: Tolerance = { rtol: 1e-5, atol: 1e-6 };

/** Float32's smallest normal: below it, values are denormal. */
const F32_MIN_NORMAL = 2 ** -126;

export const flushDenormals = (v: number): number => (v !== 0 && Math.abs(v) < F32_MIN_NORMAL ? 0 * Math.sign(v) : v);

export const isDenormal = (v: number): boolean => v !== 0 && Math.abs(v) < F32_MIN_NORMAL;

function closeEnough(a: number, e: number, tol: Tolerance): boolean {
  if (Number.isNaN(e)) return Number.isNaN(a);
  if (!Number.isFinite(e)) return a === e;
  // A finite reference beyond float32's range rounds to ±inf.
  if (Math.abs(e) > 3.4028234663852886e38) return Math.abs(a) >= 3.4028234663852886e38 && Math.sign(a) === Math.sign(e);
  return Math.abs(a - e) <= tol.atol + tol.rtol * Math.abs(e);
}

/**
 * The first element where `actual` matches none of the `expected` alternatives, described, or
 * null when every element matches one of them (each element on its own).
 */
export function mismatch(actual: { shape: readonly number[]; data: ArrayLike<number> }, expected: Nd[], tol: Tolerance): string | null {
  const ref = expected[0];
  if (actual.shape.length !== ref.shape.length || actual.shape.some((s, d) => s !== ref.shape[d])) {
    return `shape [${actual.shape}], expected [${ref.shape}]`;
  }
  for (let i = 0; i < ref.data.length; i++) {
    const a = actual.data[i];
    if (expected.some((e) => closeEnough(a, e.data[i], tol))) continue;
    // Between the reference and the flushed one: a driver that handles denormals part of the way.
    if (expected.length === 2 && a >= Math.min(expected[0].data[i], expected[1].data[i]) && a <= Math.max(expected[0].data[i], expected[1].data[i])) continue;
    return `element ${i}: got ${a}, expected ${expected.map((e) => e.data[i]).join(' or ')} (rtol ${tol.rtol}, atol ${tol.atol})`;
  }
  return null;
}
