import * as wg from '../../src/index.js';
import { describeMisuse } from './misuse.js';

describeMisuse('convolution, pooling, normalisation, dropout', (t) => [
  // convolution, pooling, normalisation, dropout
  ['conv2d: 3-D x', () => wg.conv2d(t.a23.reshape([1, 2, 3]), t.w4), /conv2d: x must be \[N, C, H, W\], got \[1, 2, 3\]/],
  ['conv2d: channels', () => wg.conv2d(wg.tidy(() => wg.keep(wg.zeros([1, 3, 5, 5]))), t.w4), /conv2d: weight \[3, 2, 3, 3\] expects 2 input channels but x \[1, 3, 5, 5\] has 3/],
  ['conv2d: kernel larger than the input', () => wg.conv2d(t.img.reshape([1, 2, 25, 1]), t.w4), /conv2d: kernel \[3, 2, 3, 3\] \(width\) of 3 is larger than the padded input \(1 \+ 2·0\) of x \[1, 2, 25, 1\]/],
  ['conv2d: zero stride', () => wg.conv2d(t.img, t.w4, null, { stride: 0 }), /conv2d: stride must be an integer >= 1 or a pair of them, got 0/],
  ['conv2d: fractional padding', () => wg.conv2d(t.img, t.w4, null, { padding: 0.5 }), /conv2d: padding must be an integer >= 0 .* got 0.5/],
  ['conv2d: NaN stride', () => wg.conv2d(t.img, t.w4, null, { stride: [1, Number.NaN] }), /conv2d: stride .* got \[1, NaN\]/],
  ['conv2d: int32 x', () => wg.conv2d(wg.tensor(new Int32Array(50), [1, 2, 5, 5], { dtype: 'int32' }), t.w4), /conv2d: x must be float32, got int32/],
  ['conv2d: bias shape', () => wg.conv2d(t.img, t.w4, t.v3.reshape([1, 3])), /conv2d: bias must be \[3\] for weight \[3, 2, 3, 3\], got \[1, 3\]/],
  ['maxPool2d: no options', () => wg.maxPool2d(t.img, undefined as never), /maxPool2d: kernelSize is required/],
  ['maxPool2d: negative kernel', () => wg.maxPool2d(t.img, { kernelSize: -2 }), /maxPool2d: kernelSize must be an integer >= 1/],
  ['maxPool2d: too much padding', () => wg.maxPool2d(t.img, { kernelSize: 2, padding: 2 }), /maxPool2d: padding \[2, 2\] must be at most half of kernelSize \[2, 2\]/],
  ['maxPool2d: kernel larger than x', () => wg.maxPool2d(t.img, { kernelSize: 6 }), /maxPool2d: kernelSize \(height\) of 6 is larger than the padded input \(5 \+ 2·0\) of x \[1, 2, 5, 5\]/],
  ['maxPool2d: 2-D x', () => wg.maxPool2d(t.a23, { kernelSize: 2 }), /maxPool2d: x must be \[N, C, H, W\], got \[2, 3\]/],
  ['localResponseNorm: size 0', () => wg.localResponseNorm(t.img, { size: 0 }), /localResponseNorm: size must be a positive integer, got 0/],
  ['localResponseNorm: NaN beta', () => wg.localResponseNorm(t.img, { beta: Number.NaN }), /localResponseNorm: beta must be a finite number, got NaN/],
  ['localResponseNorm: 2-D x', () => wg.localResponseNorm(t.a23), /localResponseNorm: x must have at least 3 dimensions \[N, C, \.\.\.\], got \[2, 3\]/],
  ['dropout: p above 1', () => wg.dropout(t.a23, { p: 1.5 }), /dropout: p must be in \[0, 1\], got 1.5/],
  ['dropout: NaN p', () => wg.dropout(t.a23, { p: Number.NaN }), /dropout: p must be in \[0, 1\], got NaN/],
  ['dropout: int32', () => wg.dropout(t.i3), /dropout: x must be float32, got int32/],
]);
