import { WebgradError } from '../errors.js';
import { sigmoid, tanh } from '../ops/elementwise.js';
import { softmax } from '../ops/softmax.js';
import { gelu, geluApprox, type GeluOptions } from '../ops/gelu.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

/** torch.nn.Sigmoid. */
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

/** torch.nn.Tanh. */
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

/** torch.nn.Softmax along `axis` (PyTorch's dim; required here, as PyTorch warns without it). */
export class Softmax extends Module {
  constructor(readonly axis: number) {
    super();
    if (!Number.isInteger(axis)) throw new WebgradError(`webgrad: Softmax: axis must be an integer, got ${String(axis)}`);
  }

  forward(x: Tensor): Tensor {
    return softmax(x, this.axis);
  }
}

/** torch.nn.GELU (approximate 'none', the default, or 'tanh'). */
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';

  constructor(options: GeluOptions = {}) {
    super();
    this.approximate = geluApprox(options, 'GELU') ? 'tanh' : 'none';
  }

  forward(x: Tensor): Tensor {
    return gelu(x, { approximate: this.approximate });
  }
}
