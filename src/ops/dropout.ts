import { WebgradError } from '../errors.js';
import { runtime } from '../device/current.js';
import { record } from '../graph/record.js';
import { checkSeed } from '../runtime/generator.js';
import { dropoutKernel } from '../kernels/dropout.js';
import { fmt } from '../tensor/shape.js';
import { checkTensor, view, type Tensor } from '../tensor/tensor.js';

export interface DropoutOptions {
  /** Probability of zeroing an element (default 0.5). */
  p?: number;
  /** When false, dropout is the identity (default true, as torch.nn.functional.dropout). */
  training?: boolean;
  /** The mask's seed; by default each call draws the next one from the device's generator (see manualSeed). */
  seed?: number;
}

/**
 * Inverted dropout: each element is zeroed with probability p and the rest scaled by 1/(1-p).
 * The mask comes from a counter-based generator (Philox) keyed by the seed, so backward
 * regenerates it rather than storing it.
 */
export function dropout(x: Tensor, options: DropoutOptions = {}): Tensor {
  options ??= {};
  if (typeof options !== 'object') throw new WebgradError(`webgrad: dropout: options must be an object { p, training, seed }, got ${String(options)}`);
  checkTensor(x, 'dropout: x');
  if (x.dtype !== 'float32') throw new WebgradError(`webgrad: dropout: x must be float32, got ${x.dtype} (shape ${fmt(x.shape)})`);
  const p = options.p ?? 0.5;
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new WebgradError(`webgrad: dropout: p must be in [0, 1], got ${p}`);
  if (options.training === false || p === 0) {
    // A view of x: same elements, its own handle so that disposing one leaves the other.
    return record(view(x, x.shape), 'dropout', [x], (g) => [g]);
  }
  const seed = options.seed === undefined ? runtime().generator.nextSeed() : checkSeed(options.seed, 'dropout: seed');
  const scale = p === 1 ? 0 : 1 / (1 - p);
  const out = dropoutKernel(x, p, scale, seed);
  return record(out, 'dropout', [x], (g) => [dropoutKernel(g, p, scale, seed)]);
}
