import { WebgradError } from '../errors.js';
import type { HasLr } from './step-lr.js';

export interface CosineWarmupLROptions {
  /** Steps of linear warm-up from 0 (default 0). */
  warmupSteps?: number;
  /** The step at which the cosine reaches its floor; later steps stay there. */
  totalSteps: number;
  /** The floor as a fraction of the base lr (default 0). */
  minLrRatio?: number;
}

export interface CosineWarmupLRState {
  lastEpoch: number;
  baseLr: number;
}

/**
 * Linear warm-up, then cosine decay: at step t the optimizer's lr is baseLr·f(t), with
 * f(t) = t / warmupSteps while t < warmupSteps, then minLrRatio + (1 − minLrRatio)·(1 + cos(π·p))/2 with
 * p = (t − warmupSteps)/(totalSteps − warmupSteps), capped at 1. Without a floor this is Hugging Face's
 * get_cosine_schedule_with_warmup, i.e. PyTorch's LambdaLR with that f. The constructor sets the lr of
 * step 0; call `step()` after each optimizer step, as PyTorch's schedulers.
 */
export class CosineWarmupLR {
  readonly warmupSteps: number;
  readonly totalSteps: number;
  readonly minLrRatio: number;
  readonly baseLr: number;
  /** Optimizer steps counted so far. */
  lastEpoch = 0;

  constructor(readonly optimizer: HasLr, options: CosineWarmupLROptions) {
    if (!optimizer || typeof optimizer.lr !== 'number') throw new WebgradError('webgrad: CosineWarmupLR: optimizer must have a numeric lr');
    const { warmupSteps = 0, totalSteps, minLrRatio = 0 } = options ?? ({} as CosineWarmupLROptions);
    if (!Number.isInteger(totalSteps) || totalSteps < 1) throw new WebgradError(`webgrad: CosineWarmupLR: totalSteps must be an integer >= 1, got ${String(totalSteps)}`);
    if (!Number.isInteger(warmupSteps) || warmupSteps < 0 || warmupSteps > totalSteps) {
      throw new WebgradError(`webgrad: CosineWarmupLR: warmupSteps must be an integer in [0, totalSteps = ${totalSteps}], got ${String(warmupSteps)}`);
    }
    if (typeof minLrRatio !== 'number' || !(minLrRatio >= 0 && minLrRatio <= 1)) {
      throw new WebgradError(`webgrad: CosineWarmupLR: minLrRatio must be in [0, 1], got ${String(minLrRatio)}`);
    }
    this.warmupSteps = warmupSteps;
    this.totalSteps = totalSteps;
    this.minLrRatio = minLrRatio;
    this.baseLr = optimizer.lr;
    optimizer.lr = this.lrAt(0);
  }

  /** The learning rate of step t. */
  lrAt(t: number): number {
    if (t < this.warmupSteps) return (this.baseLr * t) / this.warmupSteps;
    const span = this.totalSteps - this.warmupSteps;
    const progress = span > 0 ? Math.min(1, (t - this.warmupSteps) / span) : 1;
    return this.baseLr * (this.minLrRatio + (1 - this.minLrRatio) * 0.5 * (1 + Math.cos(Math.PI * progress)));
  }

  step(): void {
    this.lastEpoch++;
    this.optimizer.lr = this.lrAt(this.lastEpoch);
  }

  getLastLr(): number {
    return this.lrAt(this.lastEpoch);
  }

  stateDict(): CosineWarmupLRState {
    return { lastEpoch: this.lastEpoch, baseLr: this.baseLr };
  }

  /** Restores the step count and sets the optimizer's lr for it. */
  loadStateDict(state: Partial<CosineWarmupLRState>): void {
    if (state.lastEpoch !== undefined) {
      if (!Number.isInteger(state.lastEpoch) || state.lastEpoch < 0) {
        throw new WebgradError(`webgrad: CosineWarmupLR.loadStateDict: lastEpoch must be an integer >= 0, got ${state.lastEpoch}`);
      }
      this.lastEpoch = state.lastEpoch;
    }
    if (state.baseLr !== undefined && state.baseLr !== this.baseLr) {
      throw new WebgradError(`webgrad: CosineWarmupLR.loadStateDict: state has baseLr ${state.baseLr} but this schedule has ${this.baseLr}`);
    }
    this.optimizer.lr = this.lrAt(this.lastEpoch);
  }
}
