import { WebgradError } from '../errors.js';

/** What a schedule needs of an optimizer: a learning rate it may set. */
export interface HasLr {
  lr: number;
}

export interface StepLROptions {
  stepSize: number;
  gamma?: number;
}

export interface StepLRState {
  lastEpoch: number;
  baseLr: number;
  lastLr: number;
  stepSize: number;
  gamma: number;
}

/**
 * Multiplies the learning rate by `gamma` every `stepSize` calls to `step()` (PyTorch's StepLR,
 * its chainable form: it scales the optimizer's current lr, so it composes with other changes).
 * Call `step()` once per epoch, after the epoch's optimizer steps.
 */
export class StepLR {
  readonly stepSize: number;
  readonly gamma: number;
  readonly baseLr: number;
  /** Epochs counted so far (0 after construction, as PyTorch's initial step leaves it). */
  lastEpoch = 0;
  private lastLr: number;

  constructor(readonly optimizer: HasLr, options: StepLROptions) {
    if (!optimizer || typeof optimizer.lr !== 'number') throw new WebgradError('webgrad: StepLR: optimizer must have a numeric lr');
    const { stepSize, gamma = 0.1 } = options ?? ({} as StepLROptions);
    if (!Number.isInteger(stepSize) || stepSize < 1) throw new WebgradError(`webgrad: StepLR: stepSize must be an integer >= 1, got ${String(stepSize)}`);
    if (typeof gamma !== 'number' || !Number.isFinite(gamma) || gamma < 0) throw new WebgradError(`webgrad: StepLR: gamma must be a finite number >= 0, got ${String(gamma)}`);
    this.stepSize = stepSize;
    this.gamma = gamma;
    this.baseLr = optimizer.lr;
    this.lastLr = optimizer.lr;
  }

  step(): void {
    this.lastEpoch++;
    if (this.lastEpoch % this.stepSize === 0) this.optimizer.lr *= this.gamma;
    this.lastLr = this.optimizer.lr;
  }

  /** The learning rate the last `step()` (or the constructor) left. */
  getLastLr(): number {
    return this.lastLr;
  }

  stateDict(): StepLRState {
    return { lastEpoch: this.lastEpoch, baseLr: this.baseLr, lastLr: this.lastLr, stepSize: this.stepSize, gamma: this.gamma };
  }

  /** Restores the epoch count and the last lr (PyTorch does not set the optimizer's lr here either). */
  loadStateDict(state: Partial<StepLRState>): void {
    if (state.lastEpoch !== undefined) {
      if (!Number.isInteger(state.lastEpoch) || state.lastEpoch < 0) {
        throw new WebgradError(`webgrad: StepLR.loadStateDict: lastEpoch must be an integer >= 0, got ${state.lastEpoch}`);
      }
      this.lastEpoch = state.lastEpoch;
    }
    if (state.lastLr !== undefined) this.lastLr = state.lastLr;
  }
}
