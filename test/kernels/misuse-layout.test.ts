import * as wg from '../../src/index.js';
import { describeMisuse } from './misuse.js';

describeMisuse('layout', (t) => [
  // layout
  ['reshape: wrong count', () => wg.reshape(t.a23, [4]), /reshape: shape: cannot reshape \[2, 3\] \(6 elements\) to \[4\]/],
  ['reshape: -1 that does not divide names the shape given', () => wg.reshape(t.a23, [-1, 4]), /cannot view \[2, 3\] \(6 elements\) as \[-1, 4\]: 6 is not a multiple of 4/],
  ['reshape: two -1', () => wg.reshape(t.a23, [-1, -1]), /reshape: shape \[-1, -1\]: only one dimension can be -1/],
  ['reshape: -1 beside a 0', () => t.empty.reshape([0, -1]), /cannot view \[0\] \(0 elements\) as \[0, -1\]: the -1 could be any size/],
  ['reshape: -2', () => t.a23.reshape([-2, -3]), /reshape: shape \[-2, -3\] has a dimension that is not a non-negative integer or -1 \(-2\)/],
  ['reshape: fractional', () => t.a23.reshape([1.5, 4]), /reshape: shape \[1.5, 4\]/],
  ['reshape: not an array', () => t.a23.reshape(6 as never), /reshape: shape must be an array of dimensions, got the number 6/],
  ['reshape: disposed', () => t.dead.reshape([4]), /reshape: x \(shape \[2, 2\]\) was used after dispose/],
  ['permute: not a permutation', () => wg.permute(t.a23, [0, 0]), /permute: axes \[0, 0\] repeat/],
  ['permute: wrong length', () => wg.permute(t.a23, [0]), /permute: axes \[0\] are not a permutation of the 2 dimensions of \[2, 3\]/],
  ['permute: not an array', () => wg.permute(t.a23, 1 as never), /permute: axes must be an array of dimensions, got 1/],
  ['transpose: axis out of range', () => wg.transpose(t.a23, 0, 5), /transpose: axis 5 is out of range for a tensor of rank 2/],
  ['expand: incompatible', () => wg.expand(t.v3, [2, 4]), /expand: shapes a \[3\] and b \[2, 4\] cannot be broadcast/],
  ['expand: shape not an array', () => wg.expand(t.v3, 3 as never), /expand: shape must be an array of dimensions, got 3/],
]);
