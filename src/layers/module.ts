import { WebgradError } from '../errors.js';
import { runtime } from '../device/current.js';
import { fmt, type Shape } from '../tensor/shape.js';
import { keep } from '../graph/scope.js';
import { checkTensor, Tensor } from '../tensor/tensor.js';
import type { InitScheme } from './init-scheme.js';

export interface LoadStateDictOptions {
  /** Refuse missing and unexpected keys (default true, as PyTorch). */
  strict?: boolean;
}

export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/**
 * A layer or a model made of layers, as torch.nn.Module: parameters and sub-modules are
 * registered by name in the constructor, which gives PyTorch's dotted names
 * (`features.0.weight`), the train/eval switch and state dicts.
 */
export abstract class Module {
  /** Set by train() / eval(); layers such as Dropout read it. */
  training = true;
  private readonly ownParameters = new Map<string, Tensor>();
  private readonly ownChildren = new Map<string, Module>();
  private readonly ownBuffers = new Map<string, Tensor>();

  abstract forward(x: Tensor): Tensor;

  /**
   * Writes fresh initial values into this module's own parameters (not its children's), by
   * `scheme`, from `seed`. Modules without parameters do nothing; `initialise()` walks a model.
   */
  resetParameters(_scheme: InitScheme, _seed: number): void {}

  /**
   * The fusion hook: when this module followed by `next` can run as one step with the same values
   * and gradients (Conv2d then ReLU: the ReLU in the convolution's epilogue), the step's forward;
   * else null (the default). Containers ask it of each module and its successor (`fuse()` in
   * sequential.ts); a subclass that replaces `forward` should not inherit a fusion that skips it.
   */
  fuseWith(_next: Module): ((x: Tensor) => Tensor) | null {
    return null;
  }

  /** Creates a parameter: a leaf that requires grad, kept out of every tidy scope. Values are set by resetParameters. */
  protected addParameter(name: string, shape: Shape): Tensor {
    this.checkName(name);
    const t = keep(Tensor.empty(shape));
    t.requiresGrad = true;
    this.ownParameters.set(name, t);
    return t;
  }

  /**
   * Registers state that is not a parameter (BatchNorm's running statistics): in the state dict under
   * its dotted name, after the module's parameters, as PyTorch's buffers; kept out of every tidy scope.
   */
  protected addBuffer(name: string, t: Tensor): Tensor {
    this.checkName(name);
    this.ownBuffers.set(name, keep(t));
    return t;
  }

  /** Every buffer, named as PyTorch names them, module by module. */
  namedBuffers(): [string, Tensor][] {
    return this.namedModules().flatMap(([path, m]) => [...m.ownBuffers].map(([name, t]): [string, Tensor] => [path ? `${path}.${name}` : name, t]));
  }

  protected addModule<M extends Module>(name: string, module: M): M {
    this.checkName(name);
    if (!(module instanceof Module)) throw new WebgradError(`webgrad: ${this.constructor.name}: child '${name}' must be a Module`);
    this.ownChildren.set(name, module);
    return module;
  }

  namedChildren(): [string, Module][] {
    return [...this.ownChildren];
  }

  children(): Module[] {
    return [...this.ownChildren.values()];
  }

  /** This module and every module below it, depth first, each once, named by dotted path ('' for this one). */
  namedModules(prefix = '', seen = new Set<Module>()): [string, Module][] {
    if (seen.has(this)) return [];
    seen.add(this);
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.ownChildren) out.push(...child.namedModules(prefix ? `${prefix}.${name}` : name, seen));
    return out;
  }

  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Every parameter once, named as PyTorch names them: own parameters first, then each child's. */
  namedParameters(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    for (const [path, m] of this.namedModules()) {
      for (const [name, t] of m.ownParameters) {
        if (seen.has(t)) continue;
        seen.add(t);
        out.push([path ? `${path}.${name}` : name, t]);
      }
    }
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Total number of parameter elements. */
  parameterCount(): number {
    return this.parameters().reduce((n, t) => n + t.size, 0);
  }

  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Drops every parameter's gradient (set to null, PyTorch's default). */
  zeroGrad(): void {
    for (const t of this.parameters()) {
      t.grad?.dispose();
      t.grad = null;
    }
  }

  /**
   * The parameters and buffers by name: the module's own tensors (not copies), as PyTorch's
   * state_dict (each module's parameters, then its buffers).
   */
  stateDict(): Record<string, Tensor> {
    const params = new Map(this.namedParameters());
    const out: [string, Tensor][] = [];
    for (const [path, m] of this.namedModules()) {
      const prefix = path ? `${path}.` : '';
      for (const name of m.ownParameters.keys()) if (params.has(prefix + name)) out.push([prefix + name, params.get(prefix + name)!]);
      for (const [name, t] of m.ownBuffers) out.push([prefix + name, t]);
    }
    return Object.fromEntries(out);
  }

  /**
   * Copies values into the parameters, which stay the same tensors (optimizers holding them keep
   * working). Every shape is checked before anything is copied.
   */
  loadStateDict(state: Record<string, Tensor>, options: LoadStateDictOptions = {}): LoadStateDictResult {
    if (state === null || typeof state !== 'object') throw new WebgradError('webgrad: loadStateDict: state must be a record of tensors');
    const strict = options.strict ?? true;
    const own = new Map(Object.entries(this.stateDict()));
    const missingKeys = [...own.keys()].filter((k) => !(k in state));
    const unexpectedKeys = Object.keys(state).filter((k) => !own.has(k));
    if (strict && (missingKeys.length || unexpectedKeys.length)) {
      throw new WebgradError(
        `webgrad: loadStateDict: ${this.constructor.name} state dict does not match: ` +
          `missing keys [${missingKeys.join(', ')}], unexpected keys [${unexpectedKeys.join(', ')}]`,
      );
    }
    const pairs: [Tensor, Tensor][] = [];
    for (const [key, target] of own) {
      if (!(key in state)) continue;
      const src = state[key];
      checkTensor(src, `loadStateDict: '${key}'`);
      if (src.dtype !== target.dtype || src.shape.join() !== target.shape.join()) {
        throw new WebgradError(
          `webgrad: loadStateDict: '${key}' has shape ${fmt(src.shape)} (${src.dtype}) but the parameter has ${fmt(target.shape)} (${target.dtype})`,
        );
      }
      pairs.push([src, target]);
    }
    for (const [src, target] of pairs) if (src !== target && src.size > 0) runtime().copy(src.buffer, 0, target.buffer, 0, src.size * 4);
    return { missingKeys, unexpectedKeys };
  }

  /** Frees every parameter (and its gradient) and buffer, this module's and its children's. */
  dispose(): void {
    for (const t of this.parameters()) t.dispose();
    for (const [, t] of this.namedBuffers()) t.dispose();
  }

  private checkName(name: string): void {
    if (typeof name !== 'string' || name === '' || name.includes('.')) {
      throw new WebgradError(`webgrad: ${this.constructor.name}: name '${String(name)}' must be a non-empty string without '.'`);
    }
    if (this.ownParameters.has(name) || this.ownChildren.has(name) || this.ownBuffers.has(name)) {
      throw new WebgradError(`webgrad: ${this.constructor.name}: '${name}' is already registered`);
    }
  }
}
