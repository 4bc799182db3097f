import { WebgradError } from '../errors.js';
import { runtime } from '../device/current.js';
import { full, rand, randn } from '../ops/creation.js';
import { checkSeed, deriveSeed } from '../runtime/generator.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Module } from './module.js';
import { INIT_SCHEMES, type InitScheme } from './init-scheme.js';

export { INIT_SCHEMES, type InitScheme } from './init-scheme.js';

export function checkScheme(scheme: unknown, what: string): InitScheme {
  if (!INIT_SCHEMES.includes(scheme as InitScheme)) {
    throw new WebgradError(`webgrad: ${what}: init must be one of ${INIT_SCHEMES.map((s) => `'${s}'`).join(', ')}, got ${String(scheme)}`);
  }
  return scheme as InitScheme;
}

export interface LayerInitOptions {
  /** Initial values (default 'torch'); see InitScheme. */
  init?: InitScheme;
  /** The bias under the 'paper' scheme (default 0). */
  paperBias?: number;
  /** Seed of the initial values (default: the next from the device's generator; see manualSeed). */
  seed?: number;
}

export function checkPaperBias(v: number | undefined, what: string): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new WebgradError(`webgrad: ${what}: paperBias must be a finite number, got ${String(v)}`);
  return v;
}

export { deriveSeed };

/** The seed a layer uses when given none: the next from the device's generator (see manualSeed), so runs repeat. */
export function layerSeed(seed: number | undefined, what: string): number {
  return seed === undefined ? runtime().generator.nextSeed() : checkSeed(seed, `${what}: seed`);
}

/** Overwrites a parameter's values in place (the tensor object stays, optimizers keep it). */
export function assign(target: Tensor, values: Tensor): void {
  if (target.size > 0) runtime().copy(values.buffer, 0, target.buffer, 0, target.size * 4);
  values.dispose();
}

/** Sets the weight and bias of a layer whose fan-in is `fanIn` by `scheme`. */
export function initWeightAndBias(
  weight: Tensor,
  bias: Tensor | null,
  fanIn: number,
  scheme: InitScheme,
  seed: number,
  paperBias: number,
): void {
  const shape = weight.shape;
  const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  const weightSeed = deriveSeed(seed, 0);
  if (scheme === 'torch') assign(weight, rand(shape, { seed: weightSeed, low: -bound, high: bound }));
  else if (scheme === 'kaiming') assign(weight, randn(shape, { seed: weightSeed, std: fanIn > 0 ? Math.sqrt(2 / fanIn) : 0 }));
  else assign(weight, randn(shape, { seed: weightSeed, std: 0.01 }));
  if (!bias) return;
  if (scheme === 'torch') assign(bias, rand(bias.shape, { seed: deriveSeed(seed, 1), low: -bound, high: bound }));
  else assign(bias, full(bias.shape, scheme === 'paper' ? paperBias : 0));
}

export interface InitialiseOptions {
  /** The model's seed: the same seed and architecture give the same parameters. */
  seed?: number;
}

/**
 * Re-initialises every layer of `module` by `scheme`, in place. Each module gets its own seed
 * derived from the model's seed and its position, Dropout layers included (their masks restart).
 */
export function initialise(module: Module, scheme: InitScheme, options: InitialiseOptions = {}): void {
  checkScheme(scheme, 'initialise');
  const seed = layerSeed(options.seed, 'initialise');
  module.modules().forEach((m, index) => m.resetParameters(scheme, deriveSeed(seed, index)));
}
