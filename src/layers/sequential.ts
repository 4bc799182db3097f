import { WebgradError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

/** One step of a container's forward: a module, or a module fused with those after it. */
export interface Step {
  /** The modules the step runs, in order. */
  readonly modules: readonly Module[];
  forward(x: Tensor): Tensor;
}

/**
 * The fusion pass: the steps that run `modules` in order, each module fused with its successor
 * where the module's `fuseWith` hook offers a fused forward (Conv2d then ReLU), else alone. Pure:
 * it runs nothing, so a test can see what fuses. Sequential runs its modules through it.
 */
export function fuse(modules: readonly Module[]): Step[] {
  const steps: Step[] = [];
  for (let i = 0; i < modules.length; i++) {
    const m = modules[i];
    const next = modules[i + 1];
    const fused = next ? m.fuseWith(next) : null;
    if (fused) {
      steps.push({ modules: [m, next], forward: fused });
      i++;
    } else {
      steps.push({ modules: [m], forward: (x) => m.forward(x) });
    }
  }
  return steps;
}

/** torch.nn.Sequential: applies its modules in order; they are named '0', '1', … */
export class Sequential extends Module {
  private readonly layers: Module[];

  constructor(...modules: Module[]) {
    super();
    modules.forEach((m, i) => {
      if (!(m instanceof Module)) throw new WebgradError(`webgrad: Sequential: argument ${i} must be a Module, got ${typeof m}`);
      this.addModule(String(i), m);
    });
    this.layers = modules;
  }

  get length(): number {
    return this.layers.length;
  }

  /** The i-th module (negative counts from the end). */
  at(i: number): Module {
    const m = this.layers.at(i);
    if (!m) throw new WebgradError(`webgrad: Sequential.at: index ${i} is out of range for ${this.layers.length} modules`);
    return m;
  }

  /** Runs the modules in order, fused where they allow it (see fuse): the same values and gradients. */
  forward(x: Tensor): Tensor {
    let y = x;
    for (const step of fuse(this.layers)) y = step.forward(y);
    return y;
  }
}
