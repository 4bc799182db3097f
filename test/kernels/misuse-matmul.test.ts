import * as wg from '../../src/index.js';
import { describeMisuse } from './misuse.js';

describeMisuse('linear algebra', (t) => [
  // linear algebra
  ['matmul: inner dimensions', () => wg.matmul(t.a23, t.b45), /matmul: inner dimensions differ \(3 vs 4\) for a \[2, 3\] and b \[4, 5\]/],
  ['matmul: 1-D of the wrong length', () => wg.matmul(t.v3, t.a23), /matmul: inner dimensions differ \(3 vs 2\) for a \[3\] and b \[2, 3\]/],
  ['matmul: a 0-D operand', () => wg.matmul(wg.tensor(2), t.b34), /matmul: a and b must have at least one dimension, got a \[\] and b \[3, 4\]/],
  ['matmul: int32', () => wg.matmul(t.i23, t.b34), /matmul: a must be float32, got int32 \(shape \[2, 3\]\)/],
  ['matmul: not a tensor', () => wg.matmul([[1]] as never, t.b34), /matmul: a must be a Tensor, got an array/],
  ['matmul: disposed b', () => wg.matmul(t.a23, t.dead), /matmul: b \(shape \[2, 2\]\) was used after dispose/],
  ['linear: int32 x', () => wg.linear(t.i23, t.lin), /linear: x must be float32, got int32 \(shape \[2, 3\]\)/],
  ['linear: in-features', () => wg.linear(t.b34, t.lin), /linear: x \[3, 4\] must end in the weight's in-features 3 \(weight \[2, 3\]\)/],
  ['linear: bias shape', () => wg.linear(t.a23, t.lin, t.v3), /linear: bias \[3\] must be \[2\] for weight \[2, 3\]/],
  ['linear: 1-D weight', () => wg.linear(t.a23, t.v3), /linear: weight must be 2-D \[out, in\], got \[3\]/],
]);
