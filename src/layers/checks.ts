import { WebgradError } from '../errors.js';

export type Pair = [number, number];

export function checkPositiveInt(v: unknown, what: string): number {
  if (!Number.isInteger(v) || (v as number) < 1) throw new WebgradError(`webgrad: ${what} must be a positive integer, got ${String(v)}`);
  return v as number;
}

/** A size given as one number or [height, width], each an integer >= min. */
export function checkPair(v: number | readonly number[], what: string, min: number): Pair {
  const pair = typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 2 ? v : null;
  if (!pair || !pair.every((d) => Number.isInteger(d) && d >= min)) {
    const shown = Array.isArray(v) ? `[${v.join(', ')}]` : typeof v === 'string' ? JSON.stringify(v) : String(v);
    throw new WebgradError(`webgrad: ${what} must be an integer >= ${min} or a pair of them, got ${shown}`);
  }
  return [pair[0], pair[1]];
}
