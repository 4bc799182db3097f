import { WebgradError } from '../errors.js';
import { record } from '../graph/record.js';
import { conv2dBackwardKernel, conv2dKernel, planConv2d, type ConvGeometry } from '../kernels/conv.js';
import { reluBackwardKernel } from '../kernels/elementwise.js';
import { bindingLimits } from '../kernels/ranges.js';
import { runtime } from '../device/current.js';
import { fmt } from '../tensor/shape.js';
import { allOrNothing } from '../graph/scope.js';
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
 * bias [Cout]; returns [N, Cout, OH, OW]. On GPUs it runs as implicit GEMMs (no column matrix);
 * on CPU adapters 3×3 stride-1 layers of 8 channels or more as Winograd F(2×2, 3×3), the rest as
 * im2col then one GEMM per batch chunk (`init({ conv })` chooses).
 */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: Conv2dOptions = {}): Tensor {
  return convolve(x, weight, bias ?? null, options, false);
}

/**
 * relu(conv2d(x, weight, bias)) with the ReLU in the convolution's epilogue, for nn.Sequential's
 * Conv2d followed by ReLU; its gradient passes where the output is > 0, as ReLU's does.
 */
export function conv2dRelu(x: Tensor, weight: Tensor, bias?: Tensor | null, options: Conv2dOptions = {}): Tensor {
  return convolve(x, weight, bias ?? null, options, true);
}

function convolve(x: Tensor, weight: Tensor, bias: Tensor | null, options: Conv2dOptions, relu: boolean): Tensor {
  const op = relu ? 'conv2dRelu' : 'conv2d';
  options ??= {};
  if (typeof options !== 'object') throw new WebgradError(`webgrad: ${op}: options must be an object { stride, padding }, got ${String(options)}`);
  checkTensor(x, `${op}: x`);
  checkTensor(weight, `${op}: weight`);
  checkFloat(x, `${op}: x`);
  checkFloat(weight, `${op}: weight`);
  if (x.rank !== 4) throw new WebgradError(`webgrad: ${op}: x must be [N, C, H, W], got ${fmt(x.shape)}`);
  if (weight.rank !== 4) throw new WebgradError(`webgrad: ${op}: weight must be [Cout, Cin, kh, kw], got ${fmt(weight.shape)}`);
  const [n, c, h, w] = x.shape;
  const [cout, cin, kh, kw] = weight.shape;
  if (cin !== c) {
    throw new WebgradError(`webgrad: ${op}: weight ${fmt(weight.shape)} expects ${cin} input channels but x ${fmt(x.shape)} has ${c}`);
  }
  if (bias) {
    checkTensor(bias, `${op}: bias`);
    checkFloat(bias, `${op}: bias`);
    if (bias.rank !== 1 || bias.shape[0] !== cout) {
      throw new WebgradError(`webgrad: ${op}: bias must be [${cout}] for weight ${fmt(weight.shape)}, got ${fmt(bias.shape)}`);
    }
  }
  const [sh, sw] = pairOf(options.stride ?? 1, `${op}: stride`, 1);
  const [ph, pw] = pairOf(options.padding ?? 0, `${op}: padding`, 0);
  const oh = windowOutput(h, kh, sh, ph, `${op}: kernel ${fmt(weight.shape)} (height)`, x.shape);
  const ow = windowOutput(w, kw, sw, pw, `${op}: kernel ${fmt(weight.shape)} (width)`, x.shape);
  const g: ConvGeometry = { n, c, h, w, cout, kh, kw, sh, sw, ph, pw, oh, ow };
  const plan = (): ReturnType<typeof planConv2d> => planConv2d(op, g, x.requiresGrad, bindingLimits(), runtime().policy);
  const forward = plan();
  const out = allOrNothing(() => conv2dKernel(x, weight, bias, g, forward, relu));
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return record(out, op, inputs, (grad) => {
    const masked = relu ? reluBackwardKernel(grad, out) : grad;
    // The backward plans again: it may run under another policy (a binding limit, the conv form).
    const want = { x: x.requiresGrad, weight: weight.requiresGrad, bias: !!bias?.requiresGrad };
    const { gx, gw, gb } = conv2dBackwardKernel(x, weight, masked, g, want, plan());
    if (masked !== grad) masked.dispose();
    return bias ? [gx, gw, gb] : [gx, gw];
  });
}
