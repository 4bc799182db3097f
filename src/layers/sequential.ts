import { WebgradError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { ReLU } from './basic.js';
import { Conv2d } from './conv.js';
import { Module } from './module.js';

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

  forward(x: Tensor): Tensor {
    let y = x;
    for (let i = 0; i < this.layers.length; i++) {
      const m = this.layers[i];
      // A Conv2d followed by a ReLU (neither subclassed, so neither forward is replaced) runs as
      // one kernel, the ReLU in the convolution's epilogue: the same values and gradients.
      if (m.constructor === Conv2d && this.layers[i + 1]?.constructor === ReLU) {
        y = (m as Conv2d).forwardRelu(y);
        i++;
      } else {
        y = m.forward(y);
      }
    }
    return y;
  }
}
