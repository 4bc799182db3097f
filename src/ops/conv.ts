import { WebgradError } from '../device/errors.js';
import { record } from '../autograd/engine.js';
import { conv2dBackwardKernel, conv2dKernel, type ConvGeometry } from '../kernels/conv.js';
import { fmt } from '../tensor/shape.js';
import { checkTensor, type Tensor } from '../tensor/tensor.js';
import { pairOf, windowOutput } from './window.js';

export interface Conv2dOptions {
  stride?: number | [number, number];
  padding?: number | [number, number];
}

function checkFloat(t: Tensor, what: string): void {
  if (t.dtype !== 'float32') throw new WebgradError(`webgrad: ${what} must be float32, got ${t.dtype} (shape ${fmt(t.shape)})`);
}

/**
 * 2-D convolution (cross-correlation, as PyTorch): x [N, Cin, H, W], weight [Cout, Cin, kh, kw],
 * bias [Cout]; returns [N, Cout, OH, OW]. Runs as im2col then one GEMM per batch chunk.
 */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: Conv2dOptions = {}): Tensor {
  options ??= {};
  if (typeof options !== 'object') throw new WebgradError(`webgrad: conv2d: options must be an object { stride, padding }, got ${String(options)}`);
  checkTensor(x, 'conv2d: x');
  checkTensor(weight, 'conv2d: weight');
  checkFloat(x, 'conv2d: x');
  checkFloat(weight, 'conv2d: weight');
  if (x.rank !== 4) throw new WebgradError(`webgrad: conv2d: x must be [N, C, H, W], got ${fmt(x.shape)}`);
  if (weight.rank !== 4) throw new WebgradError(`webgrad: conv2d: weight must be [Cout, Cin, kh, kw], got ${fmt(weight.shape)}`);
  const [n, c, h, w] = x.shape;
  const [cout, cin, kh, kw] = weight.shape;
  if (cin !== c) {
    throw new WebgradError(`webgrad: conv2d: weight ${fmt(weight.shape)} expects ${cin} input channels but x ${fmt(x.shape)} has ${c}`);
  }
  if (bias) {
    checkTensor(bias, 'conv2d: bias');
    checkFloat(bias, 'conv2d: bias');
    if (bias.rank !== 1 || bias.shape[0] !== cout) {
      throw new WebgradError(`webgrad: conv2d: bias must be [${cout}] for weight ${fmt(weight.shape)}, got ${fmt(bias.shape)}`);
    }
  }
  const [sh, sw] = pairOf(options.stride ?? 1, 'conv2d: stride', 1);
  const [ph, pw] = pairOf(options.padding ?? 0, 'conv2d: padding', 0);
  const oh = windowOutput(h, kh, sh, ph, `conv2d: kernel ${fmt(weight.shape)} (height)`, x.shape);
  const ow = windowOutput(w, kw, sw, pw, `conv2d: kernel ${fmt(weight.shape)} (width)`, x.shape);
  const g: ConvGeometry = { n, c, h, w, cout, kh, kw, sh, sw, ph, pw, oh, ow };
  const out = conv2dKernel(x, weight, bias ?? null, g);
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return record(out, 'conv2d', inputs, (grad) => {
    const { gx, gw, gb } = conv2dBackwardKernel(x, weight, grad, g, {
      x: x.requiresGrad,
      weight: weight.requiresGrad,
      bias: !!bias?.requiresGrad,
    });
    return bias ? [gx, gw, gb] : [gx, gw];
  });
}
