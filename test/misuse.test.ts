// Misuse as a new user would commit it: each case must throw a WebgradError, before any GPU work,
// whose message names the argument (and the shapes or values at fault).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../src/index.js';
import { setupDevice } from './helpers.js';

beforeAll(setupDevice);

/** Tensors the cases use; made once, disposed at the end. */
let t: Record<string, wg.Tensor>;
beforeAll(() => {
  t = {
    a23: wg.tensor([1, 2, 3, 4, 5, 6], [2, 3]),
    b34: wg.rand([3, 4], { seed: 1 }),
    b45: wg.rand([4, 5], { seed: 2 }),
    v3: wg.tensor([1, 2, 3]),
    i3: wg.tensor([0, 1, 2], [3], { dtype: 'int32' }),
    i23: wg.tensor([1, 2, 3, 4, 5, 6], [2, 3], { dtype: 'int32' }),
    img: wg.rand([1, 2, 5, 5], { seed: 3 }),
    w4: wg.rand([3, 2, 3, 3], { seed: 4 }),
    empty: wg.zeros([0]),
    empty20: wg.zeros([2, 0]),
    logits: wg.rand([3, 4], { seed: 5 }),
    lin: wg.rand([2, 3], { seed: 6 }),
    dead: wg.ones([2, 2]),
    // Larger than the 4096-byte binding limit the cases below set (1600, 2000 and 1215 elements).
    big: wg.rand([40, 40], { seed: 7 }),
    wide: wg.rand([2, 1000], { seed: 8 }),
    row: wg.rand([1000], { seed: 9 }),
    planes: wg.rand([3, 5, 9, 9], { seed: 10 }),
    samples: wg.rand([2, 1000, 1, 1], { seed: 11 }),
    i40: wg.tensor(new Int32Array(40), [40], { dtype: 'int32' }),
    words: wg.tensor(new Int32Array(1200), [1200], { dtype: 'int32' }),
    // A 3×3 convolution of this has 18 × 144 floats of columns per sample (10 KiB); 1728 floats a sample.
    convImg: wg.rand([1, 2, 12, 12], { seed: 12 }),
    convBig: wg.rand([2, 3, 24, 24], { seed: 13 }),
    w1: wg.rand([1, 3, 1, 1], { seed: 14 }),
  };
  t.dead.dispose();
});
afterAll(() => {
  for (const x of Object.values(t)) x.dispose();
});

type Case = [name: string, run: () => unknown, ...patterns: RegExp[]];

/** Runs `f` with storage bindings limited to 4096 bytes (the policy's bindingLimit, as a small device's). */
const limited = (f: () => unknown) => () => wg.withPolicy({ bindingLimit: 4096 }, f);
/** The same on conv2d's column path (a GPU's default, the implicit kernels, binds no columns). */
const columnsLimited = (f: () => unknown) => () => wg.withPolicy({ bindingLimit: 4096, conv: 'im2col' }, f);

const cases: () => Case[] = () => [
  // tensor()
  ['tensor: ragged nested arrays', () => wg.tensor([[1, 2], [3]]), /tensor: data is ragged: data\[1\] has 1 entries but data\[0\] has 2/],
  ['tensor: ragged depth', () => wg.tensor([[1, 2], 3] as never), /ragged: data\[1\] has not an array/],
  ['tensor: nested deeper in one row', () => wg.tensor([[1, [2]]] as never), /ragged: data\[0\]\[1\] is an array/],
  ['tensor: strings', () => wg.tensor(['1', '2'] as never), /tensor: data\[0\] is the string "1", not a number/],
  ['tensor: a string', () => wg.tensor('123' as never), /tensor: data must be .* got the string "123"/],
  ['tensor: null element', () => wg.tensor([1, null, 3] as never), /data\[1\] is null, not a number/],
  ['tensor: undefined', () => wg.tensor(undefined as never), /tensor: data must be .* got undefined/],
  ['tensor: object', () => wg.tensor({ a: 1 } as never), /tensor: data must be .* got object/],
  ['tensor: BigInt64Array', () => wg.tensor(new BigInt64Array(2) as never), /tensor: data must hold numbers, got a BigInt64Array/],
  ['tensor: unknown dtype', () => wg.tensor([1], [1], { dtype: 'float64' as never }), /tensor: dtype must be 'float32' or 'int32', got "float64"/],
  ['tensor: fractional int32', () => wg.tensor([1, 1.5], [2], { dtype: 'int32' }), /tensor: data element 1 = 1.5 is not an int32 value/],
  ['tensor: NaN int32', () => wg.tensor([Number.NaN], [1], { dtype: 'int32' }), /element 0 = NaN is not an int32/],
  ['tensor: int32 overflow', () => wg.tensor([2 ** 31], [1], { dtype: 'int32' }), /2147483648 is not an int32/],
  ['tensor: int32 from Float32Array with fractions', () => wg.tensor(new Float32Array([0.5]), [1], { dtype: 'int32' }), /0.5 is not an int32/],
  ['tensor: int32 requiring grad', () => wg.tensor([1], [1], { dtype: 'int32', requiresGrad: true }), /only float32 tensors can require grad/],
  ['tensor: shape does not match', () => wg.tensor([1, 2, 3], [2, 2]), /tensor: data has 3 elements .* shape \[2, 2\] needs 4/],
  ['tensor: nested data against a shape', () => wg.tensor([[1, 2], [3, 4]], [3]), /data has 4 elements \(nested as \[2, 2\]\) but shape \[3\] needs 3/],
  ['tensor: negative dimension', () => wg.tensor([1, 2], [-2]), /tensor: shape \[-2\] has a dimension that is not a non-negative integer \(-2\)/],
  ['tensor: fractional dimension', () => wg.tensor([1, 2], [2.5]), /tensor: shape \[2.5\]/],
  ['tensor: NaN dimension', () => wg.tensor([1, 2], [Number.NaN]), /tensor: shape \[NaN\]/],
  ['tensor: string shape', () => wg.tensor([1, 2], '2' as never), /tensor: shape must be an array of dimensions, got "2"/],
  // creation
  ['zeros: a number for a shape', () => wg.zeros(3 as never), /zeros: shape must be an array of dimensions, got 3/],
  ['zeros: a string dimension', () => wg.zeros(['3'] as never), /zeros: shape \[3\] has a dimension that is not a non-negative integer \("3"\)/],
  ['zeros: undefined dimension', () => wg.zeros([2, undefined] as never), /zeros: shape .* \(undefined\)/],
  ['ones: negative size', () => wg.ones([-1]), /ones: shape \[-1\]/],
  ['full: string value', () => wg.full([2], '1' as never), /full: value must be a number, got string/],
  ['full: too many dimensions', () => wg.full([1, 1, 1, 1, 1, 1, 1, 1, 1], 0), /full: shape .* more than 8 dimensions/],
  ['zeros: more elements than 2^53', () => wg.zeros([2 ** 30, 2 ** 30, 2 ** 30]), /zeros: shape \[1073741824, 1073741824, 1073741824\] has .* elements, more than can be counted exactly/],
  ['zeros: larger than maxBufferSize', () => wg.zeros([2 ** 31 + 8]), /zeros: shape \[2147483656\] needs 8589934624 bytes .* maxBufferSize of \d+ bytes/],
  ['rand: larger than maxBufferSize', () => wg.rand([2 ** 16, 2 ** 16]), /rand: shape \[65536, 65536\] needs 17179869184 bytes/],
  ['randn: negative std', () => wg.randn([2], { std: -1 }), /randn: std must be >= 0/],
  ['randn: NaN mean', () => wg.randn([2], { mean: Number.NaN }), /randn: mean must be a finite number, got NaN/],
  ['rand: low above high', () => wg.rand([2], { low: 2, high: 1 }), /rand: low 2 must not exceed high 1/],
  ['rand: negative seed', () => wg.rand([2], { seed: -1 }), /seed must be a non-negative safe integer, got -1/],
  ['arange: zero step', () => wg.arange(0, 5, 0), /arange: step must be a finite non-zero number, got 0/],
  ['arange: NaN end', () => wg.arange(0, Number.NaN), /arange: end must be a finite number, got NaN/],
  ['arange: infinite', () => wg.arange(Number.POSITIVE_INFINITY), /arange: (start|end) must be a finite number, got Infinity/],
  ['arange: a step of the wrong sign', () => wg.arange(5, 0, 1), /arange: a step of 1 never goes from 5 to 0/],
  ['arange: too many elements', () => wg.arange(0, 2 ** 40), /arange: shape \[1099511627776\] needs 4398046511104 bytes .*maxBufferSize/],
  ['zerosLike: not a tensor', () => wg.zerosLike([1, 2] as never), /zerosLike: t must be a Tensor, got an array/],
  ['onesLike: disposed', () => wg.onesLike(t.dead), /onesLike: t \(shape \[2, 2\]\) was used after dispose\(\)/],
  // element-wise
  ['add: shapes that do not broadcast', () => wg.add(t.a23, t.b34), /add: shapes a \[2, 3\] and b \[3, 4\] cannot be broadcast/],
  ['mul: int32 operand', () => wg.mul(t.a23, t.i23), /mul: b must be float32, got int32 \(shape \[2, 3\]\)/],
  ['add: a string operand', () => wg.add(t.a23, '1' as never), /add: b must be a Tensor, got the string "1"/],
  ['sub: undefined operand', () => wg.sub(undefined as never, t.a23), /sub: a must be a Tensor, got undefined/],
  ['div: an array operand', () => wg.div(t.a23, [1, 2, 3] as never), /div: b must be a Tensor, got an array/],
  ['exp: int32', () => wg.exp(t.i3), /exp: x must be float32, got int32 \(shape \[3\]\)/],
  ['relu: disposed', () => wg.relu(t.dead), /relu: x \(shape \[2, 2\]\) was used after dispose\(\)/],
  ['pow: null exponent', () => wg.pow(t.a23, null as never), /pow: b must be a Tensor, got null/],
  ['maximum: disposed b', () => wg.maximum(t.a23, t.dead), /maximum: b \(shape \[2, 2\]\) was used after dispose/],
  ['gt: a string against int32', () => wg.gt(t.i3, '1' as never), /gt: b must be a Tensor, got the string "1"/],
  ['eq: int32 against float32 that do not broadcast', () => wg.eq(t.i3, t.b34), /eq: shapes a \[3\] and b \[3, 4\] cannot be broadcast together/],
  ['indexSelect: float32 index', () => wg.indexSelect(t.a23, 0, t.v3), /indexSelect: index must be int32, got float32 \(shape \[3\]\)/],
  ['indexSelect: two-dimensional index', () => wg.indexSelect(t.a23, 0, t.i23), /indexSelect: index must be one-dimensional \[K\], got \[2, 3\]/],
  ['indexSelect: a number out of range', () => wg.indexSelect(t.a23, 1, [0, 3]), /indexSelect: index\[1\] = 3 is out of range \[0, 3\)/],
  ['indexSelect: a dim out of range', () => wg.indexSelect(t.a23, 2, [0]), /indexSelect: dim 2 is out of range for a tensor of rank 2/],
  ['indexSelect: a string index', () => wg.indexSelect(t.a23, 0, 'x' as never), /indexSelect: index must be an int32 Tensor or an array of indices, got string/],
  ['gather: float32 index', () => wg.gather(t.a23, 0, t.a23), /gather: index must be int32, got float32/],
  ['gather: index of another rank', () => wg.gather(t.a23, 0, t.i3), /gather: index \[3\] must have x's rank \(x \[2, 3\]\)/],
  ['gather: index larger off dim', () => wg.gather(t.a23, 0, wg.tensor(new Int32Array(8), [2, 4], { dtype: 'int32' })), /gather: index \[2, 4\] is larger than x \[2, 3\] along dimension 1/],
  ['gather: disposed x', () => wg.gather(t.dead, 0, t.i23), /gather: x \(shape \[2, 2\]\) was used after dispose\(\)/],
  ['manualSeed: a negative seed', () => wg.manualSeed(-3), /manualSeed: seed must be a non-negative safe integer, got -3/],
  ['TensorDataset: a scalar', () => new wg.data.TensorDataset(t.a23, wg.tensor(1)), /TensorDataset: tensors\[1\] must have a first dimension indexing the samples, got shape \[\]/],
  ['TensorDataset: a disposed tensor', () => new wg.data.TensorDataset(t.dead), /TensorDataset: tensors\[0\] \(shape \[2, 2\]\) was used after dispose\(\)/],
  ['DataLoader: no dataset', () => new wg.data.DataLoader(undefined as never), /DataLoader: dataset must be a Dataset \(length and get or getBatch\), got undefined/],
  ['DataLoader: a fractional batch size', () => new wg.data.DataLoader(new wg.data.TensorDataset(t.a23), { batchSize: 2.5 }), /DataLoader: batchSize must be a positive integer, got 2.5/],
  ['DataLoader: a bad seed', () => new wg.data.DataLoader(new wg.data.TensorDataset(t.a23), { shuffle: true, seed: -1 }), /DataLoader: seed must be a non-negative safe integer, got -1/],
  ['gather: x over the binding limit', limited(() => wg.gather(t.big, 0, wg.tensor(new Int32Array(40), [1, 40], { dtype: 'int32' }))), /gather: x \[40, 40\] needs 6400 bytes .* this op does not split it/],
  ['indexSelect: x over the binding limit along dim 1', limited(() => wg.indexSelect(t.big, 1, [0])), /indexSelect: x \[40, 40\] is larger than one storage binding .* select along dim 0/],
  ['toDtype: an unknown dtype', () => wg.toDtype(t.a23, 'float64' as never), /toDtype: dtype must be 'float32' or 'int32', got "float64"/],
  ['float: a disposed tensor', () => t.dead.float(), /toDtype: x \(shape \[2, 2\]\) was used after dispose\(\)/],
  ['maxPool2d: options twice', () => wg.maxPool2d(t.img, { kernelSize: 2 }, { stride: 1 }), /maxPool2d: give the options once/],
  ['avgPool2d: a string kernel size', () => wg.avgPool2d(t.img, '2' as never), /avgPool2d: kernelSize is required/],
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
  // linear algebra
  ['matmul: inner dimensions', () => wg.matmul(t.a23, t.b45), /matmul: inner dimensions differ \(3 vs 4\) for a \[2, 3\] and b \[4, 5\]/],
  ['matmul: 1-D', () => wg.matmul(t.v3, t.b34), /matmul: a and b must be 2-D or 3-D, got a \[3\] and b \[3, 4\]/],
  ['matmul: int32', () => wg.matmul(t.i23, t.b34), /matmul: a must be float32, got int32 \(shape \[2, 3\]\)/],
  ['matmul: not a tensor', () => wg.matmul([[1]] as never, t.b34), /matmul: a must be a Tensor, got an array/],
  ['matmul: disposed b', () => wg.matmul(t.a23, t.dead), /matmul: b \(shape \[2, 2\]\) was used after dispose/],
  ['linear: int32 x', () => wg.linear(t.i23, t.lin), /linear: x must be float32, got int32 \(shape \[2, 3\]\)/],
  ['linear: in-features', () => wg.linear(t.b34, t.lin), /linear: x \[3, 4\] must end in the weight's in-features 3 \(weight \[2, 3\]\)/],
  ['linear: bias shape', () => wg.linear(t.a23, t.lin, t.v3), /linear: bias \[3\] must be \[2\] for weight \[2, 3\]/],
  ['linear: 1-D weight', () => wg.linear(t.a23, t.v3), /linear: weight must be 2-D \[out, in\], got \[3\]/],
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
  // autograd
  ['backward: no grad required', () => wg.sum(t.a23).backward(), /backward\(\): the tensor of shape \[\] does not require grad/],
  ['backward: non-scalar without gradient', () => wg.mul(wg.tensor([1, 2], { requiresGrad: true }), 2).backward(), /backward\(\): a tensor of shape \[2\] needs an explicit gradient/],
  ['backward: gradient of the wrong shape', () => wg.mul(wg.tensor([1, 2], { requiresGrad: true }), 2).backward(wg.ones([3])), /backward\(\): gradient \[3\] does not match the tensor's shape \[2\]/],
  ['backward: int32 gradient', () => wg.mul(wg.tensor([1, 2], { requiresGrad: true }), 2).backward(wg.tensor([1, 1], [2], { dtype: 'int32' })), /backward\(\): gradient must be float32, got int32/],
  ['backward: gradient not a tensor', () => wg.mul(wg.tensor([1, 2], { requiresGrad: true }), 2).backward([1, 1] as never), /backward\(\): gradient must be a Tensor, got object/],
  ['backward: disposed root', () => { const y = wg.sum(wg.tensor([1], { requiresGrad: true })); y.dispose(); y.backward(); }, /backward\(\): the tensor of shape \[\] was used after dispose/],
  ['item: more than one element', () => t.a23.item(), /item\(\) needs a one-element tensor, got shape \[2, 3\]/],
  // optimizers and layers
  ['SGD: no parameters', () => new wg.optim.SGD([], { lr: 0.1 }), /SGD: got an empty parameter list/],
  ['SGD: negative lr', () => new wg.optim.SGD([wg.zeros([1], { requiresGrad: true })], { lr: -1 }), /SGD: lr must be a finite number >= 0, got -1/],
  ['SGD: string lr', () => new wg.optim.SGD([wg.zeros([1], { requiresGrad: true })], { lr: '0.1' as never }), /SGD: lr must be a finite number >= 0, got 0.1/],
  ['SGD: no options', () => new wg.optim.SGD([wg.zeros([1], { requiresGrad: true })], undefined as never), /SGD: options \{ lr \} are required/],
  ['SGD: a parameter without requiresGrad', () => new wg.optim.SGD([t.v3], { lr: 0.1 }), /SGD: params\[0\] \(shape \[3\]\) must be a leaf tensor with requiresGrad/],
  ['SGD: not a tensor', () => new wg.optim.SGD([1 as never], { lr: 0.1 }), /SGD: params\[0\] must be a Tensor, got the number 1/],
  ['SGD: nesterov without momentum', () => new wg.optim.SGD([wg.zeros([1], { requiresGrad: true })], { lr: 0.1, nesterov: true }), /nesterov needs momentum > 0/],
  ['Linear: zero features', () => new wg.nn.Linear(0, 2), /Linear: inFeatures must be a positive integer, got 0/],
  ['Linear: fractional features', () => new wg.nn.Linear(2.5, 2), /Linear: inFeatures must be a positive integer, got 2.5/],
  ['Linear: string features', () => new wg.nn.Linear('3' as never, 2), /Linear: inFeatures must be a positive integer, got 3/],
  ['Linear.forward: wrong features', () => new wg.nn.Linear(4, 2).forward(t.a23), /linear: x \[2, 3\] must end in the weight's in-features 4/],
  ['Conv2d: NaN channels', () => new wg.nn.Conv2d(Number.NaN, 3, 3), /Conv2d: inChannels must be a positive integer, got NaN/],
  ['Conv2d: a kernel of three numbers', () => new wg.nn.Conv2d(1, 1, [3, 3, 3] as never), /Conv2d: kernelSize must be an integer >= 1 or a pair of them, got \[3, 3, 3\]/],
  ['MaxPool2d: NaN kernel', () => new wg.nn.MaxPool2d(Number.NaN), /MaxPool2d: kernelSize must be an integer >= 1 or a pair of them, got NaN/],
  ['LocalResponseNorm: size 0', () => new wg.nn.LocalResponseNorm(0), /LocalResponseNorm: size must be a positive integer, got 0/],
  ['Linear: negative seed', () => new wg.nn.Linear(3, 2, { seed: -1 }), /Linear: seed must be a non-negative safe integer, got -1/],
  ['Linear: unknown init', () => new wg.nn.Linear(3, 2, { init: 'xavier' as never }), /Linear: init must be one of .* got xavier/],
  ['Conv2d: zero kernel', () => new wg.nn.Conv2d(1, 1, 0), /Conv2d: kernelSize must be an integer >= 1/],
  ['Conv2d: negative padding', () => new wg.nn.Conv2d(1, 1, 3, { padding: -1 }), /Conv2d: padding must be an integer >= 0/],
  ['Dropout: p = 2', () => new wg.nn.Dropout(2), /Dropout: p must be in \[0, 1\], got 2/],
  ['Sequential: not a module', () => new wg.nn.Sequential(((x: wg.Tensor) => x) as never), /Sequential: argument 0 must be a Module/],
  ['loadStateDict: wrong shapes', () => new wg.nn.Linear(3, 2).loadStateDict({ weight: t.b34, bias: t.v3 }), /loadStateDict: 'weight' has shape \[3, 4\] \(float32\) but the parameter has \[2, 3\]/],
  ['loadStateDict: missing keys', () => new wg.nn.Linear(3, 2).loadStateDict({ weight: t.lin }), /state dict does not match: missing keys \[bias\]/],
  ['loadStateDict: null', () => new wg.nn.Linear(3, 2).loadStateDict(null as never), /loadStateDict: state must be a record of tensors/],
  ['loadStateDict: int32 weights', () => new wg.nn.Linear(3, 2).loadStateDict({ weight: t.i23.reshape([2, 3]), bias: t.v3 }), /'weight' has shape \[2, 3\] \(int32\) but the parameter has \[2, 3\] \(float32\)/],
  ['SGD: a model instead of its parameters', () => new wg.optim.SGD(new wg.nn.Linear(2, 2) as never, { lr: 0.1 }), /SGD: params must be a list of tensors: pass model.parameters\(\), not the model/],
  ['SGD: undefined params', () => new wg.optim.SGD(undefined as never, { lr: 0.1 }), /SGD: params must be a list of tensors, got undefined/],
  ['SGD: the same parameter twice', () => { const p = wg.zeros([2], { requiresGrad: true }); return new wg.optim.SGD([p, p], { lr: 0.1 }); }, /SGD: params\[1\] \(shape \[2\]\) appears more than once/],
  ['SGD: an int32 parameter', () => new wg.optim.SGD([t.i3], { lr: 0.1 }), /SGD: params\[0\] \(shape \[3\]\) must be float32, got int32/],
  ['SGD.step: a disposed parameter', () => { const p = wg.zeros([1], { requiresGrad: true }); const opt = new wg.optim.SGD([p], { lr: 0.1 }); p.dispose(); opt.step(); }, /SGD.step: params\[0\] \(shape \[1\]\) was disposed/],
  ['SGD.step: lr set to NaN', () => { const opt = new wg.optim.SGD([wg.zeros([1], { requiresGrad: true })], { lr: 0.1 }); opt.lr = Number.NaN; opt.step(); }, /SGD: lr must be a finite number >= 0, got NaN/],
  ['StepLR: no options', () => new wg.optim.StepLR(new wg.optim.SGD([wg.zeros([1], { requiresGrad: true })], { lr: 0.1 }), undefined as never), /StepLR: stepSize must be an integer >= 1, got undefined/],
  ['StepLR: not an optimizer', () => new wg.optim.StepLR({} as never, { stepSize: 1 }), /StepLR: optimizer must have a numeric lr/],
  ['ReduceLROnPlateau: factor 2', () => new wg.optim.ReduceLROnPlateau(new wg.optim.SGD([wg.zeros([1], { requiresGrad: true })], { lr: 0.1 }), { factor: 2 }), /ReduceLROnPlateau: factor must be in \[0, 1\), got 2/],
  ['ReduceLROnPlateau.step: a tensor for the metric', () => new wg.optim.ReduceLROnPlateau(new wg.optim.SGD([wg.zeros([1], { requiresGrad: true })], { lr: 0.1 })).step(t.v3 as never), /ReduceLROnPlateau.step: metric must be a number, got object/],
  ['tidy: not a function', () => wg.tidy(5 as never), /tidy\(\) takes a function, got number/],
  ['noGrad: not a function', () => wg.noGrad(undefined as never), /noGrad\(\) takes a function, got undefined/],
  ['tidy: an async function', () => wg.tidy((async () => 1) as never), /tidy\(\) takes a synchronous function/],
  ['noGrad: an async function', () => wg.noGrad(async () => 1), /noGrad\(\) takes a synchronous function/],
  ['backward: of a loss computed inside noGrad', () => { const w = wg.zeros([2], { requiresGrad: true }); wg.noGrad(() => wg.sum(wg.mul(w, 2))).backward(); }, /backward\(\): the tensor of shape \[\] does not require grad .*noGrad/],
  ['backward: twice', () => { const y = wg.sum(wg.mul(wg.ones([2], { requiresGrad: true }), 2)); y.backward(); y.backward(); }, /trying to backward through the graph a second time/],
  ['backward: a disposed input', () => { const x = wg.ones([2]); const y = wg.sum(wg.mul(x, wg.ones([2], { requiresGrad: true }))); x.dispose(); y.backward(); }, /backward\(\): input 0 \(shape \[2\]\) of mul was disposed before backward\(\)/],
  ['backward: disposed labels of crossEntropy', () => { const l = wg.tensor([0, 1, 2], [3], { dtype: 'int32' }); const y = wg.crossEntropy(wg.mul(t.logits, wg.ones([1], { requiresGrad: true })), l); l.dispose(); y.backward(); }, /input 1 \(shape \[3\]\) of crossEntropy was disposed/],
  ['item: a disposed scalar', () => { const s = wg.zeros([]); s.dispose(); return s.item(); }, /a tensor of shape \[\] was used after dispose\(\)/],
  ['toArray: disposed', () => t.dead.toArray(), /a tensor of shape \[2, 2\] was used after dispose\(\)/],
  ['conv2d: options a number', () => wg.conv2d(t.img, t.w4, null, 1 as never), /conv2d: options must be an object \{ stride, padding \}, got 1/],
  ['dropout: options a string', () => wg.dropout(t.a23, 'train' as never), /dropout: options must be an object/],
  ['localResponseNorm: options a number', () => wg.localResponseNorm(t.img, 5 as never), /localResponseNorm: options must be an object/],
  ['maxPool2d: zero stride', () => wg.maxPool2d(t.img, { kernelSize: 2, stride: 0 }), /maxPool2d: stride must be an integer >= 1 or a pair of them, got 0/],
  ['matmul: batches that do not broadcast', () => wg.matmul(wg.tidy(() => wg.keep(wg.zeros([2, 2, 3]))), wg.tidy(() => wg.keep(wg.zeros([3, 3, 4])))), /matmul: batch dimensions 2 and 3 do not broadcast for a \[2, 2, 3\] and b \[3, 3, 4\]/],
  ['expand: to fewer dimensions', () => wg.expand(t.a23, [3]), /expand: x \[2, 3\] cannot be expanded to \[3\]/],
  ['transpose: a 1-D tensor', () => wg.transpose(t.v3), /transpose: axis -2 is out of range for a tensor of rank 1/],
  ['countCorrect: a label out of range', () => wg.countCorrect(t.logits, [0, 1, 9]), /countCorrect: labels\[2\] = 9 is not a class index in \[0, 4\)/],
  ['uploadBytes: an array', () => wg.uploadBytes([1, 2, 3] as never), /uploadBytes: bytes must be a Uint8Array/],
  ['prepareImages: float pixels', () => wg.prepareImages(t.v3, { n: 1, inSize: 1, mean: [0, 0, 0] }), /prepareImages: pixels must be int32/],
  ['prepareImages: too few bytes', () => wg.prepareImages(t.i3, { n: 1, inSize: 4, mean: [0, 0, 0] }), /prepareImages: pixels of shape \[3\] hold 12 bytes; n=1 images of 3×4×4 need 48/],
  ['Flatten: negative startDim', () => new wg.nn.Flatten(-1), /Flatten: startDim must be an integer >= 0, got -1/],
  ['Flatten.forward: too few dimensions', () => new wg.nn.Flatten(3).forward(t.a23), /Flatten: x \[2, 3\] has no dimension 3/],
  ['Sequential.at: out of range', () => new wg.nn.Sequential(new wg.nn.ReLU()).at(3), /Sequential.at: index 3 is out of range for 1 modules/],
  ['Module.forward: not a tensor', () => new wg.nn.Linear(3, 2).forward([1, 2, 3] as never), /linear: x must be a Tensor, got an array/],
  ['init: an unknown gemm', () => wg.init({ gemm: 'fast' as never }), /init: gemm must be one of 'registers', 'workgroup', 'texture', got "fast"/],
  ['init: an unknown conv', () => wg.init({ conv: 'direct' as never }), /init: conv must be one of 'implicit', 'im2col', 'winograd', got "direct"/],
  ['init: autotune a number', () => wg.init({ autotune: 3 as never }), /init: autotune must be true, false or \{ file \}, got 3/],
  ['init: an unknown wait mode', () => wg.init({ wait: 'busy' as never }), /init: wait must be one of 'adaptive', 'spin', got "busy"/],
  ['init: options a string', () => wg.init('gpu' as never), /init: options must be an object, got gpu/],
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
  ['loadStateDict: not a tensor', () => new wg.nn.Linear(3, 2).loadStateDict({ weight: [1] as never, bias: t.v3 }), /loadStateDict: 'weight' must be a Tensor, got an array/],
];

describe('misuse', () => {
  it('every case throws a WebgradError naming what is wrong, and the device stays usable', async () => {
    const failures: string[] = [];
    const list = cases();
    expect(list.length).toBeGreaterThan(100);
    for (const [name, run, ...patterns] of list) {
      let error: unknown = null;
      try {
        const result = run();
        if (result instanceof Promise) await result;
      } catch (e) {
        error = e;
      }
      if (!(error instanceof wg.WebgradError)) {
        failures.push(`${name}: ${error ? `threw ${(error as Error).name}: ${(error as Error).message}` : 'did not throw'}`);
        continue;
      }
      for (const p of patterns) if (!p.test(error.message)) failures.push(`${name}: message "${error.message}" does not match ${p}`);
    }
    expect(failures).toEqual([]);
    // Nothing failed on the device meanwhile.
    expect(await wg.sum(t.a23).item()).toBe(21);
  });
});
