import { WebgradError } from '../errors.js';
import { runtime } from '../device/current.js';
import { adamKernel, type AdamBuffers, type AdamHyper } from '../kernels/adam.js';
import { fmt } from '../tensor/shape.js';
import { allOrNothing, keep } from '../graph/scope.js';
import { checkTensor, Tensor } from '../tensor/tensor.js';
import { makeStateFirst } from './fresh-state.js';

export interface AdamOptions {
  /** Default 0.001, as PyTorch's. */
  lr?: number;
  /** Decay rates of the first and second moment estimates; default [0.9, 0.999]. */
  betas?: readonly [number, number];
  /** Default 1e-8. */
  eps?: number;
  /** Adam: an L2 term added to the gradient (default 0). AdamW: decoupled decay of the parameter (default 0.01). */
  weightDecay?: number;
  /** Uses the maximum of past second moments (Reddi et al.), as PyTorch's amsgrad. Default false. */
  amsgrad?: boolean;
}

/** What `stateDict()` returns and `loadStateDict()` takes. */
export interface AdamState {
  /** Steps of each parameter so far (PyTorch's `state.N.step`); 0 for one never updated. */
  steps: number[];
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  /**
   * The moment buffers keyed as PyTorch's state dict (`state.0.exp_avg`, `state.0.exp_avg_sq`,
   * `state.0.max_exp_avg_sq`), ready for safetensors; absent for a parameter never updated.
   */
  tensors: Record<string, Tensor>;
}

/** Parameters with a weight decay of their own (PyTorch's param groups, for the one option that differs between them in practice). */
export interface AdamParamGroup {
  params: Iterable<Tensor>;
  /** Default: the optimizer's weightDecay. */
  weightDecay?: number;
}

const isGroupList = (v: unknown): v is readonly AdamParamGroup[] =>
  Array.isArray(v) && v.length > 0 && !(v[0] instanceof Tensor) && typeof v[0] === 'object' && v[0] !== null && 'params' in v[0];

const OPTION_NAMES: readonly string[] = ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad'];

const KEYS = { expAvg: 'exp_avg', expAvgSq: 'exp_avg_sq', maxExpAvgSq: 'max_exp_avg_sq' } as const;
const key = (i: number, name: keyof typeof KEYS): string => `state.${i}.${KEYS[name]}`;

/**
 * Adam with PyTorch's update rule (torch.optim.Adam): bias-corrected moment estimates, optional L2
 * weight decay added to the gradient, optional amsgrad. Each step is one fused kernel per parameter
 * updating the parameter's buffer and its moments in place: the parameter tensors stay the same objects.
 */
export class Adam {
  readonly params: readonly Tensor[];
  /** Mutable: schedules set it between steps. */
  lr: number;
  readonly betas: readonly [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  readonly amsgrad: boolean;
  /** Each parameter's weight decay: its group's, else weightDecay. */
  readonly weightDecays: readonly number[];
  private readonly decoupled: boolean;
  private readonly name: string;
  private readonly steps: number[];
  private readonly state: (AdamBuffers | null)[];

  /** `params`: tensors, or groups of them with weight decays of their own (decay on weights, none on biases and norms). */
  constructor(params: Iterable<Tensor> | readonly AdamParamGroup[], options: AdamOptions = {}) {
    this.decoupled = this instanceof AdamW;
    this.name = this.decoupled ? 'AdamW' : 'Adam';
    const groups = isGroupList(params) ? params.map((g) => ({ params: [...g.params], weightDecay: g.weightDecay })) : [{ params: [...(params as Iterable<Tensor>)], weightDecay: undefined }];
    const list = groups.flatMap((g) => g.params);
    if (list.length === 0) throw new WebgradError(`webgrad: ${this.name}: got an empty parameter list`);
    list.forEach((p, i) => {
      checkTensor(p, `${this.name}: params[${i}]`);
      if (p.dtype !== 'float32') throw new WebgradError(`webgrad: ${this.name}: params[${i}] (shape ${fmt(p.shape)}) must be float32, got ${p.dtype}`);
      if (!p.requiresGrad || p.node) {
        throw new WebgradError(`webgrad: ${this.name}: params[${i}] (shape ${fmt(p.shape)}) must be a leaf tensor with requiresGrad`);
      }
      if (list.indexOf(p) !== i) throw new WebgradError(`webgrad: ${this.name}: params[${i}] (shape ${fmt(p.shape)}) appears more than once`);
    });
    if (options === null || typeof options !== 'object') throw new WebgradError(`webgrad: ${this.name}: options must be an object`);
    // PyTorch options this optimizer lacks (maximize, foreach, fused, capturable, …) are refused, not ignored.
    const unknown = Object.keys(options).filter((k) => !OPTION_NAMES.includes(k));
    if (unknown.length) {
      throw new WebgradError(`webgrad: ${this.name}: unsupported option${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (supported: ${OPTION_NAMES.join(', ')})`);
    }
    this.lr = this.checkHyper('lr', options.lr ?? 1e-3);
    const betas = options.betas ?? [0.9, 0.999];
    if (!Array.isArray(betas) || betas.length !== 2 || betas.some((b) => typeof b !== 'number' || !(b >= 0 && b < 1))) {
      throw new WebgradError(`webgrad: ${this.name}: betas must be two numbers in [0, 1), got ${String(betas)}`);
    }
    this.betas = [betas[0], betas[1]];
    this.eps = this.checkHyper('eps', options.eps ?? 1e-8);
    this.weightDecay = this.checkHyper('weightDecay', options.weightDecay ?? (this.decoupled ? 0.01 : 0));
    this.weightDecays = groups.flatMap((g, k) => {
      const decay = g.weightDecay === undefined ? this.weightDecay : this.checkHyper(`params[${k}].weightDecay`, g.weightDecay);
      return g.params.map(() => decay);
    });
    if (options.amsgrad !== undefined && typeof options.amsgrad !== 'boolean') {
      throw new WebgradError(`webgrad: ${this.name}: amsgrad must be a boolean, got ${String(options.amsgrad)}`);
    }
    this.amsgrad = options.amsgrad ?? false;
    this.params = list;
    this.steps = list.map(() => 0);
    this.state = list.map(() => null);
  }

  private checkHyper(name: string, value: unknown): number {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new WebgradError(`webgrad: ${this.name}: ${name} must be a finite number >= 0, got ${String(value)}`);
    }
    return value;
  }

  /** Updates every parameter that has a gradient; those whose `.grad` is null are skipped (their step count too). */
  step(): void {
    this.checkHyper('lr', this.lr);
    this.params.forEach((p, i) => {
      if (p.disposed) throw new WebgradError(`webgrad: ${this.name}.step: params[${i}] (shape ${fmt(p.shape)}) was disposed`);
      const g = p.grad;
      if (g && g.shape.join() !== p.shape.join()) {
        throw new WebgradError(`webgrad: ${this.name}.step: params[${i}].grad has shape ${fmt(g.shape)} but the parameter has ${fmt(p.shape)}`);
      }
    });
    const hyper: AdamHyper = {
      lr: this.lr,
      beta1: this.betas[0],
      beta2: this.betas[1],
      eps: this.eps,
      weightDecay: this.weightDecay,
      decoupled: this.decoupled,
    };
    const fresh = makeStateFirst(
      this.state,
      (i) => this.params[i].grad !== null,
      (i) => {
        const shape = this.params[i].shape;
        const made = allOrNothing(() => ({ expAvg: Tensor.empty(shape), expAvgSq: Tensor.empty(shape), maxExpAvgSq: this.amsgrad ? Tensor.empty(shape) : null }));
        for (const t of [made.expAvg, made.expAvgSq, made.maxExpAvgSq]) if (t) keep(t);
        return made;
      },
      (s) => [s.expAvg, s.expAvgSq, s.maxExpAvgSq].forEach((t) => t?.dispose()),
    );
    this.params.forEach((p, i) => {
      if (!p.grad) return;
      adamKernel(p, p.grad, this.state[i]!, { ...hyper, weightDecay: this.weightDecays[i] }, ++this.steps[i], fresh.has(i));
    });
    runtime().leakCheck?.step();
  }

  /** Drops every parameter's gradient (PyTorch's default, set_to_none). */
  zeroGrad(): void {
    for (const p of this.params) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  /** The optimizer's state; its tensors are the optimizer's own (not copies): do not dispose them. */
  stateDict(): AdamState {
    const tensors: Record<string, Tensor> = {};
    this.state.forEach((s, i) => {
      if (!s) return;
      tensors[key(i, 'expAvg')] = s.expAvg;
      tensors[key(i, 'expAvgSq')] = s.expAvgSq;
      if (s.maxExpAvgSq) tensors[key(i, 'maxExpAvgSq')] = s.maxExpAvgSq;
    });
    return {
      steps: [...this.steps],
      lr: this.lr,
      betas: [this.betas[0], this.betas[1]],
      eps: this.eps,
      weightDecay: this.weightDecay,
      amsgrad: this.amsgrad,
      tensors,
    };
  }

  /**
   * Restores `steps`, `lr` and the moment buffers (copied: the caller keeps its tensors), keyed in
   * `tensors` as `stateDict()` writes them. A parameter with a step count > 0 needs its buffers. The
   * other hyperparameters are the constructor's; a state saved with different ones is refused.
   */
  loadStateDict(state: Partial<AdamState>): void {
    const what = `${this.name}.loadStateDict`;
    if (state === null || typeof state !== 'object') throw new WebgradError(`webgrad: ${what}: state must be an object`);
    if (state.betas !== undefined && (state.betas[0] !== this.betas[0] || state.betas[1] !== this.betas[1])) {
      throw new WebgradError(`webgrad: ${what}: state has betas [${String(state.betas)}] but this optimizer has [${this.betas.join(', ')}]`);
    }
    for (const name of ['eps', 'weightDecay', 'amsgrad'] as const) {
      if (state[name] !== undefined && state[name] !== this[name]) {
        throw new WebgradError(`webgrad: ${what}: state has ${name} ${String(state[name])} but this optimizer has ${String(this[name])}`);
      }
    }
    const steps = state.steps ?? this.params.map(() => 0);
    if (!Array.isArray(steps) || steps.length !== this.params.length) {
      throw new WebgradError(`webgrad: ${what}: state has ${Array.isArray(steps) ? steps.length : 'no'} step counts for ${this.params.length} parameters`);
    }
    const names = (['expAvg', 'expAvgSq', ...(this.amsgrad ? ['maxExpAvgSq' as const] : [])] as const);
    const incoming = this.params.map((p, i) => {
      const n = steps[i];
      if (!Number.isInteger(n) || n < 0) throw new WebgradError(`webgrad: ${what}: steps[${i}] must be an integer >= 0, got ${n}`);
      if (n === 0) return null;
      return names.map((name) => {
        const t = state.tensors?.[key(i, name)];
        if (!t) throw new WebgradError(`webgrad: ${what}: params[${i}] has ${n} steps but state.tensors has no '${key(i, name)}'`);
        checkTensor(t, `${what}: ${key(i, name)}`);
        if (t.shape.join() !== p.shape.join() || t.dtype !== 'float32') {
          throw new WebgradError(`webgrad: ${what}: ${key(i, name)} has shape ${fmt(t.shape)} (${t.dtype}) but params[${i}] has ${fmt(p.shape)} (float32)`);
        }
        return t;
      });
    });
    if (state.lr !== undefined) this.lr = this.checkHyper('lr', state.lr);
    incoming.forEach((ts, i) => {
      this.steps[i] = steps[i];
      const own = this.state[i];
      if (!ts) {
        if (own) for (const t of [own.expAvg, own.expAvgSq, own.maxExpAvgSq]) t?.dispose();
        this.state[i] = null;
        return;
      }
      const target = own ?? {
        expAvg: keep(Tensor.empty(ts[0].shape)),
        expAvgSq: keep(Tensor.empty(ts[0].shape)),
        maxExpAvgSq: this.amsgrad ? keep(Tensor.empty(ts[0].shape)) : null,
      };
      names.forEach((name, k) => {
        const dst = target[name]!;
        if (ts[k] !== dst && ts[k].size > 0) runtime().copy(ts[k].buffer, 0, dst.buffer, 0, ts[k].size * 4);
      });
      this.state[i] = target;
    });
  }

  /** Frees the moment buffers (the parameters belong to the caller). */
  dispose(): void {
    this.state.forEach((s, i) => {
      if (s) for (const t of [s.expAvg, s.expAvgSq, s.maxExpAvgSq]) t?.dispose();
      this.state[i] = null;
    });
  }
}

/**
 * AdamW with PyTorch's update rule (torch.optim.AdamW): Adam whose weight decay shrinks the parameter
 * itself (p ← p·(1 − lr·weightDecay)) instead of adding to the gradient; weightDecay defaults to 0.01.
 */
export class AdamW extends Adam {}
