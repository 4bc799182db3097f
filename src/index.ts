/// <reference types="@webgpu/types" preserve="true" />
// The browser entry (and the core of the Node one, node.ts): no module it reaches uses a Node API.
import './methods.js';
export { init, release, adapterInfo, deviceLimits, memory, sync, flush, profileKernels, kernelPolicy, manualSeed, withPolicy, type InitOptions, type MemoryStats } from './session/init.js';
export type { KernelProfile, KernelTime } from './runtime/profiler.js';
export type { WaitMode } from './runtime/runtime.js';
export type { ConvVariant, GemmVariant, KernelPolicy, PolicyChanges, TextureGemmTuning } from './runtime/policy.js';
export type { AdapterSummary } from './runtime/gpu.js';
export { WebgradError, NoAdapterError, DeviceError } from './errors.js';
export { Tensor, type DType } from './tensor/tensor.js';
export { tidy, keep } from './graph/scope.js';
export type { Shape } from './tensor/shape.js';
export { tensor, zeros, ones, full, arange, rand, randn, zerosLike, onesLike } from './ops/creation.js';
export {
  neg, abs, exp, log, sqrt, rsqrt, relu, sigmoid, tanh,
  add, sub, mul, div, pow, maximum, minimum, gt, ge, eq,
  type Operand,
} from './ops/elementwise.js';
export { sum, mean, max, argmax } from './ops/reduce.js';
export { toDtype, float, int } from './ops/cast.js';
export { reshape, permute, transpose, expand } from './ops/layout.js';
export { noGrad } from './graph/record.js';
export * as optim from './optim/index.js';
export { gradCheck, type GradCheckOptions, type GradCheckResult, type GradCheckInput } from './autograd/gradcheck.js';
export { conv2d, type Conv2dOptions } from './ops/conv.js';
export { maxPool2d, type MaxPool2dOptions } from './ops/maxpool.js';
export { localResponseNorm, type LocalResponseNormOptions } from './ops/lrn.js';
export { dropout, type DropoutOptions } from './ops/dropout.js';
export { crossEntropy, countCorrect, type Labels } from './ops/loss.js';
export { matmul, linear } from './ops/matmul.js';
export { prepareImages, uploadBytes, type PrepareImagesOptions } from './ops/image.js';
export { encodeSafetensors, decodeSafetensors, type HostTensor, type DecodedSafetensors, type SafetensorsDType } from './io/safetensors-format.js';
export { readTensors } from './io/read-tensors.js';
export * as nn from './layers/index.js';
export * as data from './data/index.js';
export { softmax, logSoftmax } from './ops/softmax.js';
export { nllLoss, mseLoss } from './ops/losses.js';
export { indexSelect, type Indices } from './ops/index-select.js';
export { gather } from './ops/gather.js';
export { cat, stack, split, narrow, slice, squeeze, unsqueeze, flatten, type SliceRange } from './ops/indexing.js';
export { where, clamp, min, lt, le, ne } from './ops/selection.js';
export { batchNorm, type BatchNormOptions } from './ops/batchnorm.js';
export { gelu, type GeluOptions } from './ops/gelu.js';
export { layerNorm } from './ops/layernorm.js';
export { embedding, type EmbeddingOptions } from './ops/embedding.js';
export { avgPool2d, adaptiveAvgPool2d, type AvgPool2dOptions } from './ops/avgpool.js';
export { tril, triu, maskedFill } from './ops/masking.js';
export { scaledDotProductAttention, type ScaledDotProductAttentionOptions } from './ops/attention.js';
