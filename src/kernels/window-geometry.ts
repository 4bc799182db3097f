import type { Tensor } from '../tensor/tensor.js';

/**
 * The geometry of a windowed kernel over NCHW planes (conv2d, max and average pooling; checked by
 * their ops): x [n, c, h, w], windows kh × kw at strides sh, sw after padding ph, pw, and the
 * output's oh × ow windows.
 */
export interface WindowGeometry {
  n: number;
  c: number;
  h: number;
  w: number;
  oh: number;
  ow: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
}

/**
 * conv2d's geometry (checked by the op): x [n, c, h, w], weight [cout, c, kh, kw], out [n, cout,
 * oh, ow]. Here, not in conv.ts, so that the column, implicit and Winograd forms (conv.ts, conv-implicit.ts, winograd.ts,
 * conv-implicit-plan.ts) import it from below rather than from each other.
 */
export interface ConvGeometry extends WindowGeometry {
  cout: number;
}

/** conv2d's gradients (null where not asked for). */
export interface ConvGrads {
  gx: Tensor | null;
  gw: Tensor | null;
  gb: Tensor | null;
}

/** Which of conv2d's gradients to compute: the input's, the weight's, the bias's. */
export interface ConvGradsWanted {
  x: boolean;
  weight: boolean;
  bias: boolean;
}
