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
