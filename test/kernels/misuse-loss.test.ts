import * as wg from '../../src/index.js';
import { describeMisuse } from './misuse.js';

describeMisuse('losses', (t) => [
  // losses
  ['crossEntropy: label out of range (numbers)', () => wg.crossEntropy(t.logits, [0, 4, 1]), /crossEntropy: labels\[1\] = 4 is not a class index in \[0, 4\) for logits \[3, 4\]/],
  ['crossEntropy: negative label', () => wg.crossEntropy(t.logits, [0, -1, 1]), /labels\[1\] = -1 is not a class index/],
  ['crossEntropy: fractional label', () => wg.crossEntropy(t.logits, [0, 1.5, 1]), /labels\[1\] = 1.5 is not a class index/],
  ['crossEntropy: float labels tensor', () => wg.crossEntropy(t.logits, t.v3), /crossEntropy: labels must be int32, got float32 \(shape \[3\]\)/],
  ['crossEntropy: labels count', () => wg.crossEntropy(t.logits, [0, 1]), /crossEntropy: labels has 2 entries but logits \[3, 4\] has 3 rows/],
  ['crossEntropy: 1-D logits', () => wg.crossEntropy(t.v3, [0]), /crossEntropy: logits must be \[N, C\], got \[3\]/],
  ['crossEntropy: int labels of the wrong shape', () => wg.crossEntropy(t.logits, t.i23), /crossEntropy: labels must be \[3\] for logits \[3, 4\], got \[2, 3\]/],
  ['crossEntropy: labels a string', () => wg.crossEntropy(t.logits, 'abc' as never), /crossEntropy: labels must be an int32 Tensor or an array of class indices, got string/],
  ['countCorrect: disposed logits', () => wg.countCorrect(t.dead, [0, 1]), /countCorrect: logits \(shape \[2, 2\]\) was used after dispose/],
]);
