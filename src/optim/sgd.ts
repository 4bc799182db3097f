import { WebgradError } from '../errors.js';
import { runtime } from '../device/current.js';
import { sgdKernel, type SgdHyper } from '../kernels/sgd.js';
import { fmt } from '../tensor/shape.js';
import { keep } from '../graph/scope.js';
import { checkTensor, Tensor } from '../tensor/tensor.js';
import { makeStateFirst } from './fresh-state.js';

export interface SGDOptions {
  lr: number;
  momentum?: number;
  weightDecay?: number;
  dampening?: number;
  nesterov?: boolean;
}

/** What `stateDict()` returns and `loadStateDict()` takes. */
export interface SGDState {
  /** Calls to `step()` so far. */
  step: number;
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  /** One per parameter, in order; null until the parameter's first step with momentum. */
  momentumBuffers: (Tensor | null)[];
  /** The same buffers keyed as PyTorch's state dict (`state.0.momentum_buffer`), ready for safetensors. */
  tensors: Record<string, Tensor>;
}

const bufferKey = (i: number): string => `state.${i}.momentum_buffer`;

function checkHyper(name: string, value: unknown, allowZero = true): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new WebgradError(`webgrad: SGD: ${name} must be a finite number >= 0, got ${String(value)}`);
  }
  return value;
}

/**
 * Stochastic gradient descent with PyTorch's update rule, momentum, dampening, Nesterov momentum
 * and L2 weight decay, each step one fused kernel per parameter updating the parameter's buffer
 * (and its momentum buffer) in place: the parameter tensors stay the same objects.
 */
export class SGD {
  readonly params: readonly Tensor[];
  /** Mutable: schedules set it between steps. */
  lr: number;
  readonly momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
  private stepCount = 0;
  private readonly buffers: (Tensor | null)[];

  constructor(params: Iterable<Tensor>, options: SGDOptions) {
    if (params === null || typeof params !== 'object' || typeof (params as Iterable<Tensor>)[Symbol.iterator] !== 'function') {
      const module = params !== null && typeof params === 'object' && typeof (params as { parameters?: unknown }).parameters === 'function';
      throw new WebgradError(`webgrad: SGD: params must be a list of tensors${module ? ': pass model.parameters(), not the model' : `, got ${String(params)}`}`);
    }
    const list = [...params];
    if (list.length === 0) throw new WebgradError('webgrad: SGD: got an empty parameter list');
    list.forEach((p, i) => {
      checkTensor(p, `SGD: params[${i}]`);
      if (p.dtype !== 'float32') throw new WebgradError(`webgrad: SGD: params[${i}] (shape ${fmt(p.shape)}) must be float32, got ${p.dtype}`);
      if (!p.requiresGrad || p.node) {
        throw new WebgradError(`webgrad: SGD: params[${i}] (shape ${fmt(p.shape)}) must be a leaf tensor with requiresGrad`);
      }
      if (list.indexOf(p) !== i) throw new WebgradError(`webgrad: SGD: params[${i}] (shape ${fmt(p.shape)}) appears more than once`);
    });
    if (options === null || typeof options !== 'object') throw new WebgradError('webgrad: SGD: options { lr } are required');
    this.lr = checkHyper('lr', options.lr);
    this.momentum = checkHyper('momentum', options.momentum ?? 0);
    this.dampening = checkHyper('dampening', options.dampening ?? 0);
    this.weightDecay = checkHyper('weightDecay', options.weightDecay ?? 0);
    this.nesterov = options.nesterov ?? false;
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw new WebgradError(`webgrad: SGD: nesterov needs momentum > 0 and dampening 0, got momentum ${this.momentum}, dampening ${this.dampening}`);
    }
    this.params = list;
    this.buffers = list.map(() => null);
  }

  /** Updates every parameter that has a gradient; those whose `.grad` is null are skipped. */
  step(): void {
    checkHyper('lr', this.lr);
    this.params.forEach((p, i) => {
      if (p.disposed) throw new WebgradError(`webgrad: SGD.step: params[${i}] (shape ${fmt(p.shape)}) was disposed`);
      const g = p.grad;
      if (g && g.shape.join() !== p.shape.join()) {
        throw new WebgradError(`webgrad: SGD.step: params[${i}].grad has shape ${fmt(g.shape)} but the parameter has ${fmt(p.shape)}`);
      }
    });
    const hyper: SgdHyper = {
      lr: this.lr,
      momentum: this.momentum,
      dampening: this.dampening,
      weightDecay: this.weightDecay,
      nesterov: this.nesterov,
    };
    const fresh =
      this.momentum !== 0 ? makeStateFirst(this.buffers, (i) => this.params[i].grad !== null, (i) => keep(Tensor.empty(this.params[i].shape)), (b) => b.dispose()) : new Set<number>();
    this.params.forEach((p, i) => {
      if (!p.grad) return;
      sgdKernel(p, p.grad, this.momentum !== 0 ? this.buffers[i] : null, hyper, fresh.has(i));
    });
    runtime().leakCheck?.step();
    this.stepCount++;
  }

  /** Drops every parameter's gradient (PyTorch's default, set_to_none). */
  zeroGrad(): void {
    for (const p of this.params) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  /** The optimizer's state; its tensors are the optimizer's own (not copies): do not dispose them. */
  stateDict(): SGDState {
    const tensors: Record<string, Tensor> = {};
    this.buffers.forEach((b, i) => {
      if (b) tensors[bufferKey(i)] = b;
    });
    return {
      step: this.stepCount,
      lr: this.lr,
      momentum: this.momentum,
      dampening: this.dampening,
      weightDecay: this.weightDecay,
      nesterov: this.nesterov,
      momentumBuffers: [...this.buffers],
      tensors,
    };
  }

  /**
   * Restores `step`, `lr` and the momentum buffers (copied: the caller keeps its tensors). Buffers
   * come from `momentumBuffers`, or else from `tensors` keyed as `stateDict()` writes them.
   * The other hyperparameters are the constructor's; a state saved with different ones is refused.
   */
  loadStateDict(state: Partial<SGDState>): void {
    if (state === null || typeof state !== 'object') throw new WebgradError('webgrad: SGD.loadStateDict: state must be an object');
    for (const name of ['momentum', 'dampening', 'weightDecay', 'nesterov'] as const) {
      if (state[name] !== undefined && state[name] !== this[name]) {
        throw new WebgradError(`webgrad: SGD.loadStateDict: state has ${name} ${String(state[name])} but this optimizer has ${String(this[name])}`);
      }
    }
    const incoming: (Tensor | null)[] = state.momentumBuffers
      ? [...state.momentumBuffers]
      : this.params.map((_, i) => state.tensors?.[bufferKey(i)] ?? null);
    if (incoming.length !== this.params.length) {
      throw new WebgradError(`webgrad: SGD.loadStateDict: state has ${incoming.length} momentum buffers for ${this.params.length} parameters`);
    }
    incoming.forEach((b, i) => {
      if (!b) return;
      checkTensor(b, `SGD.loadStateDict: momentum buffer ${i}`);
      const shape = this.params[i].shape;
      if (b.shape.join() !== shape.join() || b.dtype !== 'float32') {
        throw new WebgradError(`webgrad: SGD.loadStateDict: momentum buffer ${i} has shape ${fmt(b.shape)} (${b.dtype}) but params[${i}] has ${fmt(shape)} (float32)`);
      }
    });
    if (state.lr !== undefined) this.lr = checkHyper('lr', state.lr);
    if (state.step !== undefined) {
      if (!Number.isInteger(state.step) || state.step < 0) throw new WebgradError(`webgrad: SGD.loadStateDict: step must be an integer >= 0, got ${state.step}`);
      this.stepCount = state.step;
    }
    incoming.forEach((b, i) => {
      const own = this.buffers[i];
      if (!b) {
        own?.dispose();
        this.buffers[i] = null;
        return;
      }
      if (b === own) return;
      const target = own ?? keep(Tensor.empty(b.shape));
      if (b.size > 0) runtime().copy(b.buffer, 0, target.buffer, 0, b.size * 4);
      this.buffers[i] = target;
    });
  }

  /** Frees the momentum buffers (the parameters belong to the caller). */
  dispose(): void {
    this.buffers.forEach((b, i) => {
      b?.dispose();
      this.buffers[i] = null;
    });
  }
}
