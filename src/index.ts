export { init, release, adapterInfo, memory, sync, type InitOptions } from './device/init.js';
export type { AdapterSummary } from './device/gpu.js';
export { WebgradError, NoAdapterError, DeviceError } from './device/errors.js';
export { Tensor, type DType } from './tensor/tensor.js';
export { tidy, keep } from './tensor/scope.js';
export type { Shape } from './tensor/shape.js';
export { tensor, zeros, ones, full, arange, rand, randn, zerosLike, onesLike } from './ops/creation.js';
export {
  neg, abs, exp, log, sqrt, rsqrt, relu, sigmoid, tanh,
  add, sub, mul, div, pow, maximum, minimum, gt, ge, eq,
  type Operand,
} from './ops/elementwise.js';
export { sum, mean, max, argmax } from './ops/reduce.js';
export { reshape, permute, transpose, expand } from './ops/layout.js';
export { noGrad } from './autograd/engine.js';
