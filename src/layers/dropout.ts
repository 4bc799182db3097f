import { WebgradError } from '../errors.js';
import { dropout } from '../ops/dropout.js';
import type { Tensor } from '../tensor/tensor.js';
import { deriveSeed, layerSeed, type InitScheme } from './init.js';
import { Module } from './module.js';

export interface DropoutLayerOptions {
  /** Seed of the masks: the k-th call in training mode uses a seed derived from (seed, k). */
  seed?: number;
}

/**
 * torch.nn.Dropout: zeroes elements with probability p in training mode (scaling the rest by
 * 1/(1 − p)), the identity in eval mode. Each training call draws a fresh mask from a seeded
 * counter, so a run repeats exactly.
 */
export class Dropout extends Module {
  private seed: number;
  /** Masks drawn so far; a resumed run restores it so that it draws the same masks as an uninterrupted one. */
  masksDrawn = 0;

  constructor(readonly p = 0.5, options: DropoutLayerOptions = {}) {
    super();
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new WebgradError(`webgrad: Dropout: p must be in [0, 1], got ${p}`);
    this.seed = layerSeed(options.seed, 'Dropout');
  }

  /** Restarts the masks from a new seed (initialise() gives each Dropout one from the model's seed). */
  override resetParameters(_scheme: InitScheme, seed: number): void {
    this.seed = seed;
    this.masksDrawn = 0;
  }

  forward(x: Tensor): Tensor {
    if (!this.training) return dropout(x, { p: this.p, training: false });
    return dropout(x, { p: this.p, training: true, seed: deriveSeed(this.seed, this.masksDrawn++) });
  }
}
