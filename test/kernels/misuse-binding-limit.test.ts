import * as wg from '../../src/index.js';
import { describeMisuse, limited, columnsLimited } from './misuse.js';

describeMisuse('tensors larger than one storage binding', (t) => [
  // Tensors larger than one storage binding, where the op cannot split them
  ['crossEntropy: logits over the binding limit', limited(() => wg.crossEntropy(t.big, t.i40)), /crossEntropy: logits \[40, 40\] needs 6400 bytes .* more than the policy's bindingLimit of 4096 bytes/],
  ['countCorrect: logits over the binding limit', limited(() => wg.countCorrect(t.big, t.i40)), /countCorrect: logits \[40, 40\] needs 6400 bytes .*bindingLimit of 4096 bytes/],
  ['nllLoss: logProbs over the binding limit', limited(() => wg.nllLoss(t.big, t.i40)), /nllLoss: logProbs \[40, 40\] needs 6400 bytes .*bindingLimit of 4096 bytes/],
  ['softmax: slabs over the binding limit', limited(() => wg.softmax(t.wide, 1)), /softmax: x \[2, 1000\] is larger than one storage binding \(the policy's bindingLimit of 4096 bytes.*so is each of its slabs along the axis \(\[1000, 1\]\)/],
  ['where: a result over the binding limit', limited(() => wg.where(t.big, t.big, 0)), /where: the result \[40, 40\] needs 6400 bytes/],
  ['sum: kept blocks over the binding limit', limited(() => wg.sum(t.wide, 0)), /sum: x \[2, 1000\] keeps blocks of 1000 contiguous elements \(4000 bytes\) after the reduced axes, more than one storage binding holds \(the policy's bindingLimit of 4096 bytes/],
  ['max: kept blocks over the binding limit', limited(() => wg.max(t.wide, 0)), /max: x \[2, 1000\] keeps blocks of 1000/],
  ['argmax: candidates over the binding limit', limited(() => wg.argmax(t.wide, 1)), /argmax: x \[2, 1000\] compares 1000 × 1 elements \(4000 bytes\) per output block, more than one storage binding holds \(the policy's bindingLimit of 4096 bytes/],
  ['add: a broadcast that cannot be split', limited(() => wg.add(t.wide, t.row)), /add: a \[2, 1000\] and b \[1000\] broadcast to \[2, 1000\] \(8000 bytes\), more than one storage binding \(the policy's bindingLimit of 4096 bytes.*cannot be split/],
  ['permute: x over the binding limit', limited(() => wg.permute(t.big, [1, 0])), /permute: x \[40, 40\] needs 6400 bytes in one storage binding, more than the policy's bindingLimit of 4096 bytes .*the view \[40, 40\] of it spans 1600 elements/],
  ['cat: views spanning more than a binding', limited(() => wg.cat([t.big, t.big], 1)), /cat: the result \[40, 80\] needs 12800 bytes .*the view \[40, 40\] of it spans 3160 elements/],
  ['stack: views spanning more than a binding', limited(() => wg.stack([t.big, t.big], 2)), /stack: the result \[40, 40, 2\] needs 12800 bytes .*spans 3199 elements/],
  ['split: a piece spanning more than a binding', limited(() => wg.split(t.big, 20, 1)), /split: x \[40, 40\] needs 6400 bytes .*the view \[40, 20\] of it spans 1580 elements/],
  ['maxPool2d: planes over the binding limit', limited(() => wg.maxPool2d(t.planes, { kernelSize: 3, stride: 2 })), /maxPool2d: x \[3, 5, 9, 9\] is larger than one storage binding \(the policy's bindingLimit of 4096 bytes.*fewest planes/],
  ['avgPool2d: planes over the binding limit', limited(() => wg.avgPool2d(t.planes, { kernelSize: 3 })), /avgPool2d: x \[3, 5, 9, 9\] is larger than one storage binding \(the policy's bindingLimit of 4096 bytes.*fewest planes/],
  ['batchNorm: samples over the binding limit', limited(() => wg.batchNorm(t.samples, null, null, null, null, { training: true })), /batchNorm: x \[2, 1000, 1, 1\] is larger than one storage binding \(the policy's bindingLimit of 4096 bytes.*so is each of its samples/],
  ['localResponseNorm: samples over the binding limit', limited(() => wg.localResponseNorm(t.planes)), /localResponseNorm: x \[3, 5, 9, 9\] is larger than one storage binding .*fewest samples/],
  ['conv2d: one sample of columns over the binding limit', columnsLimited(() => wg.conv2d(t.convImg, t.w4, null, { padding: 1 })), /conv2d: one sample's column matrix \(18 × 144 floats, 10368 bytes; x \[1, 2, 12, 12\], weight \[3, 2, 3, 3\]\) is larger than one storage binding \(the policy's bindingLimit of 4096 bytes/],
  ['conv2d: one sample of x over the binding limit', columnsLimited(() => wg.conv2d(t.convBig, t.w1, null, { stride: 2 })), /conv2d: one sample of x or of the output \(6912 bytes; x \[2, 3, 24, 24\], weight \[1, 3, 1, 1\]\) is larger than one storage binding/],
  ['prepareImages: pixels over the binding limit', limited(() => wg.prepareImages(t.words, { n: 1, inSize: 40, mean: [0, 0, 0] })), /prepareImages: pixels \[1200\] needs 4800 bytes .*bindingLimit of 4096 bytes/],
  ['prepareImages: a result over the binding limit', limited(() => wg.prepareImages(t.i3, { n: 1, inSize: 1, outSize: 20, mean: [0, 0, 0] })), /prepareImages: the result \[1, 3, 20, 20\] needs 4800 bytes/],
]);
