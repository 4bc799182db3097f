import * as wg from '../../src/index.js';
import { describeMisuse } from '../kernels/misuse.js';

describeMisuse('autograd', (t) => [
  // autograd
  ['backward: no grad required', () => wg.sum(t.a23).backward(), /backward\(\): the tensor of shape \[\] does not require grad/],
  ['backward: non-scalar without gradient', () => wg.mul(wg.tensor([1, 2], { requiresGrad: true }), 2).backward(), /backward\(\): a tensor of shape \[2\] needs an explicit gradient/],
  ['backward: gradient of the wrong shape', () => wg.mul(wg.tensor([1, 2], { requiresGrad: true }), 2).backward(wg.ones([3])), /backward\(\): gradient \[3\] does not match the tensor's shape \[2\]/],
  ['backward: int32 gradient', () => wg.mul(wg.tensor([1, 2], { requiresGrad: true }), 2).backward(wg.tensor([1, 1], [2], { dtype: 'int32' })), /backward\(\): gradient must be float32, got int32/],
  ['backward: gradient not a tensor', () => wg.mul(wg.tensor([1, 2], { requiresGrad: true }), 2).backward([1, 1] as never), /backward\(\): gradient must be a Tensor, got object/],
  ['backward: disposed root', () => { const y = wg.sum(wg.tensor([1], { requiresGrad: true })); y.dispose(); y.backward(); }, /backward\(\): the tensor of shape \[\] was used after dispose/],
  ['item: more than one element', () => t.a23.item(), /item\(\) needs a one-element tensor, got shape \[2, 3\]/],
]);
