import { WebgradError } from '../errors.js';
import type { HasLr } from './step-lr.js';

export interface ReduceLROnPlateauOptions {
  mode?: 'min' | 'max';
  factor?: number;
  patience?: number;
  threshold?: number;
  thresholdMode?: 'rel' | 'abs';
  cooldown?: number;
  minLr?: number;
  /** A reduction smaller than this is not applied. */
  eps?: number;
}

export interface ReduceLROnPlateauState {
  lastEpoch: number;
  best: number;
  numBadEpochs: number;
  cooldownCounter: number;
  lastLr: number;
}

/**
 * Multiplies the learning rate by `factor` once the metric passed to `step(metric)` has not
 * improved for more than `patience` epochs (PyTorch's ReduceLROnPlateau, same rules for
 * thresholds, cooldown and the floor `minLr`).
 */
export class ReduceLROnPlateau {
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: 'rel' | 'abs';
  readonly cooldown: number;
  readonly minLr: number;
  readonly eps: number;
  lastEpoch = 0;
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  private lastLr: number;

  constructor(readonly optimizer: HasLr, options: ReduceLROnPlateauOptions = {}) {
    if (!optimizer || typeof optimizer.lr !== 'number') throw new WebgradError('webgrad: ReduceLROnPlateau: optimizer must have a numeric lr');
    const o = options ?? {};
    this.mode = o.mode ?? 'min';
    this.factor = o.factor ?? 0.1;
    this.patience = o.patience ?? 10;
    this.threshold = o.threshold ?? 1e-4;
    this.thresholdMode = o.thresholdMode ?? 'rel';
    this.cooldown = o.cooldown ?? 0;
    this.minLr = o.minLr ?? 0;
    this.eps = o.eps ?? 1e-8;
    if (this.mode !== 'min' && this.mode !== 'max') throw new WebgradError(`webgrad: ReduceLROnPlateau: mode must be 'min' or 'max', got ${String(this.mode)}`);
    if (this.thresholdMode !== 'rel' && this.thresholdMode !== 'abs') {
      throw new WebgradError(`webgrad: ReduceLROnPlateau: thresholdMode must be 'rel' or 'abs', got ${String(this.thresholdMode)}`);
    }
    if (!(this.factor < 1) || !(this.factor >= 0)) throw new WebgradError(`webgrad: ReduceLROnPlateau: factor must be in [0, 1), got ${this.factor}`);
    for (const [name, v] of [['patience', this.patience], ['cooldown', this.cooldown]] as const) {
      if (!Number.isInteger(v) || v < 0) throw new WebgradError(`webgrad: ReduceLROnPlateau: ${name} must be an integer >= 0, got ${v}`);
    }
    for (const [name, v] of [['threshold', this.threshold], ['minLr', this.minLr], ['eps', this.eps]] as const) {
      if (typeof v !== 'number' || !(v >= 0)) throw new WebgradError(`webgrad: ReduceLROnPlateau: ${name} must be a number >= 0, got ${v}`);
    }
    this.best = this.worst();
    this.lastLr = optimizer.lr;
  }

  /** Records one epoch's metric (a loss in 'min' mode, an accuracy in 'max' mode). */
  step(metric: number): void {
    if (typeof metric !== 'number') throw new WebgradError(`webgrad: ReduceLROnPlateau.step: metric must be a number, got ${typeof metric}`);
    this.lastEpoch++;
    if (this.isBetter(metric)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs++;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      const old = this.optimizer.lr;
      const next = Math.max(old * this.factor, this.minLr);
      if (old - next > this.eps) this.optimizer.lr = next;
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.lr;
  }

  getLastLr(): number {
    return this.lastLr;
  }

  stateDict(): ReduceLROnPlateauState {
    return {
      lastEpoch: this.lastEpoch,
      best: this.best,
      numBadEpochs: this.numBadEpochs,
      cooldownCounter: this.cooldownCounter,
      lastLr: this.lastLr,
    };
  }

  loadStateDict(state: Partial<ReduceLROnPlateauState>): void {
    if (state.lastEpoch !== undefined) this.lastEpoch = state.lastEpoch;
    // JSON writes ±Infinity as null: a missing best is the initial one.
    if (state.best !== undefined) this.best = state.best ?? this.worst();
    if (state.numBadEpochs !== undefined) this.numBadEpochs = state.numBadEpochs;
    if (state.cooldownCounter !== undefined) this.cooldownCounter = state.cooldownCounter;
    if (state.lastLr !== undefined) this.lastLr = state.lastLr;
  }

  private worst(): number {
    return this.mode === 'min' ? Infinity : -Infinity;
  }

  private isBetter(a: number): boolean {
    const best = this.best;
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? a < best * (1 - this.threshold) : a < best - this.threshold;
    return this.thresholdMode === 'rel' ? a > best * (1 + this.threshold) : a > best + this.threshold;
  }
}
