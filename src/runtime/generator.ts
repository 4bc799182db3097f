import { WebgradError } from '../errors.js';

/** The seed a device's generator starts from (a fixed one, so that a fresh run repeats, as PyTorch's default generator). */
export const DEFAULT_SEED = 0x5eed;

const MASK64 = (1n << 64n) - 1n;

/**
 * A 53-bit seed for the `index`th use of `seed` (SplitMix64), so that one seed gives every layer,
 * every draw and every epoch its own stream of numbers.
 */
export function deriveSeed(seed: number, index: number): number {
  let z = (BigInt(seed) + BigInt(index + 1) * 0x9e3779b97f4a7c15n) & MASK64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  z ^= z >> 31n;
  return Number(z & ((1n << 53n) - 1n));
}

/** Refuses a seed that is not a non-negative safe integer; `what` names it. */
export function checkSeed(seed: unknown, what: string): number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) {
    throw new WebgradError(`webgrad: ${what} must be a non-negative safe integer, got ${String(seed)}`);
  }
  return seed;
}

/**
 * The device's one source of seeds (PyTorch's default generator): every random op given no seed of
 * its own — rand, randn, dropout, a layer's initial values, a DataLoader's shuffle — draws the next
 * seed from it, in call order. `manualSeed(s)` restarts it, so the same seed and the same program give
 * the same numbers. Each draw is a 53-bit seed derived from (seed, draws so far).
 */
export class Generator {
  private seed = DEFAULT_SEED;
  private drawn = 0;

  manualSeed(seed: number): void {
    this.seed = checkSeed(seed, 'manualSeed: seed');
    this.drawn = 0;
  }

  /** The seed given to the last manualSeed() (or the default). */
  initialSeed(): number {
    return this.seed;
  }

  /** The next seed for a random op that was given none. */
  nextSeed(): number {
    return deriveSeed(this.seed, this.drawn++);
  }
}
