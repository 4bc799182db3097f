import * as wg from '../../src/index.js';
import { describeMisuse } from './misuse.js';

describeMisuse('reductions', (t) => [
  // reductions
  ['sum: int32', () => wg.sum(t.i23), /sum: x must be float32, got int32 \(shape \[2, 3\]\)/],
  ['mean: int32', () => wg.mean(t.i23), /mean: x must be float32, got int32/],
  ['max: int32', () => wg.max(t.i23), /max: x must be float32, got int32/],
  ['argmax: int32', () => wg.argmax(t.i23), /argmax: x must be float32, got int32/],
  ['sum: axis out of range', () => wg.sum(t.a23, 2), /sum: axis 2 is out of range for a tensor of rank 2/],
  ['sum: negative axis out of range', () => wg.sum(t.a23, -3), /sum: axis -3 is out of range/],
  ['mean: fractional axis', () => wg.mean(t.a23, 0.5), /mean: axis 0.5 is not an integer/],
  ['mean: string axis', () => wg.mean(t.a23, '0' as never), /mean: axes must be an integer or an array of integers, got "0"/],
  ['mean: string in the axes', () => wg.mean(t.a23, ['0'] as never), /mean: axis "0" is not an integer/],
  ['sum: repeated axes', () => wg.sum(t.a23, [0, -2]), /sum: axes \[0, -2\] repeat/],
  ['sum: keepDims not a boolean', () => wg.sum(t.a23, 0, 1 as never), /sum: keepDims must be true or false, got 1/],
  ['max: of an empty tensor', () => wg.max(t.empty), /max: x \[0\] has no elements along axis 0, so there is no maximum/],
  ['max: along an empty axis', () => wg.max(t.empty20, 1), /max: x \[2, 0\] has no elements along axis 1/],
  ['argmax: of an empty axis', () => wg.argmax(t.empty20, 1), /argmax: x \[2, 0\] has no elements along axis 1/],
  ['argmax: an array of axes', () => wg.argmax(t.a23, [0, 1] as never), /argmax: axis must be one integer, got \[0, 1\]/],
  ['sum: disposed', () => wg.sum(t.dead), /sum: x \(shape \[2, 2\]\) was used after dispose/],
]);
